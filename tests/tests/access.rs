//! Who may read and write what, decided by the real server: every role
//! against every kind of document, read and write; and the ways in that
//! must stay shut — a forged peer id, an expired invitation, a reused
//! one-time code, a revoked device on a connection already open.

#![allow(clippy::unwrap_used)]

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ROOT, ReadDoc};
use e2e::peer::Peer;
use e2e::{Device, Server};
use shared::district::DistrictYearDoc;
use shared::perspective::PerspectiveDoc;
use shared::{AcademicYear, DocumentId, LibraryDoc, YearDoc};
use tempfile::TempDir;

const YEAR: AcademicYear = AcademicYear(2026);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    None,
    Read,
    Write,
}

/// Writes the document's first version as someone who may.
async fn seed(server: &Server, writer: &Device, id: DocumentId, mut doc: AutoCommit) {
    let mut doc = doc.document().clone();
    Peer::connect(server, writer).await.push(id, &mut doc).await;
}

/// What `device` can do with `id`, found by trying: fetch it, then change
/// it and check (as `owner`, who may read it) whether the change was kept.
async fn try_access(server: &Server, device: &Device, owner: &Device, id: DocumentId, mark: &str) -> Expect {
    let mut peer = Peer::connect(server, device).await;
    let fetched = peer.fetch(id).await;
    let readable = fetched.is_some();
    let mut doc = fetched.unwrap_or_else(Automerge::new);
    let mut tx = doc.transaction();
    tx.put(ROOT, mark, "написано").unwrap();
    tx.commit();
    assert!(peer.offer(id, &mut doc).await, "{mark}: a refused change does not cost the connection");

    let stored = Peer::connect(server, owner).await.fetch(id).await.expect("the owner reads its document");
    let written = stored.get(ROOT, mark).unwrap().is_some();
    match (readable, written) {
        (false, false) => Expect::None,
        (true, false) => Expect::Read,
        (true, true) => Expect::Write,
        (false, true) => panic!("{mark}: written without being readable"),
    }
}

/// Every role against every kind of document, read and write, through the
/// real server: members and school heads write their own school's records
/// and only read the РМО's; a member of another school gets nothing of
/// this school; the district head reads every school and writes the РМО's;
/// a reader reads everything and writes nothing.
#[tokio::test]
async fn every_role_reads_and_writes_exactly_what_it_may() {
    let dir = TempDir::new().unwrap();
    role_matrix(&Server::start(dir.path()).await).await;
}

/// The same rule, with the server on PostgreSQL.
#[tokio::test]
async fn every_role_reads_and_writes_exactly_what_it_may_on_postgresql() {
    let pg = e2e::postgres::Postgres::start().await;
    let url = pg.database("roles").await;
    let dir = TempDir::new().unwrap();
    role_matrix(&Server::start_with(dir.path(), &[("MO_DATABASE_URL", &url)]).await).await;
}

