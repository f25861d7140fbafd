//! A school МО head's year, in headless Chromium against the real server:
//! the members and the year's theme, the plan, a meeting with its protocol
//! and two decisions, the plan row marked done by that protocol, a
//! regulation acknowledged by a member, a material found in the копилка,
//! and what the dashboard makes of it all.

#![allow(clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::browser::clock_day;
use e2e::{Browser, NewMember, Server, eventually, exclusive};
use shared::{AcademicYear, Date};
use tempfile::TempDir;

fn today() -> Date {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    Date::from_unix_ms(i64::try_from(ms).unwrap())
}

/// A script that says whether the list `list`'s heading stands above its
/// `tool` (a search, «Загрузить из Word»): the heading comes first.
fn below_the_heading(list: &str, tool: &str) -> String {
    format!(
        "const top = (css) => document.querySelector(css).getBoundingClientRect().top;
         return top('[data-testid={list}] h1') < top('[data-testid={list}] {tool}')"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_walks_through_the_year_and_the_dashboard_keeps_count() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    // The browser's clock is fixed, so what falls due has fallen due
    // whenever the test runs.
    let browser = Browser::launch_on_clock(&dir.path().join("head")).await;
    browser.join_member(&server, &head).await;

    let today = clock_day();
    let year = AcademicYear::of(today);
    let first = year.first_day();
    // The meeting was ten days ago.
    let meeting = today.plus_days(-10);
    assert!(first.plus_days(1) < meeting, "the seminar and the meeting have passed");

    // A new year: what to do first, and no «0% of 0».
    browser.go("dashboard").await;
    // On a laptop every section's tab is in sight: none scrolled out of
    // the window.
    let hidden = browser
        .script(
            "const edge = document.documentElement.clientWidth;
             return [...document.querySelectorAll('nav.tabs a')]
                 .filter(a => a.getBoundingClientRect().right > edge || a.getBoundingClientRect().width === 0)
                 .map(a => a.textContent)",
        )
        .await;
    assert_eq!(hidden, serde_json::json!([]), "tabs out of sight at 1024 px");
    let steps = browser.wait_text("[data-testid=first-steps]", "С чего начать").await;
    for part in ["Тема и задачи МО на год", "Члены МО", "План работы на год"] {
        assert!(steps.contains(part), "«{part}» in: {steps}");
    }
    assert_eq!(browser.wait_text("[data-testid=plan-progress]", "план").await, "план работы на год ещё не составлен");
    assert!(browser.texts("[data-testid=plan-percent]").await.is_empty(), "no percent of nothing");
    browser.click_xpath("//*[@data-testid='first-step']/a[contains(., 'Члены МО')]").await;
    browser.wait_text("[data-testid=empty-list]", "Добавьте первого члена МО").await;

    // The association's members.
    for (name, class) in
        [("Иванова Мария Петровна", "5А"), ("Петров Сергей Иванович", "6Б"), ("Орлова Екатерина Сергеевна", "7В")]
    {
        browser.add_member(&NewMember::teacher(name, class)).await;
    }

    // The year's theme, goal, tasks and head.
    browser.go("profile").await;
    browser.click_css("[data-testid=edit-profile]").await;
    browser
        .save(
            "[data-testid=profile-form]",
            &[
                ("theme", "Воспитание гражданина в современной школе"),
                ("goal", "Совершенствование воспитательной работы"),
                ("tasks", "Повышать мастерство классных руководителей\nОбобщать опыт"),
                ("head", "label:Иванова Мария Петровна"),
            ],
        )
        .await;
    browser.wait_text("[data-testid=profile-theme]", "Воспитание гражданина").await;

    // An earlier year has its own profile; coming back shows this one again.
    browser.pick("[data-testid=year-picker]", &AcademicYear(year.0 - 1).to_string()).await;
    browser.wait_text("[data-testid=profile-theme]", "не указана").await;
    browser.pick("[data-testid=year-picker]", &year.to_string()).await;
    browser.wait_text("[data-testid=profile-theme]", "Воспитание гражданина").await;

    // The plan: a date outside the year is refused at the field, then two rows.
    browser.go("plan").await;
    browser.click_css("[data-testid=plan] [data-testid=add]").await;
    let outside = format!("01.06.{}", year.0);
    browser.fill("[data-testid=add-form]", &[("when", &outside), ("topic", "Заседание МО № 1")]).await;
    let errors = browser.submit("[data-testid=add-form]").await;
    assert_eq!(
        errors,
        [("when".to_owned(), format!("Дата вне {year} учебного года ({})", year.span()))],
        "the form says what is wrong, in Russian, at the field"
    );
    browser
        .save(
            "[data-testid=add-form]",
            &[("when", &meeting.to_string()), ("kind", "meeting"), ("responsible", "label:Иванова Мария Петровна")],
        )
        .await;
    browser.click_css("[data-testid=plan] [data-testid=add]").await;
    let seminar_day = first.plus_days(1);
    browser
        .save(
            "[data-testid=add-form]",
            &[("when", &seminar_day.to_string()), ("kind", "seminar"), ("topic", "Семинар «Классный час сегодня»")],
        )
        .await;
    browser.wait_text("[data-testid=plan-topic]", "Семинар «Классный час сегодня»").await;

    // The meeting and its protocol: Орлова was absent.
    browser.go("protocols").await;
    browser.click_css("[data-testid=protocols] [data-testid=add]").await;
    browser
        .fill(
            "[data-testid=add-form]",
            &[
                ("date", &meeting.to_string()),
                ("chair", "label:Иванова Мария Петровна"),
                ("secretary", "label:Петров Сергей Иванович"),
                ("theme", "Организация воспитательной работы на учебный год"),
            ],
        )
        .await;
    let ticks = browser.texts("[data-testid=add-form] label.check").await;
    assert_eq!(ticks.len(), 4, "a tick per member and «оформлен»: {ticks:?}");
    browser.click_xpath("//form[@data-testid='add-form']//label[contains(., 'Орлова')]/input").await;
    browser.save("[data-testid=add-form]", &[]).await;
    let title = browser.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    assert_eq!(title, format!("Протокол № 1 от {meeting}"));
    let attendance = browser.wait_text("[data-testid=protocol-attendance]", "Присутствовали").await;
    assert_eq!(attendance, "Присутствовали: 2 из 3");
    // A screen's heading comes first, then its tools.
    assert_eq!(
        browser.script(&below_the_heading("protocols", "label.attach")).await,
        serde_json::json!(true),
        "«Загрузить из Word»"
    );
    // The protocol's own buttons stand before its agenda and decisions,
    // not after their cards' buttons.
    let first_its_buttons = browser
        .script(
            "const li = document.querySelector('[data-testid=protocols-row]');
             const top = (css) => li.querySelector(css).getBoundingClientRect().top;
             return top(':scope > .actions [data-testid=edit]') < top(':scope > .protocol-body')",
        )
        .await;
    assert_eq!(first_its_buttons, serde_json::json!(true));

    // An agenda item, then a decision with a deadline before the meeting
    // (refused), and two decisions: one already overdue, one not.
    browser.click_css("[data-testid=agenda] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=agenda] [data-testid=add-form]",
            &[
                ("topic", "Утверждение плана работы МО"),
                ("speaker", "Иванова М. П."),
                ("heard", "Иванову М. П., которая представила проект плана."),
                ("decided", "Утвердить план работы."),
            ],
        )
        .await;
    browser.click_css("[data-testid=decisions] [data-testid=add]").await;
    let form = "[data-testid=decisions] [data-testid=add-form]";
    browser
        .fill(form, &[("text", "Сдать планы воспитательной работы"), ("deadline", &meeting.plus_days(-1).to_string())])
        .await;
    assert_eq!(
        browser.submit(form).await,
        [("deadline".to_owned(), format!("Срок не может быть раньше даты заседания ({meeting})"))]
    );
    browser.save(form, &[("deadline", &meeting.to_string()), ("responsible", "label:Петров Сергей Иванович")]).await;
    browser.click_css("[data-testid=decisions] [data-testid=add]").await;
    browser
        .save(
            form,
            &[
                ("text", "Провести открытые классные часы"),
                ("deadline", &today.plus_days(30).to_string()),
                ("responsible", "label:Орлова Екатерина Сергеевна"),
            ],
        )
        .await;
    eventually("two decisions", || async {
        (browser.texts("[data-testid=decision-text]").await.len() == 2).then_some(())
    })
    .await;
    // Each is the «РЕШИЛИ» of the question just heard, and prints there once.
    let question = browser.wait_text("[data-testid=decision-question]", "Утверждение плана работы МО").await;
    assert_eq!(question, "1. Утверждение плана работы МО");
    browser.click_css("[data-testid=protocol-print]").await;
    let printed = browser.wait_text("[data-testid=print-view]", "ПРОТОКОЛ № 1").await;
    let at = |part: &str| printed.find(part).unwrap_or_else(|| panic!("«{part}» in:\n{printed}"));
    assert!(at("РЕШИЛИ: Утвердить план работы.") < at("1. Сдать планы воспитательной работы."));
    assert!(at("1. Сдать планы воспитательной работы.") < at("2. Провести открытые классные часы."));
    assert_eq!(printed.matches("Провести открытые классные часы").count(), 1, "printed once");
    assert!(!printed.contains("ПОСТАНОВИЛИ"), "no second list of the same decisions");
    browser.click_css("[data-testid=print-close]").await;

    // The plan row of the meeting is done, by that protocol.
    browser.go("plan").await;
    let row = "//li[@data-testid='plan-row'][.//*[@data-testid='plan-topic'][contains(., 'Заседание МО № 1')]]";
    browser.pick(&format!("{row}//select[@data-testid='completion']"), "выполнено").await;
    browser.pick(&format!("{row}//select[@data-testid='fulfilled-by']"), "Протокол № 1").await;
    eventually("the row marked done by the protocol", || async {
        let marks = browser.texts("[data-testid=plan-row] .line").await;
        marks.iter().any(|m| m.contains("выполнено") && m.contains("Протокол № 1")).then_some(())
    })
    .await;

    // A regulation, acknowledged by Орлова on her device.
    browser.go("regulations").await;
    browser.click_css("[data-testid=regulations] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("title", "Положение о методическом объединении классных руководителей"),
                ("number", "12"),
                ("date", &first.to_string()),
                ("text", "1. Общие положения"),
            ],
        )
        .await;
    // The device marks for its own person only, once the head links it.
    browser.wait_text("[data-testid=not-linked]", "связать это устройство").await;
    assert!(browser.text_of("[data-testid=acknowledge]").await.is_none(), "no mark before the link");
    browser.go("members").await;
    let orlova = browser.member_id("Орлова Екатерина Сергеевна").await;
    head.link_member(&server, &browser.device_id().await, &orlova).await;
    browser.reload().await;
    browser.go("regulations").await;
    browser.click_css("[data-testid=acknowledge]").await;
    browser.wait_text("[data-testid=acknowledged]", &today.to_string()).await;

    // A material in the копилка, found by a word and by its class only.
    browser.go("kopilka").await;
    assert_eq!(
        browser.script(&below_the_heading("kopilka", "[data-testid=kopilka-search]")).await,
        serde_json::json!(true)
    );
    browser.click_css("[data-testid=kopilka] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("title", "Классный час «Я — гражданин России»"),
                ("author", "Орлова Е. С."),
                ("kind", "class_hour"),
                ("classes", "5-7"),
                ("description", "Сценарий с викториной"),
            ],
        )
        .await;
    browser.click_css("[data-testid=search-words]").await;
    // In capitals: the search ignores case, as the browser lowers it.
    browser.client().active_element().await.unwrap().send_keys("ВИКТОРИН").await.unwrap();
    browser.wait_text("[data-testid=material-title]", "Я — гражданин России").await;
    browser.pick("[data-testid=search-class]", "9 класс").await;
    eventually("nothing for the 9th class", || async {
        browser.texts("[data-testid=material-title]").await.is_empty().then_some(())
    })
    .await;

    // The dashboard.
    browser.go("dashboard").await;
    assert_eq!(browser.wait_text("[data-testid=plan-percent]", "%").await, "50%");
    assert_eq!(browser.wait_text("[data-testid=plan-progress]", "из").await, "плана выполнено: 1 из 2");
    assert!(browser.texts("[data-testid=first-steps]").await.is_empty(), "theme, members and plan are there");
    browser.wait_text("[data-testid=overdue-rows] li", "Семинар «Классный час сегодня»").await;
    let overdue = browser.wait_text("[data-testid=overdue-decisions] li", "Сдать планы").await;
    assert!(overdue.contains("Петров Сергей Иванович"), "{overdue}");
    let decisions = browser.texts("[data-testid=overdue-decisions] li").await;
    assert!(!decisions.iter().any(|d| d.contains("открытые классные часы")), "not yet due: {decisions:?}");
    browser.wait_text("[data-testid=unfinished-protocols] li", "Протокол № 1").await;
    browser.wait_text("[data-testid=member-flags] li", "Орлова Екатерина Сергеевна: нет сведений о курсах").await;
    let unread = browser.wait_text("[data-testid=unread-regulations] li", "Положение").await;
    assert!(unread.contains("Иванова М. П.") && unread.contains("Петров С. И."), "{unread}");
    assert!(!unread.contains("Орлова"), "Орлова has read it: {unread}");
    // The device is Орлова's: her own open decision is at the top, not
    // Петров's, and not the regulation she has read.
    browser.wait_text("[data-testid=my-tasks] li", "Провести открытые").await;
    assert_eq!(
        browser.texts("[data-testid=my-tasks] li").await,
        [format!("Решение: Провести открытые классные часы (протокол № 1), срок {}", today.plus_days(30))]
    );

    // All of it is on the server: a reload after sync shows the same.
    browser.wait_sync("сохранено на сервере").await;
    browser.reload_page().await;
    assert_eq!(browser.wait_text("[data-testid=plan-percent]", "%").await, "50%");

    // The next meeting's protocol is made from its plan row: the theme and
    // the questions come from the plan, and the row is done by it.
    browser.go("plan").await;
    browser.click_css("[data-testid=plan] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("when", &today.to_string()),
                ("kind", "meeting"),
                ("topic", "Заседание МО № 2"),
                ("content", "1. Итоги мониторинга\n2. Подготовка к семинару"),
            ],
        )
        .await;
    let second = "//li[@data-testid='plan-row'][.//*[@data-testid='plan-topic'][contains(., 'Заседание МО № 2')]]";
    browser.click_xpath(&format!("{second}//*[@data-testid='make-protocol']")).await;
    browser.wait_text("[data-testid=planned-questions]", "Итоги мониторинга; Подготовка к семинару").await;
    browser.save("[data-testid=protocol-from-plan]", &[("chair", "label:Иванова Мария Петровна")]).await;
    let done = browser.wait_text("[data-testid=fulfilled-title]", "Протокол № 2").await;
    assert_eq!(done, format!("— Протокол № 2 от {today}"));
    assert!(browser.texts("[data-testid=make-protocol]").await.is_empty(), "no second protocol offered");
    browser.go("protocols").await;
    browser.wait_text("[data-testid=protocol-theme]", "Заседание МО № 2").await;
    browser.wait_text("[data-testid=agenda-topic]", "Подготовка к семинару").await;
    browser.go("dashboard").await;
    assert_eq!(browser.wait_text("[data-testid=plan-progress]", "из").await, "плана выполнено: 2 из 3");

    // The seminar's analysis names its plan row and prints as an
    // «Аналитическая справка» signed by the head.
    browser.go("analyses").await;
    browser.click_css("[data-testid=analyses] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("plan_row", &format!("label:{seminar_day} — Семинар «Классный час сегодня»")),
                ("title", "Анализ семинара «Классный час сегодня»"),
                ("date", &today.to_string()),
                ("text", "Семинар прошёл организованно."),
                ("conclusions", "Цели достигнуты."),
            ],
        )
        .await;
    browser.wait_text("[data-testid=analysis-plan-row]", "Семинар «Классный час сегодня»").await;
    browser.click_css("[data-testid=analysis-note-print]").await;
    let note = browser.wait_text("[data-testid=print-view]", "АНАЛИТИЧЕСКАЯ СПРАВКА").await;
    for part in [
        "Пункт плана работы:",
        "Семинар «Классный час сегодня» (семинар)",
        "Выводы: Цели достигнуты.",
        "/Иванова М. П./",
    ] {
        assert!(note.contains(part), "«{part}» in the note:\n{note}");
    }
    browser.click_css("[data-testid=print-close]").await;
    browser.click_css("[data-testid=analysis-note-docx]").await;
    let name = format!("Аналитическая справка — Анализ семинара «Классный час сегодня» от {today}.docx");
    let saved = std::fs::read(browser.downloaded(&name).await).unwrap();
    assert_eq!(&saved[..2], b"PK", "a DOCX is a zip");

    // Mentoring: a pair begun forty days ago with no help noted is brought
    // to the head; a plan entry and a note of help, and it is not.
    browser.go("mentoring").await;
    browser.click_css("[data-testid=mentorships] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("mentor", "label:Иванова Мария Петровна"),
                ("mentee", "label:Орлова Екатерина Сергеевна"),
                ("since", &today.plus_days(-40).to_string()),
            ],
        )
        .await;
    browser.wait_text("[data-testid=pair-quiet]", "Больше месяца нет отметок").await;
    browser.go("dashboard").await;
    browser
        .wait_text("[data-testid=quiet-pairs] li", "Орлова Екатерина Сергеевна (наставник: Иванова Мария Петровна)")
        .await;
    browser.go("mentoring").await;
    browser.click_css("[data-testid=open-pair]").await;
    browser.click_css("[data-testid=mentor-plan] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=mentor-plan] [data-testid=add-form]",
            &[("date", &today.plus_days(7).to_string()), ("form", "консультация"), ("topic", "Портфолио класса")],
        )
        .await;
    browser.wait_text("[data-testid=mentor-plan-topic]", "Портфолио класса").await;
    browser.click_css("[data-testid=help-notes] [data-testid=add]").await;
    browser
        .save("[data-testid=help-notes] [data-testid=add-form]", &[("text", "Посетила классный час, разобрали")])
        .await;
    browser.wait_text("[data-testid=last-help]", &today.to_string()).await;
    assert!(browser.texts("[data-testid=pair-quiet]").await.is_empty(), "help noted today");
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=plan-progress]", "из").await;
    assert!(browser.texts("[data-testid=quiet-pairs] li").await.is_empty());
    browser.quit().await;
}

