//! Recognition on documents written as schools write them.

use super::*;

fn para(text: &str) -> Block {
    Block::Para { text: text.into(), numbered: false }
}

fn item(text: &str) -> Block {
    Block::Para { text: text.into(), numbered: true }
}

fn table(rows: &[&[&str]]) -> Block {
    Block::Table(rows.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect())
}

fn staff() -> Vec<(Uuid, String)> {
    ["Иванова Мария Петровна", "Петров Сергей Иванович", "Орлова Екатерина Сергеевна"]
        .iter()
        .map(|n| (Uuid::new_v4(), (*n).to_owned()))
        .collect()
}

const YEAR: AcademicYear = AcademicYear(2025);

#[test]
fn a_plan_table_is_read_in_any_column_order_with_sections_and_merged_headers() {
    let people = staff();
    let blocks = [
        para("План работы МО классных руководителей на 2025/2026 учебный год"),
        table(&[
            &["№ п/п", "Содержание работы", "Содержание работы", "Сроки", "Ответственные"],
            &["№ п/п", "Тема", "Форма проведения", "Сроки", "Ответственные"],
            &["Сентябрь", "Сентябрь", "Сентябрь", "Сентябрь", "Сентябрь"],
            &["1", "Анализ работы за прошлый год", "заседание МО", "", "Иванова М. П."],
            &[
                "2",
                "Профилактика буллинга\nвопросы для обсуждения",
                "семинар-практикум",
                "15.10.2025",
                "Петров С. И., Орлова Е. С.",
            ],
            &["3", "Методическая неделя", "", "в течение года", "все"],
        ]),
    ];
    let rows = plan_rows(&blocks, YEAR, &people);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].values.get("topic"), "Анализ работы за прошлый год");
    assert_eq!(rows[0].values.get("kind"), "meeting");
    assert_eq!(rows[0].values.get("when"), "сентябрь", "the section's month");
    assert_eq!(rows[0].values.get("responsible"), people[0].0.to_string());
    assert_eq!(rows[1].values.get("kind"), "workshop");
    assert_eq!(rows[1].values.get("when"), "15.10.2025");
    assert_eq!(rows[1].values.get("content"), "вопросы для обсуждения");
    assert_eq!(rows[1].values.get("responsible"), people[1].0.to_string(), "the first named");
    assert!(
        rows[2].missing.iter().any(|m| m == "kind") && rows[2].missing.iter().any(|m| m == "responsible"),
        "{:?}",
        rows[2]
    );
    assert_eq!(rows[2].values.get("responsible_name"), "все", "kept for the person to see");
}

#[test]
fn a_member_list_fills_member_forms_that_pass_their_checks() {
    let blocks = [table(&[
        &["№", "Ф.И.О.", "Должность", "Кл. руководитель", "Образование", "Категория", "Пед. стаж", "Курсы ПК"],
        &[
            "1",
            "Иванова Мария Петровна",
            "учитель начальных классов",
            "3А",
            "высшее педагогическое",
            "высшая",
            "22 года",
            "2024, «ФГОС НОО», 72 ч",
        ],
        &["2", "Петров  Сергей Иванович", "учитель истории", "7 Б", "среднее специальное (пед.)", "первая", "5", ""],
    ])];
    let found = members(&blocks);
    assert_eq!(found.len(), 2);
    let first = crate::MemberFields::validate(&crate::MemberFields::blank().tap(&found[0].values)).unwrap();
    assert_eq!(first.full_name, "Иванова Мария Петровна");
    assert_eq!(
        (first.class_led.as_str(), first.education, first.category),
        ("3А", Education::HigherPedagogical, Category::Highest)
    );
    assert_eq!((first.experience_years, first.course_year), (22, Some(2024)));
    let second = crate::MemberFields::validate(&crate::MemberFields::blank().tap(&found[1].values)).unwrap();
    assert_eq!((second.full_name.as_str(), second.class_led.as_str()), ("Петров Сергей Иванович", "7Б"));
    assert_eq!(second.education, Education::SecondaryPedagogical);
    assert!(found[1].missing.iter().any(|m| m == "course_year"));
}