async fn role_matrix(server: &Server) {
    let (district_head, school_head) = server.heads().await;
    let school = school_head.school();
    let other_school = district_head.add_school(server, "Школа №2").await;
    let member = school_head.add_device(server, "member", Some(school), "Учитель школы №1").await;
    let stranger = district_head.add_device(server, "member", Some(other_school), "Учитель школы №2").await;
    let reader = district_head.add_device(server, "reader", None, "Специалист отдела образования").await;

    let district = district_head.district();
    let documents = [
        ("association", school, shared::AssociationDoc::create(&school), &school_head),
        ("year", YearDoc::id_for(&school, YEAR), YearDoc::create(&school, YEAR), &school_head),
        ("library", LibraryDoc::id_for(&school), LibraryDoc::create(&school), &school_head),
        (
            "district year",
            DistrictYearDoc::id_for(&district, YEAR),
            DistrictYearDoc::create(&district, YEAR),
            &district_head,
        ),
        ("perspective plan", PerspectiveDoc::id_for(&district), PerspectiveDoc::create(&district), &district_head),
    ];
    for (_, id, doc, writer) in &documents {
        seed(server, writer, *id, doc.clone()).await;
    }

    use Expect::{None as N, Read as R, Write as W};
    // Columns: association, year, library (school №1's), district year,
    // the district's perspective plan.
    let matrix: [(&str, &Device, [Expect; 5]); 5] = [
        ("member", &member, [W, W, W, R, R]),
        ("school head", &school_head, [W, W, W, R, R]),
        ("member of another school", &stranger, [N, N, N, R, R]),
        ("district head", &district_head, [R, R, R, W, W]),
        ("reader", &reader, [R, R, R, R, R]),
    ];
    let mut wrong = Vec::new();
    for (role, device, expected) in matrix {
        for ((kind, id, _, owner), expect) in documents.iter().zip(expected) {
            let mark = format!("{role} / {kind}").replace(' ', "_");
            let got = try_access(server, device, owner, *id, &mark).await;
            if got != expect {
                wrong.push(format!("{role} on {kind}: expected {expect:?}, got {got:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "access differs from the rule:\n{}", wrong.join("\n"));

    // A document nobody owns cannot be made through the server.
    let unknown = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "x", 1).unwrap();
    let mut peer = Peer::connect(server, &district_head).await;
    peer.offer(unknown, &mut doc.document().clone()).await;
    assert!(Peer::connect(server, &reader).await.fetch(unknown).await.is_none());
}

/// A member's device marks «ознакомлен(а)» and answers surveys only as
/// the member it is linked to, however it sends: the server refuses a
/// change that signs for another member, for the school or as given on
/// paper, stores nothing of it and says why; her own mark goes through.
#[tokio::test]
async fn a_members_device_signs_only_as_its_own_member() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let school = head.school();
    let (own, other) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let mut library = LibraryDoc::create(&school);
    let values = shared::Values::default().with("kind", "statute").with("title", "Положение о МО").with("text", "1.");
    let fields = shared::regulation::RegulationFields::validate(&values).unwrap();
    let regulation = LibraryDoc::edit_regulation(&mut library, shared::record::Edit::Add(fields), 1).unwrap();
    let library_id = LibraryDoc::id_for(&school);
    seed(&server, &head, library_id, library).await;
    let year_id = YearDoc::id_for(&school, YEAR);
    seed(&server, &head, year_id, YearDoc::create(&school, YEAR)).await;
    let code = head.invite_member(&server, &own.to_string()).await;
    let member = server.join(&code, "Иванова М. П.").await;

    let mut peer = Peer::connect(&server, &member).await;
    let mut fetched = AutoCommit::load(&peer.fetch(library_id).await.unwrap().save()).unwrap();
    let day = shared::Date::new(2026, 11, 20).unwrap();
    let mut signed = |member: uuid::Uuid, paper: Option<&str>| {
        let mut doc = fetched.fork();
        LibraryDoc::acknowledge(&mut doc, regulation, member, day, paper.map(str::to_owned), 2).unwrap();
        doc.document().clone()
    };
    // Each on a connection of its own: once a connection's changes to a
    // document are refused, it may only read that document.
    let refused = peer.force_changes(library_id, &signed(other, None)).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("only its own member's")), "{refused:?}");
    let mut peer = Peer::connect(&server, &member).await;
    let refused = peer.force_changes(library_id, &signed(own, Some("Иванова М. П."))).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("on paper")), "{refused:?}");
    let mut peer = Peer::connect(&server, &member).await;
    assert_eq!(peer.force_changes(library_id, &signed(own, None)).await, None, "her own mark goes through");
    let kept = AutoCommit::load(&Peer::connect(&server, &head).await.fetch(library_id).await.unwrap().save()).unwrap();
    let sheet = <LibraryDoc as shared::Document>::load(&kept).unwrap();
    let kept_regulation = shared::record::RecordList::by_id(&sheet.regulations, regulation).unwrap();
    assert_eq!(kept_regulation.acknowledged_by(own), Some(day));
    assert_eq!(kept_regulation.acknowledged_by(other), None, "nothing of the refused change is stored");
    assert!(kept_regulation.on_paper.is_empty());

    // Survey answers: her own, not the school's.
    let mut year = AutoCommit::load(&peer.fetch(year_id).await.unwrap().save()).unwrap();
    let mut answered = |who: Option<uuid::Uuid>| {
        let mut doc = year.fork();
        let filled = shared::survey::Filled { by: "Иванова М. П.".into(), ..Default::default() };
        shared::survey::Response::set(&mut doc, uuid::Uuid::new_v4(), who, filled, 3).unwrap();
        doc.document().clone()
    };
    let refused = peer.force_changes(year_id, &answered(None)).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("head answers for the school")), "{refused:?}");
    let mut peer = Peer::connect(&server, &member).await;
    assert_eq!(peer.force_changes(year_id, &answered(Some(own))).await, None);
    let (_, metrics) = server.get("/metrics").await;
    assert!(metrics.contains("\nmo_changes_refused_total 3\n"), "{metrics}");
}

