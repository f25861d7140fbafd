//! Convergence under a bad network, as a property test: several peers edit
//! every kind of record in four documents through the real sync code (the
//! client and server `Session`s and the wire encoding), while the network
//! reorders deliveries across connections, duplicates messages, drops
//! connections (both ends forget their sync state, as after a reconnect)
//! and partitions peers for a while. In the end, with the network healed,
//! every peer has the server's heads and records, and every record any peer
//! added is there.
//!
//! The default run tries 24 schedules; the long run is
//! `PROPTEST_CASES=10000 cargo test -p shared --release convergence`.

use std::collections::{BTreeSet, VecDeque};

use automerge::AutoCommit;
use proptest::prelude::*;

use crate::analysis::{AnalysisFields, AnalysisKind};
use crate::district::{DistrictEventFields, DistrictYearDoc, EventKind};
use crate::kopilka::{Area, MaterialFields, MaterialKind};
use crate::plan::{PlanDoc, PlanFields};
use crate::record::{Document, Edit, Record, RecordList};
use crate::regulation::{RegulationFields, RegulationKind};
use crate::sync::Event;
use crate::{AcademicYear, AssociationDoc, Date, DocumentId, LibraryDoc, MemberFields, PeerMetadata, Session, YearDoc};

const YEAR: AcademicYear = AcademicYear(2026);

/// What happens next in a schedule.
#[derive(Debug, Clone)]
enum Step {
    /// Peer `p` adds a record of kind `k` (0..7) and maybe renames one.
    Edit { p: usize, k: u8 },
    /// Delivers the next message waiting on connection `c`, either way.
    Deliver { c: usize, to_server: bool },
    /// Delivers the next message on connection `c` twice.
    Duplicate { c: usize, to_server: bool },
    /// Cuts connection `c`: messages in flight are lost, both ends forget.
    Drop { c: usize },
    /// Peer `p` starts (or stops) being cut off from the server.
    Partition { p: usize },
}

fn step(peers: usize) -> impl Strategy<Value = Step> {
    let p = 0..peers;
    prop_oneof![
        4 => (p.clone(), 0..7u8).prop_map(|(p, k)| Step::Edit { p, k }),
        6 => (p.clone(), any::<bool>()).prop_map(|(c, to_server)| Step::Deliver { c, to_server }),
        1 => (p.clone(), any::<bool>()).prop_map(|(c, to_server)| Step::Duplicate { c, to_server }),
        1 => p.clone().prop_map(|c| Step::Drop { c }),
        1 => p.prop_map(|p| Step::Partition { p }),
    ]
}

/// One peer's four documents, or the server's.
struct Docs {
    docs: Vec<(DocumentId, AutoCommit)>,
}

impl Docs {
    fn new(school: &DocumentId, district: &DocumentId) -> Self {
        Self {
            docs: vec![
                (*school, AssociationDoc::create(school)),
                (YearDoc::id_for(school, YEAR), YearDoc::create(school, YEAR)),
                (LibraryDoc::id_for(school), LibraryDoc::create(school)),
                (DistrictYearDoc::id_for(district, YEAR), DistrictYearDoc::create(district, YEAR)),
            ],
        }
    }

    fn doc(&mut self, id: DocumentId) -> &mut AutoCommit {
        &mut self.docs.iter_mut().find(|(d, _)| *d == id).expect("one of the four").1
    }
}

/// A connection between a peer and the server, with what is in flight.
struct Link {
    client: Session,
    server: Session,
    to_server: VecDeque<Vec<u8>>,
    to_client: VecDeque<Vec<u8>>,
    cut_off: bool,
}

impl Link {
    fn open(p: usize) -> Self {
        let (mut client, join) = Session::client(format!("peer-{p}"), PeerMetadata::default());
        let mut server = Session::server("server", PeerMetadata::default());
        server.receive(&join.encode()).expect("join");
        let peer = server.accept().expect("accept");
        client.receive(&peer.encode()).expect("peer");
        Self { client, server, to_server: VecDeque::new(), to_client: VecDeque::new(), cut_off: false }
    }
}