#[test]
fn a_protocol_is_read_with_its_agenda_and_each_questions_parts() {
    let people = staff();
    let blocks = [
        para("МБОУ СОШ № 1"),
        para("ПРОТОКОЛ № 2"),
        para("заседания методического объединения классных руководителей"),
        para("от «12» ноября 2025 г."),
        para("Председатель: Иванова М. П."),
        para("Секретарь: Орлова Е. С."),
        para("Присутствовали: Иванова М. П., Орлова Е. С."),
        para("Отсутствовали: Петров С. И."),
        para("Тема: Профилактика буллинга в классном коллективе"),
        para("Повестка дня:"),
        item("О профилактике буллинга (докладчик Орлова Е. С.)"),
        item("Разное"),
        para("По первому вопросу слушали Орлову Е. С., которая рассказала о признаках травли."),
        para("Выступили: Иванова М. П."),
        para("Решили: провести классные часы до 1 декабря."),
        para("2. СЛУШАЛИ:"),
        para("Иванову М. П. о графике дежурств."),
        para("ПОСТАНОВИЛИ: утвердить график."),
        para("Председатель _______ Иванова М. П."),
    ];
    let p = protocol(&blocks, YEAR, &people).unwrap();
    let h = &p.header.values;
    assert_eq!((h.get("number"), h.get("date")), ("2", "12.11.2025"));
    assert_eq!(h.get("chair"), people[0].0.to_string());
    assert_eq!(h.get("secretary"), people[2].0.to_string());
    assert_eq!(h.get("theme"), "Профилактика буллинга в классном коллективе");
    assert_eq!(h.get(&format!("present:{}", people[0].0)), "true");
    assert_eq!(h.get(&format!("present:{}", people[1].0)), "false");
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[0].values.get("topic"), "О профилактике буллинга");
    assert_eq!(p.items[0].values.get("speaker"), "Орлова Е. С.");
    assert!(p.items[0].values.get("heard").starts_with("Орлову Е. С., которая"), "{:?}", p.items[0]);
    assert_eq!(p.items[0].values.get("spoke"), "Иванова М. П.");
    assert_eq!(p.items[0].values.get("decided"), "провести классные часы до 1 декабря.");
    assert_eq!(p.items[1].values.get("heard"), "Иванову М. П. о графике дежурств.");
    assert_eq!(p.items[1].values.get("decided"), "утвердить график.");
}

#[test]
fn a_request_and_what_it_finds_cross_to_the_docx_worker_and_back_whole() {
    // The page and the DOCX worker exchange them as `shared::link` encodes
    // messages (app/src/print.rs, app/src/bin/engine.rs).
    let request = Request { what: What::Protocol, year: YEAR, members: staff() };
    let blocks = [
        para("ПРОТОКОЛ № 3"),
        para("от 12.11.25 г."),
        para("Повестка дня:"),
        item("О планировании классных часов (докладчик Петров С. И.)"),
        para("1. СЛУШАЛИ: Петрова С. И."),
        para("ПОСТАНОВИЛИ: принять план."),
    ];
    let sent: Request = crate::link::decode(&crate::link::encode(&request)).unwrap();
    assert_eq!((sent.what, sent.year, &sent.members), (request.what, request.year, &request.members));
    let found = recognise(&sent, &blocks);
    let back: Vec<(Found, Vec<Found>)> = crate::link::decode(&crate::link::encode(&found)).unwrap();
    // What the import's screen shows, as the page gets it back.
    let [(header, items)] = &back[..] else { panic!("one protocol, got {back:?}") };
    assert_eq!((header.values.get("number"), header.values.get("date")), ("3", "12.11.2025"));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].values.get("topic"), "О планировании классных часов");
    assert_eq!(items[0].values.get("decided"), "принять план.");
    assert_eq!(back, found);
}

#[test]
fn dates_are_read_in_the_forms_people_write_them() {
    let day = Date::new(2025, 11, 12).unwrap();
    for text in ["12.11.2025", "от 12.11.25 г.", "«12» ноября 2025 г.", "12 ноября 2025 года", "Дата: 12/11/2025"]
    {
        assert_eq!(find_date(text), Some(day), "{text}");
    }
    assert_eq!(find_date("протокол № 2"), None);
}

