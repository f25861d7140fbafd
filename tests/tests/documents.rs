//! The documents people print and hand in, generated from a realistic year
//! and opened the way their readers open them: each DOCX converted by
//! LibreOffice to PDF and to text, with the expected fields found in the
//! expected order, and the analysis's numbers equal to the records'. Then
//! in the browser: a protocol written in the app, printed from its A4 print
//! view by Chromium to PDF, and saved as DOCX with the server stopped.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use e2e::office::{assert_in_order, convert, pdf_pages, pdf_text};
use e2e::{Browser, Server, exclusive};
use shared::district::DistrictYearDoc;
use shared::fixture::{self, DISTRICT, SCHOOL};
use shared::overview::SchoolSummary;
use shared::paper::Paper;
use shared::papers::analysis::{analysis, district_sections, school_sections};
use shared::papers::plan::{PlanHeader, plan};
use shared::papers::{Letterhead, lists, protocol};
use shared::plan::{Completion, PlanDoc};
use shared::record::{Document, RecordList};
use shared::report::{DistrictReport, YearReport};
use shared::{AssociationDoc, Date, LibraryDoc, YearDoc};
use tempfile::TempDir;

/// Writes `paper` as DOCX in `dir`, converts it to text and PDF; returns
/// (text, pdf path).
fn open_in_office(paper: &Paper, dir: &Path) -> (String, std::path::PathBuf) {
    let docx = dir.join(&paper.file_name);
    std::fs::write(&docx, shared::paper::docx::to_docx(paper).unwrap()).unwrap();
    let txt = convert(&docx, "txt:Text", dir);
    let pdf = convert(&docx, "pdf", dir);
    keep(&docx);
    keep(&pdf);
    (std::fs::read_to_string(txt).unwrap(), pdf)
}

/// Copies `file` to `$MO_KEEP_DOCUMENTS` when set, to look at the documents:
/// `MO_KEEP_DOCUMENTS=/some/dir cargo test -p e2e --test documents`.
fn keep(file: &Path) {
    if let Ok(dir) = std::env::var("MO_KEEP_DOCUMENTS")
        && !dir.is_empty()
    {
        std::fs::copy(file, Path::new(&dir).join(file.file_name().unwrap())).unwrap();
    }
}