/// A peer id that is not the token's device is refused at join; so is a
/// connection with no token or a made-up one.
#[tokio::test]
async fn a_forged_peer_id_or_token_is_refused() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;

    let url = server.sync_url_for(&school_head);
    let as_other_device = Peer::connect_as(&url, &district_head.peer_id("tab")).await;
    assert!(as_other_device.is_err_and(|e| e.contains("peer id")), "another device's peer id is refused");
    let prefix_trick = Peer::connect_as(&url, &format!("{}x", school_head.id)).await;
    assert!(prefix_trick.is_err(), "a peer id merely starting with the device id is refused");
    assert!(Peer::connect_as(&server.sync_url(), &school_head.peer_id("t")).await.is_err(), "no token");
    let made_up = format!("{}?token={}", server.sync_url(), "0".repeat(64));
    assert!(Peer::connect_as(&made_up, &school_head.peer_id("t")).await.is_err(), "a made-up token");
    assert!(Peer::connect_as(&url, &school_head.peer_id("t")).await.is_ok(), "the device's own peer id works");
}

/// A one-time code works once; a second device with the same code is
/// refused with a message that says so, and the first keeps working.
#[tokio::test]
async fn a_one_time_code_registers_only_one_device() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let code = school_head.invite(&server, "member", Some(school_head.school())).await;
    let first = server.join(&code, "Первое устройство").await;
    let body = serde_json::json!({ "code": code, "name": "Второе устройство" });
    let (status, answer) = server.http("POST", "/api/join", None, Some(&body)).await;
    assert_eq!(status, 410, "{answer}");
    assert!(answer.contains("уже использовано"), "{answer}");
    let (status, _) = server.http("GET", "/api/me", Some(&first.token), None).await;
    assert_eq!(status, 200);
    // The district head's first-start code was spent by `heads()`.
    let (district_code, _) = server.first_invitations().await;
    let body = serde_json::json!({ "code": district_code, "name": "Кто-то ещё" });
    assert_eq!(server.http("POST", "/api/join", None, Some(&body)).await.0, 410);
}

/// An invitation past its date registers nothing: the server, restarted
/// with its clock 15 days on, refuses a 14-day code it made.
#[tokio::test]
async fn an_expired_invitation_is_refused() {
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let code = school_head.invite(&server, "member", Some(school_head.school())).await;
    server.stop().await;
    server.resume_at(Some("+15d")).await;
    let body = serde_json::json!({ "code": code, "name": "Опоздавший" });
    let (status, answer) = server.http("POST", "/api/join", None, Some(&body)).await;
    assert_eq!(status, 410, "{answer}");
    assert!(answer.contains("Срок действия приглашения истёк"), "{answer}");
}

/// Revoking a device closes its open connection at once and its token no
/// longer connects, while others go on; a member may not revoke anyone.
#[tokio::test]
async fn a_revoked_device_is_cut_off_on_its_open_connection() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let school = school_head.school();
    let member = school_head.add_device(&server, "member", Some(school), "Учитель").await;
    seed(&server, &school_head, school, shared::AssociationDoc::create(&school)).await;

    let mut open = Peer::connect(&server, &member).await;
    assert!(open.fetch(school).await.is_some());
    let (status, _) =
        server.http("POST", &format!("/api/devices/{}/revoke", school_head.id), Some(&member.token), None).await;
    assert_eq!(status, 403, "a member revokes nobody");

    school_head.revoke(&server, &member).await;
    let reason = open.closed().await;
    assert!(reason.contains("revoked"), "the open connection closes saying why: {reason:?}");
    assert!(Peer::connect_as(&server.sync_url_for(&member), &member.peer_id("again")).await.is_err());
    assert_eq!(server.http("GET", "/api/me", Some(&member.token), None).await.0, 401);
    assert!(Peer::connect(&server, &school_head).await.fetch(school).await.is_some(), "others go on");
    let devices = server.api("GET", "/api/devices", Some(&school_head.token), None).await;
    let listed = devices.as_array().unwrap().iter().find(|d| d["id"] == member.id.as_str()).unwrap();
    assert!(listed["revoked_ms"].is_i64(), "the head sees it revoked: {listed}");
}