/// Two devices each write protocol № 1 while the server is down. After the
/// merge both protocols are there, both devices say the number repeats, and
/// one press gives one of them the next free number everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_number_taken_twice_offline_is_shown_and_resolved() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let a = Browser::launch(&dir.path().join("a")).await;
    let b = Browser::launch(&dir.path().join("b")).await;
    for browser in [&a, &b] {
        browser.join_member(&server, &head).await;
        browser.go("protocols").await;
        browser.wait_text("[data-testid=protocols] .muted", "Протоколов пока нет").await;
        browser.wait_sync("сохранено на сервере").await;
    }
    server.stop().await;
    for (browser, theme) in [(&a, "Организация работы на год"), (&b, "Внеочередное заседание")]
    {
        browser.wait_sync("нет связи").await;
        browser.click_css("[data-testid=protocols] [data-testid=add]").await;
        browser.save("[data-testid=add-form]", &[("theme", theme)]).await;
        browser.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    }

    server.resume().await;
    for browser in [&a, &b] {
        browser.wait_sync("сохранено на сервере").await;
        eventually("both protocols, with the same number", || async {
            let titles = browser.texts("[data-testid=protocol-title]").await;
            (titles.len() == 2 && titles.iter().all(|t| t.starts_with("Протокол № 1 "))).then_some(())
        })
        .await;
        browser.wait_text("[data-testid=duplicate-number]", "оказался и у другого протокола").await;
    }
    a.click_css("[data-testid=renumber]").await;
    for browser in [&a, &b] {
        eventually("numbers 1 and 2, and no warning", || async {
            let mut numbers: Vec<String> = browser
                .texts("[data-testid=protocol-title]")
                .await
                .iter()
                .map(|t| t.split_whitespace().nth(2).unwrap_or_default().to_owned())
                .collect();
            numbers.sort();
            let warned = !browser.texts("[data-testid=duplicate-number]").await.is_empty();
            (numbers == ["1", "2"] && !warned).then_some(())
        })
        .await;
    }
    let themes = b.texts("[data-testid=protocol-theme]").await;
    assert!(
        themes.iter().any(|t| t == "Организация работы на год") && themes.iter().any(|t| t == "Внеочередное заседание")
    );
    a.quit().await;
    b.quit().await;
}