#[test]
fn every_document_of_a_year_opens_in_libreoffice_with_its_fields_in_order() {
    let dir = TempDir::new().unwrap();
    let f = fixture::build();
    let a = AssociationDoc::load(&f.association).unwrap();
    let y = YearDoc::load(&f.year).unwrap();
    let l = LibraryDoc::load(&f.library).unwrap();
    let d = DistrictYearDoc::load(&f.district).unwrap();
    let school = Letterhead::school(SCHOOL);

    // A protocol with eighteen present: the count, and the list attached on a page of its own.
    let first = protocol::protocol(&school, &a, y.protocol(f.protocols[0]).unwrap());
    assert_eq!(first.file_name, "Протокол №1 от 02.09.2025.docx");
    let (text, pdf) = open_in_office(&first, dir.path());
    assert_in_order(
        &text,
        &[
            SCHOOL,
            "ПРОТОКОЛ № 1",
            "заседания методического объединения классных руководителей",
            "от 02.09.2025",
            "Председатель: Иванова Мария Петровна",
            "Секретарь: Петрова Анна Викторовна",
            "Всего членов МО: 18, присутствовали: 18",
            "Список присутствовавших прилагается.",
            "Тема: Планирование работы МО на 2025/2026 учебный год",
            "Повестка дня:",
            "СЛУШАЛИ:",
            "ВЫСТУПИЛИ:",
            "РЕШИЛИ:",
            "ПОСТАНОВИЛИ:",
            "Ответственный: Орлова Екатерина Сергеевна. Срок: 02.10.2025.",
            "Председатель ____________________ /Иванова М. П./",
            "Секретарь ____________________ /Петрова А. В./",
            "Приложение к протоколу № 1 от 02.09.2025",
            "Алексеева Галина Васильевна",
        ],
    );
    assert!(pdf_pages(&pdf) >= 2, "the list of those present is on a page of its own");
    assert_in_order(&pdf_text(&pdf), &["ПРОТОКОЛ № 1", "ПОСТАНОВИЛИ:", "Приложение к протоколу № 1"]);

    // Fourteen present: their names in the text.
    let (text, _) = open_in_office(&protocol::protocol(&school, &a, y.protocol(f.protocols[2]).unwrap()), dir.path());
    assert_in_order(&text, &["ПРОТОКОЛ № 3", "присутствовали: 14", "Присутствовали: ", "Отсутствовали: "]);
    assert!(!text.contains("прилагается"));

    let extract = protocol::extract(&school, &a, y.protocol(f.protocols[3]).unwrap());
    let (text, _) = open_in_office(&extract, dir.path());
    assert_in_order(
        &text,
        &[
            "ВЫПИСКА ИЗ ПРОТОКОЛА № 4",
            "от 20.05.2026",
            "ПОСТАНОВИЛИ:",
            "Обновить социальные паспорта классов",
            "Смирнова Ольга Николаевна",
            "19.06.2026",
            "Выписка верна.",
        ],
    );

    let rows = y.plan_rows();
    let header = PlanHeader {
        considered_at: y.protocol(f.protocols[0]),
        theme: y.profile.theme.as_str().to_owned(),
        goal: y.profile.goal.as_str().to_owned(),
        tasks: y.profile.task_list(),
        ..PlanHeader::default()
    };
    let year_plan = plan(&school, y.academic_year(), &header, &rows, |r| a.name_of(r.responsible));
    assert_eq!(year_plan.file_name, "План работы МО на 2025-2026 учебный год.docx");
    let (text, _) = open_in_office(&year_plan, dir.path());
    assert_in_order(
        &text,
        &[
            "РАССМОТРЕНО",
            "протокол № 1 от 02.09.2025",
            "СОГЛАСОВАНО",
            "УТВЕРЖДАЮ",
            "ПЛАН РАБОТЫ",
            "на 2025/2026 учебный год",
            "Методическая тема:",
            "Задачи:",
            "Сроки",
            "Отметка о выполнении",
            "Планирование работы на 2025/2026 учебный год",
            "выполнено",
            "Итоги работы за год",
        ],
    );

    let (text, _) =
        open_in_office(&lists::member_list(&school, &a, y.academic_year(), y.academic_year().last_day()), dir.path());
    assert_in_order(
        &text,
        &[
            "СПИСОК ЧЛЕНОВ",
            "ФИО",
            "Тема самообразования",
            "Алексеева Галина Васильевна",
            "Зайцева Алина Руслановна",
            "Всего членов МО: 18",
        ],
    );

    let regulation = l.regulations.by_id(f.regulation).unwrap();
    let sheet = lists::acknowledgement_sheet(&school, &a, regulation);
    assert_eq!(sheet.file_name, "Лист ознакомления — Положение о методическом объединении классных руководителей.docx");
    let (text, _) = open_in_office(&sheet, dir.path());
    assert_in_order(
        &text,
        &[
            "ЛИСТ ОЗНАКОМЛЕНИЯ",
            "Положение № 12 от 01.09.2025",
            "№",
            "ФИО",
            "Должность",
            "Дата",
            "Подпись",
            "Иванова Мария Петровна",
            "05.09.2025",
        ],
    );

    // The school's analysis: its numbers are the records' numbers.
    let report = YearReport::of(&a, &y, &l);
    let mut notes = std::collections::BTreeMap::new();
    notes.insert("conclusions".to_owned(), "Работа МО признана удовлетворительной.".to_owned());
    let paper = analysis(&school, report.year, &school_sections(&report), &notes, &(&report).into());
    let (text, _) = open_in_office(&paper, dir.path());
    let active_rows = y.plan.active();
    let done = active_rows.iter().filter(|r| r.completion == Completion::Done).count();
    let decisions: Vec<_> = y.protocols.active().into_iter().flat_map(|p| p.decisions.active()).collect();
    let open = decisions.iter().filter(|d| d.status != shared::protocol::DecisionStatus::Done).count();
    assert_in_order(
        &text,
        &[
            "АНАЛИЗ РАБОТЫ",
            &format!("В состав МО входят классных руководителей: {}.", a.members.active().len()),
            &format!("Запланировано заседаний: 4, проведено: {}.", y.protocols.active().len()),
            &format!(
                "В плане работы мероприятий: {}; выполнено: {done} ({}%)",
                active_rows.len(),
                done * 100 / active_rows.len()
            ),
            &format!(
                "В методической копилке материалов: {}, за год добавлено: {}.",
                l.materials.active().len(),
                l.materials_added_in(y.academic_year())
            ),
            &format!(
                "Принято решений: {}, выполнено: {}, не выполнено или в работе: {open}.",
                decisions.len(),
                decisions.len() - open
            ),
            "Выводы",
            "Работа МО признана удовлетворительной.",
            "Задачи на следующий учебный год",
        ],
    );

    // The district's plan and analysis.
    let district = Letterhead::district(DISTRICT);
    let (text, _) = open_in_office(
        &plan(&district, fixture::YEAR, &PlanHeader::default(), &d.plan_rows(), |r| r.responsible_name.clone()),
        dir.path(),
    );
    assert_in_order(
        &text,
        &[
            "ПЛАН РАБОТЫ",
            "районного методического объединения классных руководителей",
            "Семинар «Воспитательный потенциал классного часа»",
            "Петрова А. В.",
            "выполнено",
            "Конференция классных руководителей",
        ],
    );
    let summary = SchoolSummary::of(&a, &y, &Default::default(), &l, Date::new(2026, 6, 1).unwrap());
    let profile = shared::profile::RmoProfile::default();
    let schools = vec![(SCHOOL.to_owned(), summary)];
    let report = DistrictReport::of(&d, &profile, schools, &Default::default(), Date::new(2026, 6, 1).unwrap());
    let paper = analysis(&district, report.year, &district_sections(&report), &Default::default(), &(&report).into());
    let (text, _) = open_in_office(&paper, dir.path());
    assert_in_order(
        &text,
        &[
            "АНАЛИЗ РАБОТЫ",
            "районного методического объединения классных руководителей",
            &format!("классных руководителей в них: {}.", a.members.active().len()),
            "Кадровый состав: у ",
            SCHOOL,
            "Заседаний РМО запланировано:",
            &format!("Проведено мероприятий: {}, участников всего: 67.", d.events.active().len()),
            "Проведено конкурсов: 1, участников: 3, победителей и призёров: 2.",
            "Участие школ в конкурсах:",
            "Орлова Е. С. — победитель",
            "Стабенская СШ",
            "Козлов П. Р. — участник",
            "рекомендации выполнены: 1; срок исполнения прошёл без отметки: 1.",
            "Обновить план воспитательной работы",
            "План обновлён",
            &format!("Проведено консультаций: {}.", d.consultations.active().len()),
        ],
    );

    // The справка of a visit, a district meeting's protocol and the
    // perspective plan open too.
    let visit = d.visit_list()[0];
    let (text, _) =
        open_in_office(&shared::papers::visit::visit_note(&district, visit, None, "Петрова А. В."), dir.path());
    assert_in_order(&text, &["СПРАВКА", "по итогам посещения", "Рекомендации:", "Обновить план воспитательной работы"]);
    let event = d.event_list()[0];
    let meeting = shared::papers::meeting::meeting_protocol(&district, event, 1, "Петрова А. В.");
    let (text, _) = open_in_office(&meeting, dir.path());
    assert_in_order(&text, &["ПРОТОКОЛ № 1", &event.topic, "Повестка дня:", "Руководитель РМО"]);
    let staff = shared::staff::Staff { schools: vec![(SCHOOL.to_owned(), shared::staff::StaffLine::of(&a))] };
    let plan = shared::staff::perspective_plan(&district, &staff, fixture::YEAR, Date::new(2026, 6, 1).unwrap());
    let (text, _) = open_in_office(&plan, dir.path());
    assert_in_order(&text, &["ПЕРСПЕКТИВНЫЙ ПЛАН", "аттестации и курсовой подготовки", SCHOOL]);

    // The справка of a quarter's monitoring of the class teachers' duties.
    use shared::monitoring::{DutySheet, DutySheetFields, Quarter};
    let mut year_doc = f.year.clone();
    let teacher = a.active_members()[0];
    let marks = DutySheetFields::blank().with("plan", "done").with("class_hours", "8").with("risk", "partly");
    let marks = DutySheetFields::validate(&marks.with("note", "Обновить социальный паспорт класса.")).unwrap();
    DutySheet::set(&mut year_doc, teacher.id, Quarter::Second, Some(marks), 1).unwrap();
    let sheets = DutySheet::all(&year_doc);
    let note = shared::papers::monitoring::duties_note(&school, &a, &y, &sheets, Quarter::Second, "Иванова М. П.");
    let (text, _) = open_in_office(&note, dir.path());
    assert_in_order(
        &text,
        &[
            "СПРАВКА",
            "по итогам мониторинга выполнения функциональных обязанностей классными руководителями",
            &teacher.full_name,
            "проведено 8",
            "Работа с детьми группы риска: выполнено — 0, выполнено частично — 1, не выполнено — 0.",
            "Обновить социальный паспорт класса.",
            "Руководитель МО",
        ],
    );
}

