//! The district level in the browser: a member writes a protocol offline,
//! it syncs, and the district head sees it in the overview (offline too,
//! after a reload) and opens the school's records read-only; a member of
//! another school cannot get it.
//! The district head keeps the РМО's own records, and a school's member
//! reads the РМО's plan but cannot change it.

#![allow(clippy::unwrap_used)]

use e2e::browser::clock_day;
use e2e::office::{assert_in_order, convert, pdf_text, zip_entry};
use e2e::peer::Peer;
use e2e::{Browser, Server, eventually, exclusive, push_school, teacher};
use shared::record::Edit;
use shared::{AcademicYear, AssociationDoc, Date, DocumentId, MemberFields, Values, YearDoc};
use tempfile::TempDir;

fn this_year() -> AcademicYear {
    AcademicYear::of(Date::from_unix_ms(now_ms()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_written_offline_reaches_the_district_overview_and_no_other_school() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (district_code, school_head_code) = server.first_invitations().await;
    let school_head = server.join(&school_head_code, "Руководитель МО школы №1").await;
    let school = school_head.school();

    // The district head joins in the browser and adds a second school.
    let district = Browser::launch(&dir.path().join("district")).await;
    district.join(&server, &district_code, "Петрова Анна Викторовна").await;
    district.wait_text("[data-testid=overview-row]", "Школа №1").await;
    district.go("access").await;
    district.fill("[data-testid=school-form]", &[("name", "Школа №2")]).await;
    assert!(district.submit("[data-testid=school-form]").await.is_empty());
    district.wait_text("[data-testid=school-row]", "Школа №2").await;
    district
        .click_xpath("//li[@data-testid='school-row'][contains(., 'Школа №2')]//button[@data-testid='rename-school']")
        .await;
    district.save("[data-testid=rename-form]", &[("name", "МБОУ Печерская СШ")]).await;
    district.wait_text("[data-testid=school-row]", "МБОУ Печерская СШ").await;
    assert!(!district.texts("[data-testid=school-row]").await.iter().any(|t| t.contains("Школа №2")));

    // A member of school №1 opens the app online, then writes a protocol with the server down.
    let code = school_head.invite(&server, "member", Some(school)).await;
    let member = Browser::launch(&dir.path().join("member")).await;
    member.join(&server, &code, "Иванова Мария Петровна").await;
    member.go("protocols").await;
    member.wait_text("[data-testid=protocols] .muted", "Протоколов пока нет").await;
    member.wait_sync("сохранено на сервере").await;
    server.stop().await;
    member.wait_sync("нет связи").await;
    member.click_css("[data-testid=protocols] [data-testid=add]").await;
    member.save("[data-testid=add-form]", &[("theme", "Планирование работы на год")]).await;
    member.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    server.resume().await;
    member.wait_sync("сохранено на сервере").await;

    // The district head sees it counted, and opens the school read-only.
    district.go("district").await;
    let meetings = eventually("the protocol in the overview", || async {
        district
            .texts("[data-testid=overview-row][data-school='Школа №1'] [data-testid=meetings]")
            .await
            .into_iter()
            .find(|t| t.starts_with("1 из"))
    })
    .await;
    assert_eq!(meetings, "1 из 0");
    let plan = district.texts("[data-testid=overview-row][data-school='Школа №1'] [data-testid=plan]").await;
    assert_eq!(plan, ["плана ещё нет"], "a school without a plan is not «0% из 0»");
    district.click_css("[data-testid=overview-row][data-school='Школа №1'] [data-testid=open-school]").await;
    district.wait_text("[data-testid=viewing-school]", "только просмотр").await;
    district.click_css("[data-testid=nav-protocols]").await;
    district.wait_text("[data-testid=protocol-theme]", "Планирование работы на год").await;
    assert!(district.texts("[data-testid=protocols] [data-testid=add]").await.is_empty(), "no «Добавить» for a reader");

    // A member of the other school cannot get school №1's year.
    let token = district.script("return localStorage.getItem('mo.token')").await;
    // gloo-storage keeps values as JSON.
    let token: String = serde_json::from_str(token.as_str().unwrap()).unwrap();
    let district_head = server.device(&token).await;
    let other_school = district_head.me["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "МБОУ Печерская СШ")
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .expect("the renamed school exists");
    let stranger = district_head.add_device(&server, "member", Some(other_school), "Учитель Печерской СШ").await;
    let year = YearDoc::id_for(&school, this_year());
    assert!(
        Peer::connect(&server, &stranger).await.fetch(year).await.is_none(),
        "another school's member gets nothing"
    );
    assert!(Peer::connect(&server, &district_head).await.fetch(year).await.is_some(), "the district head reads it");

    // Offline, the reopened app draws the overview from what it stored.
    district.wait_sync("сохранено на сервере").await;
    district.wait_offline_ready().await;
    server.stop().await;
    district.open(&format!("{}/#/district", server.url())).await;
    // Only the fragment changed, so that was no reload yet.
    district.reload_page().await;
    district.wait_text("[data-testid=overview-row][data-school='Школа №1'] [data-testid=meetings]", "1 из 0").await;
    // The screen is kept as drawn, the overview's numbers with it, for the
    // next start to show before the page has loaded.
    eventually("the overview kept as drawn", || async {
        let kept = district
            .script(
                "const kept = JSON.parse(localStorage.getItem('mo.screens'));
                 const screen = kept && kept.screens.find((s) => s.at === '#/district');
                 if (!screen) return null;
                 const picture = document.createElement('div');
                 picture.innerHTML = screen.html;
                 const cell = picture.querySelector(\"[data-kept-testid=overview-row][data-school='Школа №1'] [data-kept-testid=meetings]\");
                 return cell && cell.textContent;",
            )
            .await;
        (kept == serde_json::json!("1 из 0")).then_some(())
    })
    .await;

    // That line is kept with the keys of the stored chunks it was read
    // from, and is drawn before the documents load only while exactly those
    // are stored: with the year's chunks gone, the reopened overview counts
    // nothing, and never shows the old number on the way. (The page's own
    // overview, that is: the picture of the screen as drawn last time,
    // which `index.html` shows while the page loads, is last time's, inert
    // and marked busy, and its test ids are renamed.)
    let kept_overview = format!(
        "const done = arguments[arguments.length - 1];
         indexedDB.open('mo-kr').onsuccess = e => {{
             const get = e.target.result.transaction('device').objectStore('device').get('overview/v5/{}');
             get.onsuccess = () => done(get.result ? new TextDecoder('latin1').decode(get.result) : '');
         }};",
        this_year().0
    );
    let year_chunks = format!("{year}/");
    eventually("the kept line naming its chunks", || async {
        district.script_async(&kept_overview).await.as_str().is_some_and(|k| k.contains(&year_chunks)).then_some(())
    })
    .await;
    district
        .script_async(&format!(
            "const done = arguments[arguments.length - 1];
             indexedDB.open('mo-kr').onsuccess = e => {{
                 const tx = e.target.result.transaction('chunks', 'readwrite');
                 tx.objectStore('chunks').delete(IDBKeyRange.bound('{year}/', '{year}0', false, true));
                 tx.oncomplete = () => done(true);
             }};"
        ))
        .await;
    district.reload_page().await;
    let shown = district
        .script_async(
            "const done = arguments[arguments.length - 1];
             const seen = [];
             const look = () => {
                 const cell = document.querySelector(
                     \"[data-testid=overview-row][data-school='Школа №1'] [data-testid=meetings]\");
                 const text = cell && cell.textContent;
                 if (text && seen[seen.length - 1] !== text) seen.push(text);
                 text === '0 из 0' ? done(seen) : requestAnimationFrame(look);
             };
             look();",
        )
        .await;
    assert_eq!(shown, serde_json::json!(["0 из 0"]), "the overview as drawn, line by line");
    member.quit().await;
    district.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_head_keeps_the_rmo_records_and_schools_read_its_plan() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_code, school_head_code) = server.first_invitations().await;
    let school_head = server.join(&school_head_code, "Руководитель МО школы №1").await;
    // The browsers' clock is fixed: the visit's follow-up date below has
    // passed whenever the test runs.
    let year = AcademicYear::of(clock_day());
    let first_day = Date::new(year.0, 9, 1).unwrap();
    assert!(first_day < clock_day());

    let district = Browser::launch_on_clock(&dir.path().join("district")).await;
    district.join(&server, &district_code, "Петрова Анна Викторовна").await;

    // A plan row, the seminar that fulfils it, and the mark.
    district.go("rmo-plan").await;
    district.click_css("[data-testid=plan] [data-testid=add]").await;
    district
        .save(
            "[data-testid=add-form]",
            &[
                ("when", "ноябрь"),
                ("kind", "seminar"),
                ("topic", "Классный час: формы и методы"),
                ("responsible_name", "Петрова А. В., руководитель РМО"),
            ],
        )
        .await;
    district.wait_text("[data-testid=plan-row]", "Петрова А. В., руководитель РМО").await;
    district.go("events").await;
    district.click_css("[data-testid=events] [data-testid=add]").await;
    district
        .save(
            "[data-testid=add-form]",
            &[
                ("topic", "Классный час: формы и методы"),
                ("date", &first_day.to_string()),
                ("place", "МБОУ Школа №1"),
                ("participants", "18"),
            ],
        )
        .await;
    district.wait_text("[data-testid=event-topic]", "Классный час").await;
    district.go("rmo-plan").await;
    let row = "//li[@data-testid='plan-row'][.//*[@data-testid='plan-topic'][contains(., 'Классный час')]]";
    district.pick(&format!("{row}//select[@data-testid='completion']"), "выполнено").await;
    district.pick(&format!("{row}//select[@data-testid='fulfilled-by']"), "семинар «Классный час").await;
    district.wait_text("[data-testid=fulfilled-title]", "семинар «Классный час: формы и методы»").await;

    // The perspective plan: a line over this year and the next two, which
    // the year plan then shows for its year, and a line of a later year,
    // which it does not.
    district.go("rmo-perspective").await;
    for (content, from, to) in [
        ("Школа молодого классного руководителя", year.0, year.0 + 2),
        ("Районный конкурс «Самый классный классный»", year.0 + 1, year.0 + 1),
    ] {
        district.click_css("[data-testid=perspective] [data-testid=add]").await;
        district
            .save(
                "[data-testid=add-form]",
                &[
                    ("direction", "mentoring"),
                    ("content", content),
                    ("from", &from.to_string()),
                    ("to", &to.to_string()),
                    ("responsible", "Петрова А. В."),
                ],
            )
            .await;
        district.wait_text("[data-testid=perspective-content]", content).await;
    }
    let years = district.wait_text("[data-testid=perspective-years]", &format!("{year}–")).await;
    assert_eq!(years, format!("{year}–{}", AcademicYear(year.0 + 2)));
    district.click_css("[data-testid=perspective-print]").await;
    let plan = district.wait_text("[data-testid=print-view]", "ПЕРСПЕКТИВНЫЙ ПЛАН").await;
    let period = format!("на {}–{} гг.", year.0, year.0 + 3);
    for part in [period.as_str(), "Школа молодого классного руководителя", "Районный конкурс"]
    {
        assert!(plan.contains(part), "«{part}» in the perspective plan:\n{plan}");
    }
    district.click_css("[data-testid=print-close]").await;
    district.go("rmo-plan").await;
    district.click_css("[data-testid=perspective-this-year] summary").await;
    district.wait_text("[data-testid=perspective-line]", "Школа молодого классного руководителя").await;
    assert_eq!(district.texts("[data-testid=perspective-line]").await.len(), 1, "next year's contest is next year's");

    // The seminar's protocol: an agenda item, and a decision for school №1.
    district.go("events").await;
    district.click_css("[data-testid=events-row] [data-testid=open-protocol]").await;
    district.click_css("[data-testid=agenda] [data-testid=add]").await;
    district
        .save(
            "[data-testid=agenda] [data-testid=add-form]",
            &[("topic", "Формы классного часа"), ("heard", "Петрову А. В."), ("decided", "Опыт обобщить.")],
        )
        .await;
    district.wait_text("[data-testid=agenda-topic]", "Формы классного часа").await;
    district.click_css("[data-testid=meeting-decisions] [data-testid=add]").await;
    let decided_by = first_day.plus_days(20).to_string();
    district
        .save(
            "[data-testid=meeting-decisions] [data-testid=add-form]",
            &[
                ("text", "Провести открытые классные часы"),
                ("school", "label:Школа №1"),
                ("responsible", "руководитель МО"),
                ("deadline", &decided_by),
            ],
        )
        .await;
    district.wait_text("[data-testid=decision-answer]", "Отметка школы: пока нет").await;
    district.click_css("[data-testid=meeting-protocol-print]").await;
    let protocol = district.wait_text("[data-testid=print-view]", "ПРОТОКОЛ № 1").await;
    for part in ["Формы классного часа", "СЛУШАЛИ:", "Провести открытые классные часы", "Школа №1, руководитель МО"]
    {
        assert!(protocol.contains(part), "«{part}» in the protocol:\n{protocol}");
    }
    district.click_css("[data-testid=print-close]").await;

    // A contest with its participants, a visit, a consultation, a mentoring pair.
    district.go("contests").await;
    district.click_css("[data-testid=contests] [data-testid=add]").await;
    let refused = {
        district
            .fill(
                "[data-testid=add-form]",
                &[("title", "Самый классный классный"), ("date", &first_day.to_string()), ("participants", "Иванова")],
            )
            .await;
        district.submit("[data-testid=add-form]").await
    };
    assert_eq!(refused, [("participants".to_owned(), "Строка 1: «ФИО; школа; результат»".to_owned())]);
    district
        .save(
            "[data-testid=add-form]",
            &[("participants", "Иванова М. П.; Школа №1; победитель\nОрлова Е. С.; Школа №2; призёр")],
        )
        .await;
    district.wait_text("[data-testid=participant]", "Иванова М. П., Школа №1 — победитель").await;
    assert_eq!(district.texts("[data-testid=participant]").await.len(), 2);
    district.go("visits").await;
    district.click_css("[data-testid=visits] [data-testid=add]").await;
    district
        .save(
            "[data-testid=add-form]",
            &[
                ("school", "label:Школа №1"),
                ("date", &first_day.to_string()),
                ("recommendations", "Обновить план воспитательной работы"),
                ("follow_up_by", &first_day.to_string()),
            ],
        )
        .await;
    district.wait_text("[data-testid=visit-school]", "Школа №1").await;
    district.wait_text("[data-testid=follow-up-overdue]", "отметки о выполнении нет").await;
    district.wait_text("[data-testid=visit-answer]", "Отметка школы: пока нет").await;
    district.go("consultations").await;
    district.click_css("[data-testid=consultations] [data-testid=add]").await;
    district
        .save(
            "[data-testid=add-form]",
            &[("who", "Сидорова А. В., Школа №1"), ("topic", "Портфолио класса"), ("date", &first_day.to_string())],
        )
        .await;
    district.click_css("[data-testid=mentoring] [data-testid=add]").await;
    district.save("[data-testid=add-form]", &[("mentor", "Иванова М. П."), ("mentee", "Кузнецов И. О.")]).await;
    district.wait_text("[data-testid=mentee]", "Кузнецов И. О.").await;
    district.wait_text("[data-testid=consultation-topic]", "Портфолио класса").await;

    // The РМО's theme and tasks, and who signs its papers; the analysis
    // opens with them.
    district.go("rmo-profile").await;
    district.wait_text("[data-testid=profile-theme]", "не указана").await;
    district.click_css("[data-testid=edit-profile]").await;
    district
        .save(
            "[data-testid=profile-form]",
            &[
                ("theme", "Профессиональный рост классного руководителя"),
                ("tasks", "Обобщать опыт\nПроводить семинары-практикумы"),
                ("head", "Петрова А. В."),
                ("cabinet_head", "Сидорова Е. Н."),
                ("department_head", "Кузнецов И. О."),
            ],
        )
        .await;
    district.wait_text("[data-testid=profile-theme]", "Профессиональный рост классного руководителя").await;
    district.wait_text("[data-testid=cabinet-head]", "Сидорова Е. Н.").await;
    district.wait_text("[data-testid=profile-tasks]", "Проводить семинары-практикумы").await;
    district.go("rmo-report").await;
    district.wait_text("[data-testid=report]", "Задача 2: Проводить семинары-практикумы").await;
    district.wait_sync("сохранено на сервере").await;

    // A member of school №1 reads the РМО's plan, marked, and cannot change it.
    let member = Browser::launch_on_clock(&dir.path().join("member")).await;
    member.join_member(&server, &school_head).await;
    assert!(member.texts("[data-testid=nav-events]").await.is_empty(), "the РМО's records are the district's");
    member.go("rmo-plan").await;
    member.wait_text("[data-testid=plan-completion]", "выполнено").await;
    member.wait_text("[data-testid=fulfilled-title]", "семинар «Классный час: формы и методы»").await;
    assert!(member.texts("[data-testid=plan] [data-testid=add]").await.is_empty(), "no «Добавить» for a school");
    assert!(member.texts("[data-testid=plan] [data-testid=edit]").await.is_empty(), "no «Изменить» for a school");

    // The visit's recommendations reach the school: on its dashboard and
    // in «Рекомендации РМО», where it says how they were carried out.
    member.go("dashboard").await;
    let open = member.wait_text("[data-testid=open-advice] li", "Обновить план воспитательной работы").await;
    assert!(open.contains("срок прошёл"), "{open}");
    member.wait_text("[data-testid=open-advice] li", "Провести открытые классные часы").await;
    member.go("rmo-advice").await;
    member.wait_text("[data-testid=advice-recommendations]", "Обновить план воспитательной работы").await;
    member.wait_text("[data-testid=advice-from]", "семинар").await;
    assert_eq!(member.texts("[data-testid=advice-overdue]").await.len(), 2, "both are past their date");
    let done = first_day.plus_days(5).to_string();
    for (n, text) in [(1, "План воспитательной работы обновлён"), (2, "Открытые классные часы проведены")]
    {
        let row = format!("[data-testid=advice-row]:nth-child({n})");
        member.click_css(&format!("{row} [data-testid=answer]")).await;
        member.save(&format!("{row} [data-testid=answer-form]"), &[("text", text), ("done", &done)]).await;
        member.wait_text(&format!("{row} [data-testid=advice-status]"), &format!("выполнено {done}")).await;
    }
    assert!(member.texts("[data-testid=advice-overdue]").await.is_empty(), "carried out is not overdue");
    member.go("dashboard").await;
    member.wait_text("[data-testid=plan-progress]", "план").await;
    assert!(member.texts("[data-testid=open-advice] li").await.is_empty(), "nothing left to carry out");
    member.wait_sync("сохранено на сервере").await;

    // The district sees the school's account, and the visit is no longer
    // overdue; its «Справка по итогам посещения» carries both.
    district.go("visits").await;
    let answer = district.wait_text("[data-testid=visit-answer]", "План воспитательной работы обновлён").await;
    assert!(answer.contains(&format!("выполнено {done}")), "{answer}");
    eventually("the overdue mark to go", || async {
        district.texts("[data-testid=follow-up-overdue]").await.is_empty().then_some(())
    })
    .await;
    district.go("events").await;
    district.click_css("[data-testid=events-row] [data-testid=open-protocol]").await;
    let mark = district.wait_text("[data-testid=decision-answer]", "Открытые классные часы проведены").await;
    assert!(mark.contains(&format!("выполнено {done}")), "{mark}");
    district.go("visits").await;
    district.click_css("[data-testid=visit-note-print]").await;
    let note = district.wait_text("[data-testid=print-view]", "СПРАВКА").await;
    for part in ["Школа: Школа №1", "Обновить план воспитательной работы", "Отметка школы:", "Петрова А. В."]
    {
        assert!(note.contains(part), "«{part}» in the note:\n{note}");
    }
    member.quit().await;
    district.quit().await;
}

/// Each school's line says when its records last reached the server, on
/// the server's clock, and a school silent for more than 14 days is
/// marked. The server's clock is moved 15 days on between the two
/// schools' sends (faketime), so nothing depends on today's date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_says_when_each_school_last_sent_and_marks_a_silent_one() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (district_head, first_head) = server.heads().await;
    let second = district_head.add_school(&server, "Школа №2").await;
    let second_head = district_head.add_device(&server, "school_head", Some(second), "Руководитель МО школы №2").await;
    let first = first_head.school();
    let mut doc = AssociationDoc::create(&first).document().clone();
    Peer::connect(&server, &first_head).await.push(first, &mut doc).await;

    server.stop().await;
    server.resume_at(Some("+15d")).await;
    let mut doc = AssociationDoc::create(&second).document().clone();
    Peer::connect(&server, &second_head).await.push(second, &mut doc).await;
    // The days the server recorded, as it tells them.
    let me = server.api("GET", "/api/me", Some(&district_head.token), None).await;
    let arrived = |school: DocumentId| {
        let line = me["schools"].as_array().unwrap().iter().find(|s| s["id"] == school.to_string()).unwrap();
        Date::from_unix_ms(line["last_arrival_ms"].as_i64().expect("the server knows when"))
    };
    let (first_sent, sent) = (arrived(first), arrived(second));

    let code = district_head.invite(&server, "district_head", None).await;
    let district = Browser::launch(&dir.path().join("district")).await;
    district.join(&server, &code, "Петрова Анна Викторовна").await;
    let cell = |school: &str| format!("[data-testid=overview-row][data-school='{school}'] [data-testid=fresh]");
    let silent = district.wait_text(&cell("Школа №1"), "нет связи 15 дн.").await;
    assert_eq!(silent, format!("{first_sent} — нет связи 15 дн."));
    let fresh = district.wait_text(&cell("Школа №2"), &sent.to_string()).await;
    assert_eq!(fresh, sent.to_string());
    let marked =
        |school: &str| format!("return document.querySelector(\"{}\").classList.contains('alert')", cell(school));
    assert_eq!(district.script(&marked("Школа №1")).await, serde_json::json!(true));
    assert_eq!(district.script(&marked("Школа №2")).await, serde_json::json!(false));
    district.wait_text("[data-testid=fresh-as-of]", &format!("по сведениям сервера на {sent}")).await;
    district.quit().await;
}

/// Every screen of the district head opens with its heading and no error,
/// and so does every screen of a school looked into, «Итоги года» of the
/// school and of the РМО included (on a fixed clock, with the school's
/// year on the server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_district_screen_opens_and_so_does_every_screen_of_a_school() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let school = school_head.school();
    let year = AcademicYear::of(clock_day());
    // Two class teachers: one whose category runs out this academic year,
    // and a young specialist with her as mentor.
    let mut association = AssociationDoc::create(&school);
    let teacher = |name: &str, until: &str, young: bool, mentor: &str| {
        let values = teacher(name)
            .with("category", if until.is_empty() { "none" } else { "first" })
            .with("experience_years", "10")
            .with("category_until", until)
            .with("course_year", "2025")
            .with("young_specialist", young.to_string())
            .with("mentor", mentor);
        MemberFields::validate(&values).unwrap()
    };
    let until = year.last_day().plus_days(-60).to_string();
    let mentor = AssociationDoc::edit_member(
        &mut association,
        Edit::Add(teacher("Орлова Екатерина Сергеевна", &until, false, "")),
        now_ms(),
    )
    .unwrap();
    let young = teacher("Кузнецова Дарья Игоревна", "", true, &mentor.to_string());
    let young = AssociationDoc::edit_member(&mut association, Edit::Add(young), now_ms()).unwrap();
    // The school keeps the pair's mentoring; the district reads it.
    let mut school_year = YearDoc::create(&school, year);
    let pair = Values::from([
        ("mentor", mentor.to_string()),
        ("mentee", young.to_string()),
        ("since", year.first_day().to_string()),
    ]);
    let pair = shared::mentoring::MentorshipFields::validate(&pair).unwrap();
    YearDoc::edit_mentorship(&mut school_year, Edit::Add(pair), now_ms()).unwrap();
    // The head's own words in the yearly analysis.
    let note = shared::change::Change::AnalysisNote {
        section: "general".into(), text: "Состав МО стабилен.".into()
    };
    note.apply(shared::DocKind::Year(year), &mut school_year, now_ms()).unwrap();
    push_school(&server, &school_head, association, year, school_year).await;

    let code = district_head.invite(&server, "district_head", None).await;
    let district = Browser::launch_on_clock(&dir.path().join("district")).await;
    district.join(&server, &code, "Петрова Анна Викторовна").await;
    let heading = || async { district.wait_text("main :is(h1, h2)", "").await };
    for slug in [
        "district",
        "rmo-profile",
        "staff",
        "rmo-plan",
        "rmo-perspective",
        "events",
        "contests",
        "visits",
        "consultations",
        "surveys",
        "rmo-kopilka",
        "rmo-report",
    ] {
        district.go(slug).await;
        assert!(!heading().await.is_empty(), "{slug} has a heading");
        assert!(district.texts("[data-testid=fatal-error]").await.iter().all(String::is_empty), "{slug}");
        // On a 1024 px laptop the page never scrolls sideways (a wide
        // table scrolls in its own box).
        let wide =
            district.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
        assert_eq!(wide, serde_json::json!(0), "{slug} is wider than the window");
    }
    district.wait_text("[data-testid=report]", "Методическая тема, цель и задачи").await;

    // «Кадры»: who attests this year, and the young specialist's mentor;
    // the perspective plan lists both.
    district.go("staff").await;
    district.wait_text("[data-testid=expiring] [data-testid=staff-row]", "Орлова Екатерина Сергеевна").await;
    let young = district.wait_text("[data-testid=young] [data-testid=staff-row]", "Кузнецова Дарья Игоревна").await;
    assert!(young.contains("Орлова Екатерина Сергеевна"), "her mentor: {young}");
    assert!(district.texts("[data-testid=expiring-next] [data-testid=staff-row]").await.is_empty());
    district.click_css("[data-testid=perspective-print]").await;
    let plan = district.wait_text("[data-testid=print-view]", "ПЕРСПЕКТИВНЫЙ ПЛАН").await;
    for part in ["Орлова Екатерина Сергеевна", "Школа №1", &until, &year.to_string()] {
        assert!(plan.contains(part), "«{part}» in the plan:\n{plan}");
    }
    district.click_css("[data-testid=print-close]").await;
    district.go("consultations").await;
    let pair = district.wait_text("[data-testid=school-pair]", "Кузнецова Дарья Игоревна").await;
    assert!(pair.contains("Школа №1 · наставник: Орлова Екатерина Сергеевна"), "{pair}");
    district.go("access").await;
    district.wait_text("[data-testid=school-row]", "Школа №1").await;

    district.go("district").await;
    district.click_css("[data-testid=overview-row][data-school='Школа №1'] [data-testid=open-school]").await;
    district.wait_text("[data-testid=viewing-school]", "только просмотр").await;
    for slug in [
        "dashboard",
        "profile",
        "members",
        "plan",
        "protocols",
        "analyses",
        "regulations",
        "kopilka",
        "mentoring",
        "rmo-advice",
        "rmo-surveys",
        "report",
    ] {
        district.click_css(&format!("[data-testid=nav-{slug}]")).await;
        eventually(&format!("the school's {slug} screen"), || async {
            let hash = format!("return location.hash.endsWith('/{slug}')");
            district.script(&hash).await.as_bool().unwrap_or(false).then_some(())
        })
        .await;
        assert!(!heading().await.is_empty(), "the school's {slug} has a heading");
        assert!(district.texts("[data-testid=fatal-error]").await.iter().all(String::is_empty), "{slug}");
        let wide =
            district.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
        assert_eq!(wide, serde_json::json!(0), "the school's {slug} is wider than the window");
    }
    let report = district.wait_text("[data-testid=report]", "Кадровый состав").await;
    assert!(report.contains("Методическая тема, цель и задачи"), "{report}");
    // The school's words are the school's to write: shown, with no box to
    // type in.
    assert_eq!(district.wait_text("[data-testid=note-general]", "Состав МО стабилен.").await, "Состав МО стабилен.");
    let boxes = district.script("return document.querySelectorAll('[data-testid=report] textarea').length").await;
    assert_eq!(boxes, serde_json::json!(0));
    district.quit().await;
}

/// The РМО asks the district: a questionnaire that each class teacher
/// answers for herself on her own device, offline too, and a table each
/// school fills in through its МО's head. The district head sees the
/// answers summed up per school and for the district, with a chart per
/// question, and who has not answered; the results print and save as DOCX
/// with the charts, and the needs go into the РМО's yearly analysis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rmo_asks_the_district_and_sums_up_the_answers() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let school = school_head.school();
    let year = AcademicYear::of(clock_day());
    // School №1 has two class teachers.
    let mut association = AssociationDoc::create(&school);
    let mut ids = Vec::new();
    for name in ["Иванова Мария Петровна", "Сидорова Анна Васильевна"] {
        let fields = MemberFields::validate(&teacher(name)).unwrap();
        ids.push(AssociationDoc::edit_member(&mut association, Edit::Add(fields), now_ms()).unwrap());
    }
    push_school(&server, &school_head, association, year, YearDoc::create(&school, year)).await;

    // The district head writes a questionnaire of class teachers, and asks
    // the schools for a table.
    let code = district_head.invite(&server, "district_head", None).await;
    let district = Browser::launch_on_clock(&dir.path().join("district")).await;
    district.join(&server, &code, "Петрова Анна Викторовна").await;
    district.go("surveys").await;
    district.click_css("[data-testid=surveys] [data-testid=add]").await;
    let deadline = clock_day().plus_days(10).to_string();
    district
        .save("[data-testid=add-form]", &[("title", "Затруднения классного руководителя"), ("deadline", &deadline)])
        .await;
    district.wait_text("[data-testid=survey-title]", "Затруднения").await;
    district.click_css("[data-testid=open-questions]").await;
    let add_question = "[data-testid=questions] [data-testid=add-form]";
    district.click_css("[data-testid=questions] [data-testid=add]").await;
    district
        .fill(add_question, &[("kind", "single"), ("text", "Стаж классного руководства"), ("options", "до 3 лет")])
        .await;
    let refused = district.submit(add_question).await;
    assert_eq!(refused, [("options".to_owned(), "Не меньше двух разных вариантов, по одному в строке".to_owned())]);
    district.save(add_question, &[("options", "до 3 лет\n3–10 лет\nболее 10 лет")]).await;
    for (kind, text, options) in [
        ("multiple", "Где нужна помощь", "работа с родителями\nдокументация\nпрофилактика"),
        ("scale", "Польза семинаров РМО", ""),
    ] {
        district.click_css("[data-testid=questions] [data-testid=add]").await;
        district.save(add_question, &[("kind", kind), ("text", text), ("options", options)]).await;
    }
    eventually("three questions", || async {
        (district.texts("[data-testid=question-text]").await.len() == 3).then_some(())
    })
    .await;
    district.click_css("[data-testid=surveys] [data-testid=add]").await;
    district
        .save(
            "[data-testid=add-form]",
            &[("kind", "table"), ("audience", "schools"), ("title", "Сведения о классных руководителях")],
        )
        .await;
    let table_row = "//li[@data-testid='surveys-row'][.//*[@data-testid='survey-title'][contains(., 'Сведения')]]";
    district.click_xpath(&format!("{table_row}//*[@data-testid='open-questions']")).await;
    district.click_xpath(&format!("{table_row}//*[@data-testid='questions']//*[@data-testid='add']")).await;
    district.save(add_question, &[("kind", "number"), ("text", "Классных руководителей 1–4 классов")]).await;
    district.wait_text("[data-testid=question-text]", "1–4 классов").await;
    district.wait_sync("сохранено на сервере").await;

    // Иванова answers on her own device, with the server down.
    let teacher = Browser::launch_on_clock(&dir.path().join("teacher")).await;
    let code = school_head.invite_member(&server, &ids[0].to_string()).await;
    teacher.join(&server, &code, "Иванова М. П.").await;
    teacher.open(&server.url()).await;
    teacher.go("dashboard").await;
    teacher
        .wait_text(
            "[data-testid=open-surveys] li",
            &format!("«Затруднения классного руководителя»: ответить до {deadline}"),
        )
        .await;
    teacher.go("rmo-surveys").await;
    let cannot = teacher.wait_text("[data-testid=survey-cannot]", "руководитель МО").await;
    assert_eq!(cannot, "Эту анкету заполняет руководитель МО школы.", "the table is the school's");
    teacher.wait_sync("сохранено на сервере").await;
    server.stop().await;
    teacher.wait_sync("нет связи").await;
    teacher.click_css("[data-testid=answer-survey]").await;
    let refused = teacher.submit("[data-testid=survey-form]").await;
    assert_eq!(
        refused,
        [
            ("q1".to_owned(), "Выберите ответ".to_owned()),
            ("q2".to_owned(), "Отметьте хотя бы один вариант".to_owned()),
            ("q3".to_owned(), "Выберите ответ".to_owned()),
        ]
    );
    teacher
        .save("[data-testid=survey-form]", &[("q1", "до 3 лет"), ("q2-1", "true"), ("q2-3", "true"), ("q3", "4")])
        .await;
    teacher.wait_text("[data-testid=survey-status]", &format!("Ответ сохранён {}", clock_day())).await;
    teacher.wait_text("[data-testid=survey-answer]", "Где нужна помощь: работа с родителями; профилактика").await;
    server.resume().await;
    teacher.wait_sync("сохранено на сервере").await;
    teacher.go("dashboard").await;
    teacher.wait_text("[data-testid=plan-progress]", "план работы на год ещё не составлен").await;
    assert!(teacher.texts("[data-testid=open-surveys] li").await.is_empty(), "answered");
    teacher.quit().await;

    // The school's head fills in the table and sees who of the school has
    // not answered the questionnaire.
    let head = Browser::launch_on_clock(&dir.path().join("head")).await;
    let code = school_head.invite(&server, "school_head", Some(school)).await;
    head.join(&server, &code, "Орлова Екатерина Сергеевна").await;
    head.go("rmo-surveys").await;
    head.wait_text("[data-testid=survey-progress]", "Ответили 1 из 2; ещё нет: Сидорова Анна Васильевна").await;
    let row = "//li[@data-testid='school-survey'][.//*[@data-testid='survey-title'][contains(., 'Сведения')]]";
    head.click_xpath(&format!("{row}//*[@data-testid='answer-survey']")).await;
    head.save("[data-testid=survey-form]", &[("q1", "2")]).await;
    head.wait_text("[data-testid=survey-answer]", "Классных руководителей 1–4 классов: 2").await;
    head.wait_sync("сохранено на сервере").await;
    head.quit().await;

    // The district sees both summed up, with charts, and who is silent.
    let questionnaire =
        "//li[@data-testid='surveys-row'][.//*[@data-testid='survey-title'][contains(., 'Затруднения')]]";
    let answered = |row: &str| format!("{row}//*[@data-testid='survey-answered']");
    eventually("the teacher's answer at the district", || async {
        let found = district.client().find(fantoccini::Locator::XPath(&answered(questionnaire))).await.ok()?;
        found.text().await.ok().filter(|t| t.contains("Ответов: 1 · школ ответили: 1 из 1"))
    })
    .await;
    district.click_xpath(&format!("{questionnaire}//*[@data-testid='open-results']")).await;
    let results = district.wait_text("[data-testid=survey-results]", "Сидорова Анна Васильевна").await;
    for part in ["Стаж классного руководства", "до 3 лет1 (100%)", "Средняя оценка", "Не ответили"]
    {
        assert!(results.contains(part), "«{part}» in the results:\n{results}");
    }
    let bars = district
        .script(
            "return [...document.querySelectorAll('[data-testid=survey-results] [data-testid=chart]')]
                 .map(c => c.querySelectorAll('svg rect').length)",
        )
        .await;
    assert_eq!(bars, serde_json::json!([3, 3, 5]), "a chart per question, a bar per option");
    district.click_xpath(&format!("{table_row}//*[@data-testid='open-results']")).await;
    district.wait_text("[data-testid=survey-results]", "Итого").await;
    district.click_xpath(&format!("{questionnaire}//*[@data-testid='survey-results-print']")).await;
    let paper = district.wait_text("[data-testid=print-view]", "ИТОГИ АНКЕТИРОВАНИЯ").await;
    for part in
        ["Получено ответов: 1 (школ: 1 из 1)", "Где нужна помощь (можно было выбрать несколько)", "Руководитель РМО"]
    {
        assert!(paper.contains(part), "«{part}» in the paper:\n{paper}");
    }
    district.click_css("[data-testid=print-close]").await;
    district.click_xpath(&format!("{questionnaire}//*[@data-testid='survey-results-docx']")).await;
    let saved = district.downloaded("Итоги анкетирования — Затруднения классного руководителя.docx").await;
    let body = String::from_utf8(zip_entry(&std::fs::read(&saved).unwrap(), "word/document.xml").unwrap()).unwrap();
    // Bars of 1 of 1, 1 and 1 of the ticks, and the mark 4: four drawn.
    assert_eq!(body.matches("<pic:pic").count(), 4, "each answered option's bar is a picture in the DOCX");
    let text = pdf_text(&convert(&saved, "pdf", dir.path()));
    assert_in_order(&text, &["ИТОГИ АНКЕТИРОВАНИЯ", "Стаж классного руководства", "до 3 лет", "1 (100%)", "Сидорова"]);

    // The needs go into the РМО's yearly analysis.
    district.go("rmo-report").await;
    district.wait_text("[data-testid=report]", "Изучение затруднений и потребностей классных руководителей").await;
    district.wait_text("[data-testid=report]", "«Стаж классного руководства»: до 3 лет — 1 (100%)").await;
    district.quit().await;
}

fn now_ms() -> i64 {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    i64::try_from(ms).unwrap()
}