/// A document written by a newer version of the program opens read-only
/// with a message, and the app never writes into it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_from_a_newer_version_are_shown_read_only_and_left_alone() {
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.add_member(&NewMember::teacher("Иванова Мария Петровна", "5А")).await;
    browser.wait_sync("сохранено на сервере").await;

    let association = head.school();
    let mut newer = e2e::peer::Peer::connect(&server, &head).await;
    let mut doc = newer.fetch(association).await.unwrap();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "schema_version", 99_u64)).unwrap();
    newer.push(association, &mut doc).await;

    browser.wait_text("[data-testid=read-only]", "более новой версией").await;
    eventually("the add button to go", || async {
        browser.texts("[data-testid=add-member]").await.is_empty().then_some(())
    })
    .await;
    assert_eq!(browser.member_names().await, ["Иванова Мария Петровна"], "still readable");
    browser.reload().await;
    browser.wait_text("[data-testid=read-only]", "более новой версией").await;
    let heads = doc.get_heads();
    let mut fresh = e2e::peer::Peer::connect(&server, &head).await;
    let stored = fresh.fetch(association).await.unwrap();
    assert_eq!(stored.get_heads(), heads, "nobody wrote into the newer document");
    browser.quit().await;
}

/// A member removes a protocol on her device. The head sees it among the
/// removed records, with who removed it and when (the server recorded which
/// device sent the change), brings it back, and both devices show it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_sees_who_removed_a_protocol_and_restores_it() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (head_device, head) = school_head(&server, dir.path()).await;
    let member = Browser::launch(&dir.path().join("member")).await;
    member.join_member(&server, &head_device).await;

    head.go("protocols").await;
    head.click_css("[data-testid=protocols] [data-testid=add]").await;
    head.save("[data-testid=add-form]", &[("theme", "Организация работы на год")]).await;
    head.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    member.go("protocols").await;
    member.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    let day_of_removal = today();
    member.click_css("[data-testid=protocols-row] [data-testid=remove]").await;
    member.click_css("[data-testid=protocols-row] [data-testid=confirm-remove]").await;
    member.wait_text("[data-testid=protocols] .muted", "Протоколов пока нет").await;

    head.wait_text("[data-testid=removed-protocols] [data-testid=show-removed]", "Удалённые записи (1)").await;
    head.click_css("[data-testid=removed-protocols] [data-testid=show-removed]").await;
    let title = head.wait_text("[data-testid=removed-title]", "Организация работы").await;
    assert_eq!(title, "Организация работы на год");
    head.click_css("[data-testid=removed-row] [data-testid=history]").await;
    let removal = head.wait_text("[data-testid=removed-row] [data-testid=history-line]", "удалено").await;
    assert!(removal.contains("Учитель школы"), "who removed it: {removal}");
    let created = head.wait_text("[data-testid=removed-row] [data-testid=history-line]", "создано").await;
    assert!(created.contains("Иванова Мария Петровна"), "who wrote it: {created}");
    let days = [day_of_removal.to_string(), today().to_string()];
    assert!(days.iter().any(|d| removal.starts_with(d.as_str())), "when: {removal}");

    head.click_css("[data-testid=removed-row] [data-testid=restore]").await;
    for browser in [&head, &member] {
        browser.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
        eventually("no removed protocols left", || async {
            browser.text_of("[data-testid=removed-protocols]").await.is_none().then_some(())
        })
        .await;
    }
    head.click_css("[data-testid=protocols-row] [data-testid=history]").await;
    head.wait_text("[data-testid=protocols-row] [data-testid=history-line]", "восстановлено").await;
    head.quit().await;
    member.quit().await;
}