trait Tap {
    fn tap(self, found: &Values) -> Values;
}

impl Tap for Values {
    /// These values with every value `found` set over them.
    fn tap(mut self, found: &Values) -> Values {
        for (k, v) in found.pairs() {
            self.set(k, v);
        }
        self
    }
}

/// The app's own papers (the member list, the plan, a protocol) read back
/// give the records they were made from.
#[test]
fn what_the_app_exports_imports_back_to_equal_records() {
    use crate::paper::docx::to_docx;
    use crate::papers::Letterhead;
    use crate::plan::PlanDoc;
    use crate::record::{Document, Record};
    use crate::{AssociationDoc, YearDoc};

    let f = crate::fixture::build();
    let association = AssociationDoc::load(&f.association).unwrap();
    let year_doc = YearDoc::load(&f.year).unwrap();
    let year = year_doc.academic_year();
    let head = Letterhead::school("МБОУ СОШ № 1");
    let people: Vec<(Uuid, String)> =
        association.active_members().iter().map(|m| (m.id, m.full_name.clone())).collect();
    let blocks = |paper: &crate::paper::Paper| read(&to_docx(paper).unwrap()).unwrap();

    // The member list.
    let list = crate::papers::lists::member_list(&head, &association, year, Date::new(2025, 11, 20).unwrap());
    let found = members(&blocks(&list));
    let listed = association.active_members();
    assert_eq!(found.len(), listed.len(), "{found:#?}");
    for (m, f) in listed.iter().zip(&found) {
        let read = crate::MemberFields::validate(&crate::MemberFields::blank().tap(&f.values))
            .unwrap_or_else(|e| panic!("{e:?} in {f:#?}"));
        let kept = m.fields();
        let experience = m.experience_in(year);
        assert_eq!(
            (&read.full_name, &read.position, &read.class_led, read.education, read.category, read.experience_years),
            (&kept.full_name, &kept.position, &kept.class_led, kept.education, kept.category, experience),
            "{f:#?}"
        );
    }

    // The plan.
    let rows = year_doc.plan_rows();
    let plan =
        crate::papers::plan::plan(&head, year, &Default::default(), &rows, |r| association.name_of(r.responsible));
    let found = plan_rows(&blocks(&plan), year, &people);
    assert_eq!(found.len(), rows.len(), "{found:#?}");
    for (r, f) in rows.iter().zip(&found) {
        let read = crate::plan::PlanFields::validate(&crate::plan::PlanFields::blank().tap(&f.values), year).unwrap();
        assert_eq!(
            (&read.topic, read.kind, read.when, read.responsible),
            (&r.topic, r.kind, r.when, r.responsible),
            "{f:#?}"
        );
    }

    // A protocol.
    let p = year_doc.protocol_list()[0];
    let paper = crate::papers::protocol::protocol(&head, &association, p);
    let found = protocol(&blocks(&paper), year, &people).unwrap();
    let header = &found.header.values;
    assert_eq!(
        (header.get("number"), header.get("date")),
        (p.number.to_string().as_str(), p.date.to_string().as_str())
    );
    assert_eq!(header.get("chair"), p.chair.map(|c| c.to_string()).unwrap_or_default());
    assert_eq!(header.get("secretary"), p.secretary.map(|c| c.to_string()).unwrap_or_default());
    for id in p.roster() {
        let here = p.present().contains(&id);
        assert_eq!(header.get(&format!("present:{id}")), here.to_string(), "{found:#?}");
    }
    let items = p.agenda_items();
    assert_eq!(found.items.len(), items.len(), "{found:#?}");
    for (item, f) in items.iter().zip(&found.items) {
        assert_eq!(f.values.get("topic"), item.topic.as_str().trim(), "{f:#?}");
        assert_eq!(f.values.get("heard"), item.heard.as_str().trim(), "{f:#?}");
        assert_eq!(f.values.get("decided"), item.decided.as_str().trim(), "{f:#?}");
    }
}