/// Adds a record of kind `k` named `name` to `docs`; returns nothing, the
/// name is how the end finds it.
fn edit(docs: &mut Docs, school: &DocumentId, district: &DocumentId, k: u8, name: &str, now: i64) {
    let day = Date::new(2026, 10, 1).expect("a date");
    match k {
        0 => {
            let fields = MemberFields { full_name: name.into(), ..MemberFields::default() };
            AssociationDoc::edit_member(docs.doc(*school), Edit::Add(fields), now).expect("member");
        }
        1 => {
            let v = PlanFields::blank().with("when", "октябрь").with("topic", name);
            let row = PlanFields::validate(&v, YEAR).expect("row");
            YearDoc::edit_plan_row(docs.doc(YearDoc::id_for(school, YEAR)), Edit::Add(row), now).expect("row");
        }
        2 => {
            let doc = docs.doc(YearDoc::id_for(school, YEAR));
            let fields = AnalysisFields {
                kind: AnalysisKind::Event,
                title: name.into(),
                date: day,
                subject: String::new(),
                text: "текст".into(),
                conclusions: String::new(),
                recommendations: String::new(),
            };
            YearDoc::edit_analysis(doc, Edit::Add(fields), now).expect("analysis");
        }
        3 => {
            let fields = MaterialFields {
                title: name.into(),
                author: String::new(),
                kind: MaterialKind::ClassHour,
                classes: vec![5],
                area: Area::Civic,
                description: String::new(),
                link: String::new(),
                presented_at: String::new(),
            };
            LibraryDoc::edit_material(docs.doc(LibraryDoc::id_for(school)), Edit::Add(fields), now).expect("material");
        }
        4 => {
            let fields = RegulationFields {
                kind: RegulationKind::Order,
                title: name.into(),
                number: String::new(),
                date: None,
                text: String::new(),
                link: String::new(),
            };
            LibraryDoc::edit_regulation(docs.doc(LibraryDoc::id_for(school)), Edit::Add(fields), now)
                .expect("regulation");
        }
        5 => {
            let fields = DistrictEventFields {
                kind: EventKind::Seminar,
                topic: name.into(),
                date: day,
                place: String::new(),
                host: String::new(),
                participants: 1,
                summary: String::new(),
            };
            let doc = docs.doc(DistrictYearDoc::id_for(district, YEAR));
            DistrictYearDoc::edit_event(doc, Edit::Add(fields), now).expect("event");
        }
        _ => {
            // Renames the first member, if there is one: concurrent renames
            // must settle on one value everywhere.
            let doc = docs.doc(*school);
            let Some(first) = AssociationDoc::load(doc).expect("load").active_members().first().map(|m| (*m).clone())
            else {
                return;
            };
            let fields = MemberFields { position: name.into(), ..first.fields() };
            AssociationDoc::edit_member(doc, Edit::Update(first.id, fields), now).expect("rename");
        }
    }
}

/// Every record title in `docs`, and the records as they read.
fn titles(docs: &mut Docs, school: &DocumentId, district: &DocumentId) -> (BTreeSet<String>, String) {
    let a = AssociationDoc::load(docs.doc(*school)).expect("association");
    let y = YearDoc::load(docs.doc(YearDoc::id_for(school, YEAR))).expect("year");
    let l = LibraryDoc::load(docs.doc(LibraryDoc::id_for(school))).expect("library");
    let d = DistrictYearDoc::load(docs.doc(DistrictYearDoc::id_for(district, YEAR))).expect("district");
    let mut names: BTreeSet<String> = a.members.active().iter().map(|m| m.full_name.clone()).collect();
    names.extend(y.plan_rows().iter().map(|r| r.topic.clone()));
    names.extend(y.analysis_list().iter().map(|r| r.title.clone()));
    names.extend(l.materials.active().iter().map(|m| m.title.clone()));
    names.extend(l.regulations.active().iter().map(|r| r.title.clone()));
    names.extend(d.event_list().iter().map(|e| e.topic.clone()));
    (names, format!("{a:?}{y:?}{l:?}{d:?}"))
}