/// A member's device, linked to her record when she joined, marks
/// «ознакомлен(а)» for her and nobody else. The head enters a colleague's
/// signature given on paper; the sheet says it was on paper and who
/// entered it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_only_as_herself_and_the_head_enters_paper_signatures() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (head_device, head) = school_head(&server, dir.path()).await;
    for (name, class) in [("Орлова Екатерина Сергеевна", "7В"), ("Петров Сергей Иванович", "6Б")]
    {
        head.add_member(&NewMember::teacher(name, class)).await;
    }
    let orlova = head.member_id("Орлова Екатерина Сергеевна").await;
    head.go("regulations").await;
    head.click_css("[data-testid=regulations] [data-testid=add]").await;
    head.save(
        "[data-testid=add-form]",
        &[("title", "Положение о МО классных руководителей"), ("number", "3"), ("text", "1. Общие положения")],
    )
    .await;
    head.wait_text("[data-testid=regulation-title]", "Положение о МО").await;

    let member = Browser::launch(&dir.path().join("member")).await;
    let code = head_device.invite_member(&server, &orlova).await;
    member.join(&server, &code, "Орлова Е. С.").await;
    member.open(&server.url()).await;
    member.go("regulations").await;
    member.click_css("[data-testid=acknowledge]").await;
    let day = today().to_string();
    member.wait_text("[data-testid=acknowledged]", &day).await;
    assert!(member.text_of("[data-testid=enter-paper]").await.is_none(), "a member enters nobody else's");

    // The head's «Доступ» shows whose device it is.
    head.go("access").await;
    let linked = eventually("the member device's link on the head's screen", || async {
        let names = head
            .script(
                "return [...document.querySelectorAll('[data-testid=device-row]')]
                   .filter(r => r.querySelector('.name').textContent === 'Орлова Е. С.')
                   .map(r => r.querySelector('[data-testid=device-member]'))
                   .map(s => s.options[s.selectedIndex].textContent);",
            )
            .await;
        let names: Vec<String> = serde_json::from_value(names).unwrap();
        names.into_iter().next()
    })
    .await;
    assert_eq!(linked, "Орлова Екатерина Сергеевна");
    head.go("regulations").await;

    let row = |name: &'static str| {
        let head = &head;
        async move {
            eventually(&format!("{name}'s line on the sheet"), || async {
                let rows = head
                    .script(
                        "return [...document.querySelectorAll('[data-testid=ack-row]')]
                           .map(r => [r.querySelector('[data-testid=ack-name]').textContent,
                                      r.querySelector('[data-testid=ack-day]').textContent]);",
                    )
                    .await;
                let rows: Vec<(String, String)> = serde_json::from_value(rows).unwrap();
                rows.into_iter().find(|(n, _)| n == name).map(|(_, d)| d)
            })
            .await
        }
    };
    eventually("Орлова's own mark on the head's sheet", || async {
        row("Орлова Екатерина Сергеевна").await.starts_with(&day).then_some(())
    })
    .await;
    assert!(!row("Орлова Екатерина Сергеевна").await.contains("на бумаге"));
    assert!(row("Петров Сергей Иванович").await.starts_with("не ознакомлен"));
    head.click_xpath("//tr[@data-testid='ack-row'][td[@data-testid='ack-name']='Петров Сергей Иванович']//button[@data-testid='enter-paper']").await;
    eventually("Петров's paper signature, entered by the head", || async {
        (row("Петров Сергей Иванович").await == format!("{day} (на бумаге, внесено: Иванова Мария Петровна)"))
            .then_some(())
    })
    .await;
    eventually("the same on Орлова's device", || async {
        member
            .texts("[data-testid=ack-day]")
            .await
            .iter()
            .any(|d| d.contains("на бумаге, внесено: Иванова"))
            .then_some(())
    })
    .await;
    head.quit().await;
    member.quit().await;
}