/// In the app: a protocol is printed from its A4 view by Chromium (no app
/// chrome on the page) and saved as DOCX with the server down, under its
/// Russian name; LibreOffice reads the saved file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_prints_from_the_app_and_saves_as_docx_offline() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head_code) = server.first_invitations().await;
    let browser = Browser::launch(&dir.path().join("head")).await;
    browser.join(&server, &head_code, "Иванова Мария Петровна").await;
    browser.open(&server.url()).await;
    for m in [
        e2e::NewMember::teacher("Иванова Мария Петровна", "5А"),
        e2e::NewMember::teacher("Петрова Анна Викторовна", "6Б"),
    ] {
        browser.add_member(&m).await;
    }
    browser.go("protocols").await;
    browser.click_css("[data-testid=protocols] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[
                ("theme", "Планирование работы на год"),
                ("chair", "label:Иванова Мария Петровна"),
                ("secretary", "label:Петрова Анна Викторовна"),
            ],
        )
        .await;
    let title = browser.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    let date = title.rsplit(' ').next().unwrap().to_owned();
    browser.wait_sync("сохранено на сервере").await;
    server.stop().await;
    browser.wait_sync("нет связи").await;

    browser.click_css("[data-testid=protocol-print]").await;
    browser.wait_text("[data-testid=print-view]", "ПРОТОКОЛ № 1").await;
    let pdf = dir.path().join("printed.pdf");
    std::fs::write(&pdf, browser.print_pdf().await).unwrap();
    keep(&pdf);
    let printed = pdf_text(&pdf);
    assert_in_order(
        &printed,
        &[
            "ПРОТОКОЛ № 1",
            &format!("от {date}"),
            "Председатель: Иванова Мария Петровна",
            "Всего членов МО: 2, присутствовали: 2",
            "Тема: Планирование работы на год",
            "Секретарь",
        ],
    );
    for chrome in ["Члены МО", "нет связи", "Скачать DOCX", "Закрыть"] {
        assert!(!printed.contains(chrome), "«{chrome}» is app chrome and must not print:\n{printed}");
    }

    browser.click_css("[data-testid=print-docx]").await;
    let saved = browser.downloaded(&format!("Протокол №1 от {date}.docx")).await;
    let txt = convert(&saved, "txt:Text", dir.path());
    assert_in_order(
        &std::fs::read_to_string(txt).unwrap(),
        &["ПРОТОКОЛ № 1", "Председатель: Иванова Мария Петровна", "Тема: Планирование работы на год"],
    );
    browser.quit().await;
}