/// Delivers one message; a reply goes back on the same link. The server
/// applies to its one copy and then offers the change on every link.
fn deliver(links: &mut [Link], server: &mut Docs, peers: &mut [Docs], c: usize, to_server: bool) {
    let link = &mut links[c];
    let Some(bytes) = (if to_server { link.to_server.pop_front() } else { link.to_client.pop_front() }) else { return };
    if to_server {
        let Ok(Event::Sync { document_id, message, .. }) = link.server.receive(&bytes) else { return };
        link.server.receive_sync(document_id, server.doc(document_id), message).expect("server applies");
        for l in links.iter_mut() {
            if let Some(m) = l.server.generate(document_id, server.doc(document_id)) {
                l.to_client.push_back(m.encode());
            }
        }
    } else {
        let Ok(Event::Sync { document_id, message, .. }) = link.client.receive(&bytes) else { return };
        let doc = peers[c].doc(document_id);
        link.client.receive_sync(document_id, doc, message).expect("client applies");
        if let Some(m) = link.client.generate(document_id, doc) {
            link.to_server.push_back(m.encode());
        }
    }
}

/// A peer offers every document it has changed.
fn offer(link: &mut Link, docs: &mut Docs) {
    for (id, doc) in &mut docs.docs {
        if let Some(m) = link.client.generate(*id, doc) {
            link.to_server.push_back(m.encode());
        }
    }
}

fn run(peers: usize, schedule: &[Step]) -> Result<(), TestCaseError> {
    let (school, district) = (DocumentId::random(), DocumentId::random());
    let mut server = Docs::new(&school, &district);
    let mut docs: Vec<Docs> = (0..peers).map(|_| Docs::new(&school, &district)).collect();
    let mut links: Vec<Link> = (0..peers).map(Link::open).collect();
    let mut added = BTreeSet::new();
    for (n, s) in schedule.iter().enumerate() {
        match *s {
            Step::Edit { p, k } => {
                let name = format!("p{p}-{n}");
                edit(&mut docs[p], &school, &district, k, &name, n as i64);
                if k < 6 {
                    added.insert(name);
                }
                offer(&mut links[p], &mut docs[p]);
            }
            Step::Deliver { c, to_server } | Step::Duplicate { c, to_server } if !links[c].cut_off => {
                if matches!(s, Step::Duplicate { .. }) {
                    let queue = if to_server { &mut links[c].to_server } else { &mut links[c].to_client };
                    if let Some(first) = queue.front().cloned() {
                        queue.push_front(first);
                    }
                }
                deliver(&mut links, &mut server, &mut docs, c, to_server);
            }
            Step::Deliver { .. } | Step::Duplicate { .. } => {}
            Step::Drop { c } => {
                let cut_off = links[c].cut_off;
                links[c] = Link::open(c);
                links[c].cut_off = cut_off;
                offer(&mut links[c], &mut docs[c]);
            }
            Step::Partition { p } => {
                links[p].cut_off = !links[p].cut_off;
                if links[p].cut_off {
                    links[p].to_server.clear();
                    links[p].to_client.clear();
                } else {
                    let link = Link::open(p);
                    links[p] = link;
                    offer(&mut links[p], &mut docs[p]);
                }
            }
        }
    }
    // Heal: everyone reconnects and the network delivers until quiet.
    for (p, docs) in docs.iter_mut().enumerate() {
        links[p] = Link::open(p);
        offer(&mut links[p], docs);
    }
    for _ in 0..10_000 {
        let busy: Vec<(usize, bool)> = (0..peers)
            .flat_map(|c| [(c, true), (c, false)])
            .filter(|&(c, to_server)| !(if to_server { &links[c].to_server } else { &links[c].to_client }).is_empty())
            .collect();
        if busy.is_empty() {
            break;
        }
        for (c, to_server) in busy {
            deliver(&mut links, &mut server, &mut docs, c, to_server);
        }
    }
    let (expected, records) = titles(&mut server, &school, &district);
    for name in &added {
        prop_assert!(expected.contains(name), "{name} was added and is lost");
    }
    for (p, peer) in docs.iter_mut().enumerate() {
        for ((id, doc), (_, served)) in peer.docs.iter_mut().zip(server.docs.iter_mut()) {
            prop_assert_eq!(doc.get_heads(), served.get_heads(), "peer {} and the server differ on {}", p, id);
        }
        prop_assert_eq!(&titles(peer, &school, &district).1, &records, "peer {} reads other records", p);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

    #[test]
    fn peers_converge_whatever_the_network_does(
        (peers, schedule) in (2..5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(step(n), 10..120)))
    ) {
        run(peers, &schedule)?;
    }
}