/// The head of the first school (as the server knows her), and a browser
/// joined as a second school head device, «Иванова Мария Петровна».
async fn school_head(server: &Server, dir: &std::path::Path) -> (e2e::server::Device, Browser) {
    let (_, head_device) = server.heads().await;
    let head = Browser::launch(&dir.join("head")).await;
    let code = head_device.invite(server, "school_head", Some(head_device.school())).await;
    head.join(server, &code, "Иванова Мария Петровна").await;
    head.open(&server.url()).await;
    (head_device, head)
}

/// In May the head starts the next year from this one, on two devices while
/// the server is down. Each reviews the draft (the tasks the analysis set
/// for next year, the recurring meeting ticked, the running pair, the стаж a
/// year older) and ticks a little differently: the seminar comes along
/// only from B, the pair only from A, so each device shows the other's
/// once merged. Then both show one 2027/2028 year with one of everything:
/// the tasks once, the meeting once, one pair, стаж 11, not 12.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_start_the_next_year_offline_and_end_with_one() {
    use shared::plan::PlanDoc;
    use shared::record::Edit;
    use shared::{AssociationDoc, MemberFields, Values, YearDoc};

    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let school = school_head.school();
    let year = AcademicYear(2026);
    let mut association = AssociationDoc::create(&school);
    let mut add = |values: Values| {
        AssociationDoc::edit_member(&mut association, Edit::Add(MemberFields::validate(&values).unwrap()), 1).unwrap()
    };
    let mentor = add(e2e::teacher("Иванова Мария Петровна").with("experience_years", "10"));
    let young =
        add(e2e::teacher("Кузнецова Дарья Игоревна").with("experience_years", "1").with("young_specialist", "true"));
    let mut year_doc = YearDoc::create(&school, year);
    let profile = Values::default().with("theme", "Воспитательная система класса").with("tasks", "Старая задача");
    YearDoc::set_profile(&mut year_doc, shared::profile::ProfileFields::validate(&profile).unwrap(), 2).unwrap();
    // The seminar is marked as recurring: the draft proposes it.
    for (topic, when, recurs) in
        [("Заседание МО № 1", "сентябрь", "false"), ("Семинар по профилактике", "ноябрь", "true")]
    {
        let row = shared::plan::PlanFields::blank().with("topic", topic).with("when", when).with("recurring", recurs);
        let row = shared::plan::PlanFields::validate(&row, year).unwrap();
        YearDoc::edit_plan_row(&mut year_doc, Edit::Add(row), 3).unwrap();
    }
    let pair = Values::from([("mentor", mentor.to_string()), ("mentee", young.to_string())]);
    let pair = shared::mentoring::MentorshipFields::validate(&pair).unwrap();
    YearDoc::edit_mentorship(&mut year_doc, Edit::Add(pair), 4).unwrap();
    shared::report::set_analysis_note(&mut year_doc, "tasks", "Новая задача на год", 5).unwrap();
    e2e::push_school(&server, &school_head, association, year, year_doc).await;

    let may = e2e::browser::Setup { clock: Some("2027-05-20 08:00:00"), ..Default::default() };
    let mut devices = Vec::new();
    for name in ["a", "b"] {
        let browser = Browser::launch_with(&dir.path().join(name), &may).await;
        let code = school_head.invite(&server, "school_head", Some(school)).await;
        browser.join(&server, &code, "Иванова Мария Петровна").await;
        browser.open(&server.url()).await;
        browser.go("dashboard").await;
        browser.wait_text("[data-testid=next-year]", "Новый учебный год").await;
        browser.wait_sync("сохранено на сервере").await;
        devices.push(browser);
    }
    server.stop().await;
    let ticks = [
        [("rows-1", "true"), ("rows-2", "false"), ("pairs-1", "true")],
        [("rows-1", "true"), ("rows-2", "true"), ("pairs-1", "false")],
    ];
    for (browser, ticks) in devices.iter().zip(ticks) {
        browser.wait_sync("нет связи").await;
        browser.click_css("[data-testid=start-next-year]").await;
        let form = "[data-testid=next-year-form]";
        browser.wait_text(form, "Заседание МО № 1").await;
        let stazh = browser.wait_text("[data-testid=next-year-stazh]", "Иванова М. П.: 10 → 11").await;
        assert!(stazh.contains("Кузнецова Д. И.: 1 → 2"), "{stazh}");
        let proposed: Vec<String> = serde_json::from_value(
            browser
                .script(
                    "const f = document.querySelector('[data-testid=next-year-form]');
                     return ['theme', 'tasks'].map(n => f.querySelector(`[data-testid=field-${n}]`).value)
                       .concat(['rows-1', 'rows-2', 'pairs-1']
                         .map(n => f.querySelector(`[data-testid=field-${n}]`).checked + ''));",
                )
                .await,
        )
        .unwrap();
        // The recurring seminar and the running pair are proposed.
        assert_eq!(proposed, ["Воспитательная система класса", "Новая задача на год", "false", "true", "true"]);
        browser.save(form, &ticks).await;
        let started = browser.wait_text("[data-testid=next-year-started]", "Начат 2027/2028 учебный год").await;
        let carried = ticks.iter().filter(|(f, v)| f.starts_with("rows") && *v == "true").count();
        assert!(started.contains(&format!("пунктов плана — {carried}, пар наставничества")), "{started}");
    }

    server.resume().await;
    for browser in &devices {
        browser.wait_sync("сохранено на сервере").await;
    }
    for browser in &devices {
        // Each device has the other's changes once the pair and the seminar
        // are on both.
        browser.go("mentoring").await;
        browser.wait_text("[data-testid=mentee-name]", "Кузнецова Дарья Игоревна").await;
        assert_eq!(browser.texts("[data-testid=mentee-name]").await.len(), 1);
        browser.go("plan").await;
        let rows = eventually("the meeting and the seminar in the new year's plan", || async {
            let rows = browser.texts("[data-testid=plan-topic]").await;
            (rows.len() >= 2).then_some(rows)
        })
        .await;
        assert_eq!(rows, ["Заседание МО № 1", "Семинар по профилактике"]);
        assert_eq!(browser.texts("[data-testid=plan-when]").await, ["сентябрь", "ноябрь"]);
        browser.go("profile").await;
        browser.wait_text("[data-testid=profile-theme]", "Воспитательная система класса").await;
        assert_eq!(browser.texts("[data-testid=profile-tasks] li").await, ["Новая задача на год"]);
        browser.go("members").await;
        let details = browser.details_of("Иванова Мария Петровна").await;
        assert!(details.contains("стаж 11"), "{details}");
    }
    // The year before still shows the стаж it had.
    devices[0].pick("[data-testid=year-picker]", "2026/2027").await;
    let details = eventually("last year's стаж", || async {
        let d = devices[0].details_of("Иванова Мария Петровна").await;
        d.contains("стаж 10").then_some(d)
    })
    .await;
    assert!(details.contains("стаж 10"));
    for browser in devices {
        browser.quit().await;
    }
}