/// A school head in the app: invites a teacher by link, sees the invitation
/// spent on the teacher's device, cancels a second one (its link then
/// refuses), and revokes the teacher's device with a click — the teacher's
/// open app says so at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_invites_cancels_and_revokes_from_the_access_screen() {
    use e2e::{Browser, eventually, exclusive};
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, school_head_code) = server.first_invitations().await;
    let head = Browser::launch(&dir.path().join("head")).await;
    head.join(&server, &school_head_code, "Руководитель МО школы №1").await;
    head.go("access").await;

    let invite = |note: &'static str| {
        let head = &head;
        async move {
            head.fill("[data-testid=invite-form]", &[("role", "member"), ("note", note)]).await;
            assert!(head.submit("[data-testid=invite-form]").await.is_empty());
            let link = head.wait_text("[data-testid=invitation-link]", "/#/join/").await;
            head.wait_text("[data-testid=invitation-row][data-state=pending]", note).await;
            link
        }
    };
    let first = invite("Иванова М. П.").await;
    let teacher = Browser::launch(&dir.path().join("teacher")).await;
    let code = first.rsplit('/').next().unwrap();
    teacher.join(&server, code, "Иванова Мария Петровна").await;

    head.reload_page().await;
    head.wait_text("[data-testid=invitation-row][data-state=used]", "Иванова Мария Петровна").await;
    let second = invite("Петров С. И.").await;
    head.click_css("[data-testid=invitation-row][data-state=pending] [data-testid=cancel-invitation]").await;
    head.wait_text("[data-testid=invitation-row][data-state=cancelled]", "Петров С. И.").await;
    let stranger = Browser::launch(&dir.path().join("stranger")).await;
    stranger.client().goto(&format!("{}/#/join/{}", server.url(), second.rsplit('/').next().unwrap())).await.unwrap();
    stranger.fill("[data-testid=join-form]", &[("name", "Петров")]).await;
    stranger.submit("[data-testid=join-form]").await;
    stranger.wait_text("[data-testid=join-error]", "отменено").await;

    teacher.wait_sync("сохранено на сервере").await;
    let row = "//li[@data-testid='device-row'][contains(., 'Иванова Мария Петровна')]";
    head.click_xpath(&format!("{row}//button[@data-testid='revoke']")).await;
    head.wait_text("[data-testid=device-row]", "доступ отозван").await;
    teacher.wait_text("[data-testid=revoked]", "отозван руководителем").await;
    eventually("the teacher offline for good", || async {
        (teacher.sync_status().await == "нет связи").then_some(())
    })
    .await;
    for browser in [head, teacher, stranger] {
        browser.quit().await;
    }
}

/// The four ways a device that may only read has been seen to slip a
/// change past a flag kept in automerge's sync state.
#[derive(Debug, Clone, Copy)]
enum Sequence {
    /// It fetches the document, says it does not have it, then syncs a change.
    UnavailableThenSync,
    /// It fetches on one connection and sends the change on a second one.
    SecondConnection,
    /// A new connection sends the change before anything else about it.
    FreshState,
    /// It asks for the document before its owner creates it, and writes after.
    RequestedBeforeCreated,
}