/// The head fills two class teachers' sheets for the II quarter beside
/// what the protocols and the plan already show of them, prints the
/// справка and saves it as DOCX, and the district head sees the school's
/// numbers in the overview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_monitors_the_class_teachers_duties_and_the_district_sees_the_numbers() {
    use shared::plan::{Completion, PlanDoc, PlanFields, PlanMark};
    use shared::protocol::ProtocolFields;
    use shared::record::Edit;
    use shared::{AssociationDoc, MemberFields, YearDoc};

    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let school = school_head.school();
    let year = AcademicYear(2026);
    let mut association = AssociationDoc::create(&school);
    let mut add = |name: &str, class: &str| {
        let values = e2e::teacher(name).with("class_led", class);
        AssociationDoc::edit_member(&mut association, Edit::Add(MemberFields::validate(&values).unwrap()), 1).unwrap()
    };
    let (orlova, petrov) = (add("Орлова Екатерина Сергеевна", "7В"), add("Петров Сергей Иванович", "6Б"));
    let mut year_doc = YearDoc::create(&school, year);
    let meeting = ProtocolFields {
        number: 1,
        date: Date::new(2026, 11, 12).unwrap(),
        chair: None,
        secretary: None,
        attendance: [(orlova.to_string(), true), (petrov.to_string(), false)].into(),
        invited: String::new(),
        theme: "Профилактика буллинга".into(),
        completed: true,
    };
    YearDoc::edit_protocol(&mut year_doc, Edit::Add(meeting), 2).unwrap();
    let mut row =
        PlanFields::validate(&PlanFields::blank().with("topic", "Открытый классный час").with("when", "ноябрь"), year)
            .unwrap();
    row.responsible = Some(orlova);
    let row = YearDoc::edit_plan_row(&mut year_doc, Edit::Add(row), 3).unwrap();
    YearDoc::mark_plan_row(&mut year_doc, row, PlanMark::full(Completion::Done, None, ""), 4).unwrap();
    e2e::push_school(&server, &school_head, association, year, year_doc).await;

    let head = Browser::launch_on_clock(&dir.path().join("head")).await;
    let code = school_head.invite(&server, "school_head", Some(school)).await;
    head.join(&server, &code, "Иванова Мария Петровна").await;
    head.open(&server.url()).await;
    head.go("monitoring").await;
    let card = |name: &str| format!("//li[@data-testid='duty-sheet'][contains(., '{name}')]");
    let orlova_card = head.wait_text("[data-testid=duty-sheet]", "Орлова Екатерина Сергеевна").await;
    assert!(orlova_card.contains("Заседания МО (по протоколам): 1 из 1"), "{orlova_card}");
    assert!(orlova_card.contains("Мероприятия плана МО, выполнено: 1 из 1"), "{orlova_card}");
    assert!(orlova_card.contains("Лист за эту четверть не заполнен"), "{orlova_card}");
    let petrov_card = head.wait_text("[data-testid=duty-sheet]", "Петров Сергей Иванович").await;
    assert!(petrov_card.contains("Заседания МО (по протоколам): 0 из 1"), "{petrov_card}");

    let all_done = [
        ("plan", "done"),
        ("class_hours", "8"),
        ("class_hours_mark", "done"),
        ("parent_meetings", "1"),
        ("parent_meetings_mark", "done"),
        ("risk", "done"),
        ("documentation", "done"),
    ];
    head.click_xpath(&format!("{}//button[@data-testid='fill-sheet']", card("Орлова"))).await;
    head.save("[data-testid=sheet-form]", &all_done).await;
    head.click_xpath(&format!("{}//button[@data-testid='fill-sheet']", card("Петров"))).await;
    let mut partly = all_done.to_vec();
    partly[5] = ("risk", "not_done");
    partly.push(("note", "Составить план работы с семьёй."));
    partly[1] = ("class_hours", "много");
    head.fill("[data-testid=sheet-form]", &partly).await;
    let errors = head.submit("[data-testid=sheet-form]").await;
    assert!(errors.iter().any(|(field, m)| field == "class_hours" && m.contains("Целое число")), "{errors:?}");
    partly[1] = ("class_hours", "7");
    head.save("[data-testid=sheet-form]", &partly).await;
    head.wait_text("[data-testid=monitoring-totals]", "II четверть: проверено 2, все обязанности выполнены у 1 (50 %)")
        .await;
    let marks = head.wait_text("[data-testid=duty-sheet]", "Работа с детьми группы риска: не выполнено").await;
    assert!(marks.contains("Классные часы: выполнено (проведено: 7)"), "{marks}");

    head.click_css("[data-testid=duties-note-print]").await;
    let paper = head.wait_text("[data-testid=print-view]", "СПРАВКА").await;
    for part in [
        "за II четверть 2026/2027 учебного года",
        "Орлова Екатерина Сергеевна",
        "Работа с детьми группы риска: выполнено — 1, выполнено частично — 0, не выполнено — 1.",
        "Все обязанности выполнены у 1 из 2 классных руководителей (50 %).",
        "Петров С. И.: Составить план работы с семьёй.",
    ] {
        assert!(paper.contains(part), "«{part}» in the справка:\n{paper}");
    }
    head.click_css("[data-testid=print-close]").await;
    head.click_css("[data-testid=duties-note-docx]").await;
    let saved =
        head.downloaded("Справка по мониторингу функциональных обязанностей — II четверть 2026-2027.docx").await;
    let body = String::from_utf8(e2e::office::zip_entry(&std::fs::read(&saved).unwrap(), "word/document.xml").unwrap())
        .unwrap();
    assert!(body.contains("Петров Сергей Иванович"));
    head.wait_sync("сохранено на сервере").await;
    head.quit().await;

    // A class teacher reads her sheet and cannot mark it.
    let teacher = Browser::launch_on_clock(&dir.path().join("teacher")).await;
    let code = school_head.invite(&server, "member", Some(school)).await;
    teacher.join(&server, &code, "Орлова Екатерина Сергеевна").await;
    teacher.open(&server.url()).await;
    teacher.go("monitoring").await;
    teacher.wait_text("[data-testid=duty-marks]", "Классные часы: выполнено (проведено: 8)").await;
    assert!(teacher.texts("[data-testid=fill-sheet]").await.is_empty(), "only the head marks the sheets");
    teacher.quit().await;

    let district = Browser::launch_on_clock(&dir.path().join("district")).await;
    let code = district_head.invite(&server, "district_head", None).await;
    district.join(&server, &code, "Петрова Анна Викторовна").await;
    district
        .wait_text(
            "[data-testid=overview-row] [data-testid=monitoring]",
            "II четверть: проверено 2, все обязанности выполнены у 1 (50 %)",
        )
        .await;
    district.quit().await;
}