/// The write gate: for every pairing of the role matrix that may only
/// read, each sequence ends with the device's change refused with an
/// `error` on its connection, counted in /metrics, and absent from the
/// owner's next read.
#[tokio::test]
async fn a_device_that_may_only_read_writes_nothing_however_it_sends() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let (district, school) = (district_head.district(), school_head.school());
    let other_school = district_head.add_school(&server, "Школа №2").await;
    let member = school_head.add_device(&server, "member", Some(school), "Учитель школы №1").await;
    let stranger = district_head.add_device(&server, "member", Some(other_school), "Учитель школы №2").await;
    let reader = district_head.add_device(&server, "reader", None, "Специалист отдела образования").await;

    #[derive(Clone, Copy, Debug)]
    enum Kind {
        Association,
        Year,
        Library,
        DistrictYear,
    }
    // Every read-only entry of the matrix in `every_role_reads_and_writes_exactly_what_it_may`.
    let pairings = [
        ("member", &member, Kind::DistrictYear),
        ("school head", &school_head, Kind::DistrictYear),
        ("member of another school", &stranger, Kind::DistrictYear),
        ("district head", &district_head, Kind::Association),
        ("district head", &district_head, Kind::Year),
        ("district head", &district_head, Kind::Library),
        ("reader", &reader, Kind::Association),
        ("reader", &reader, Kind::Year),
        ("reader", &reader, Kind::Library),
        ("reader", &reader, Kind::DistrictYear),
    ];
    let sequences = [
        Sequence::UnavailableThenSync,
        Sequence::SecondConnection,
        Sequence::FreshState,
        Sequence::RequestedBeforeCreated,
    ];
    let mut refusals = 0;
    for (n, (role, device, kind)) in pairings.into_iter().enumerate() {
        for (m, sequence) in sequences.into_iter().enumerate() {
            // Each case on a document of its own: a year of its own, or for
            // the one-per-school documents a school of its own, whose head
            // is the owner.
            let year = AcademicYear(2030 + (n * sequences.len() + m) as i32);
            let (id, mut created, owner) = match kind {
                Kind::DistrictYear => (
                    DistrictYearDoc::id_for(&district, year),
                    DistrictYearDoc::create(&district, year),
                    district_head.clone(),
                ),
                Kind::Year => (YearDoc::id_for(&school, year), YearDoc::create(&school, year), school_head.clone()),
                Kind::Association | Kind::Library => {
                    let new_school = district_head.add_school(&server, &format!("Школа {n}-{m}")).await;
                    let head = district_head.add_device(&server, "school_head", Some(new_school), "Руководитель").await;
                    match kind {
                        Kind::Association => (new_school, shared::AssociationDoc::create(&new_school), head),
                        _ => (LibraryDoc::id_for(&new_school), LibraryDoc::create(&new_school), head),
                    }
                }
            };
            let case = format!("{role} / {kind:?} / {sequence:?}");
            let mark = format!("written_by_{n}_{m}");
            let with_mark = |mut doc: Automerge| {
                let mut tx = doc.transaction();
                tx.put(ROOT, mark.as_str(), "чужая правка").unwrap();
                tx.commit();
                doc
            };

            let mut peer = Peer::connect(&server, device).await;
            if let Sequence::RequestedBeforeCreated = sequence {
                assert!(peer.fetch(id).await.is_none(), "{case}: nothing there yet");
            }
            seed(&server, &owner, id, created.clone()).await;
            let refused = match sequence {
                Sequence::UnavailableThenSync => {
                    let fetched = peer.fetch(id).await.expect("it may read");
                    peer.send_unavailable(id).await;
                    peer.force_changes(id, &with_mark(fetched)).await
                }
                Sequence::SecondConnection => {
                    let fetched = peer.fetch(id).await.expect("it may read");
                    let mut second = Peer::connect(&server, device).await;
                    second.force_changes(id, &with_mark(fetched)).await
                }
                Sequence::FreshState => peer.force_changes(id, &with_mark(created.document().clone())).await,
                Sequence::RequestedBeforeCreated => peer.force_changes(id, &with_mark(Automerge::new())).await,
            };
            let reason = refused.unwrap_or_else(|| panic!("{case}: the change was answered without an error"));
            assert!(reason.contains("may only read"), "{case}: {reason}");
            refusals += 1;

            let stored = Peer::connect(&server, &owner).await.fetch(id).await.expect("the owner reads its document");
            assert!(stored.get(ROOT, mark.as_str()).unwrap().is_none(), "{case}: the change was stored");
            assert!(peer.fetch(id).await.is_some(), "{case}: the refused device still reads on its connection");
        }
    }
    let (_, metrics) = server.get("/metrics").await;
    assert!(metrics.contains(&format!("\nmo_changes_refused_total {refusals}\n")), "{metrics}");
}