/// The head's own words in the yearly analysis: typed under a section's
/// figures, kept on the device and the server, there again after a reload,
/// and printed in that section.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heads_words_in_the_yearly_analysis_are_kept_and_printed() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch_on_clock(&dir.path().join("head")).await;
    browser.join_member(&server, &head).await;
    browser.go("report").await;
    let words = "Состав МО стабилен, курсы прошли все.";
    browser.type_into("[data-testid=note-general]", words).await;
    browser.script("document.querySelector('[data-testid=note-general]').blur()").await;

    // On the server: the school's year holds them.
    let id = shared::YearDoc::id_for(&head.school(), AcademicYear::of(clock_day()));
    eventually("the words on the server", || async {
        let year = e2e::peer::Peer::connect(&server, &head).await.fetch(id).await?;
        let year = automerge::AutoCommit::load(&year.save()).ok()?;
        (shared::report::analysis_notes(&year).get("general").map(String::as_str) == Some(words)).then_some(())
    })
    .await;

    browser.reload_page().await;
    eventually("the words after a reload", || async {
        let shown = browser.script("return document.querySelector('[data-testid=note-general]')?.value").await;
        (shown == serde_json::json!(words)).then_some(())
    })
    .await;
    browser.click_css("[data-testid=report-print]").await;
    let sheet = browser.wait_text("[data-testid=print-view]", words).await;
    let (theme, said, staff) =
        (sheet.find("Методическая тема").unwrap(), sheet.find(words).unwrap(), sheet.find("Кадровый состав").unwrap());
    assert!(theme < said && said < staff, "the words close their section:\n{sheet}");
}
