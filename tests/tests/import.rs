//! Word documents as schools write them, made here with LibreOffice in
//! varied layouts (plans with columns in any order, merged headers and
//! month sections; protocols in the common styles; member lists), read
//! back by the app's import. The share of fields recognised across the
//! corpus is printed and must be at least 90 %.

#![allow(clippy::unwrap_used)]

use e2e::eventually;
use e2e::office::convert;
use shared::AcademicYear;
use shared::import::{self, Found};
use tempfile::TempDir;
use uuid::Uuid;

const YEAR: AcademicYear = AcademicYear(2025);

const STAFF: [&str; 4] =
    ["Иванова Мария Петровна", "Петров Сергей Иванович", "Орлова Екатерина Сергеевна", "Кузнецова Дарья Игоревна"];

fn staff() -> Vec<(Uuid, String)> {
    STAFF.iter().enumerate().map(|(i, n)| (Uuid::from_u128(i as u128 + 1), (*n).to_owned())).collect()
}

fn id(i: usize) -> String {
    Uuid::from_u128(i as u128 + 1).to_string()
}

/// What a document must yield: per record, (field, value) pairs.
type Expected = Vec<Vec<(&'static str, String)>>;

enum Kind {
    Plan,
    Protocol,
    Members,
}

struct Doc {
    name: &'static str,
    kind: Kind,
    html: String,
    expected: Expected,
}

fn page(body: &str) -> String {
    format!("<html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>")
}

fn table(header: &str, rows: &[Vec<String>]) -> String {
    let rows: String = rows
        .iter()
        .map(|r| format!("<tr>{}</tr>", r.iter().map(|c| format!("<td>{c}</td>")).collect::<String>()))
        .collect();
    format!("<table border=\"1\">{header}{rows}</table>")
}

/// A plan row: topic, form as written, its code, «срок» as written and as
/// the form takes it, the responsible as written and who that is.
struct Row {
    topic: &'static str,
    form: &'static str,
    kind: &'static str,
    when: &'static str,
    due: &'static str,
    who: &'static str,
    member: usize,
}

const ROWS: [Row; 5] = [
    Row {
        topic: "Анализ работы МО за прошлый год",
        form: "Заседание МО",
        kind: "meeting",
        when: "сентябрь",
        due: "сентябрь",
        who: "Иванова М. П.",
        member: 0,
    },
    Row {
        topic: "Профилактика буллинга",
        form: "семинар-практикум",
        kind: "workshop",
        when: "15.10.2025",
        due: "15.10.2025",
        who: "Орлова Е.С.",
        member: 2,
    },
    Row {
        topic: "Классный час «Урок мужества»",
        form: "открытое мероприятие",
        kind: "open_event",
        when: "декабрь",
        due: "декабрь",
        who: "Петров С. И.",
        member: 1,
    },
    Row {
        topic: "Работа с родителями",
        form: "консультация",
        kind: "consultation",
        when: "январь 2026",
        due: "январь",
        who: "Кузнецова Д. И., Иванова М. П.",
        member: 3,
    },
    Row {
        topic: "Итоги года",
        form: "заседание",
        kind: "meeting",
        when: "май",
        due: "май",
        who: "Иванова Мария Петровна",
        member: 0,
    },
];

fn plan_expected() -> Expected {
    ROWS.iter()
        .map(|r| {
            vec![
                ("topic", r.topic.into()),
                ("kind", r.kind.into()),
                ("when", r.due.into()),
                ("responsible", id(r.member)),
            ]
        })
        .collect()
}

fn plans() -> Vec<Doc> {
    let title = "<p align=\"center\"><b>ПЛАН РАБОТЫ</b><br>методического объединения классных руководителей на 2025/2026 учебный год</p>";
    let simple = table(
        "<tr><th>№</th><th>Мероприятие</th><th>Форма проведения</th><th>Сроки</th><th>Ответственный</th></tr>",
        &ROWS
            .iter()
            .enumerate()
            .map(|(i, r)| vec![format!("{}.", i + 1), r.topic.into(), r.form.into(), r.when.into(), r.who.into()])
            .collect::<Vec<_>>(),
    );
    let reordered = table(
        "<tr><td><b>Сроки</b></td><td><b>Тема</b></td><td><b>Ответственные</b></td><td><b>Форма работы</b></td></tr>",
        &ROWS.iter().map(|r| vec![r.when.into(), r.topic.into(), r.who.into(), r.form.into()]).collect::<Vec<_>>(),
    );
    let merged = table(
        "<tr><th rowspan=\"2\">№ п/п</th><th colspan=\"2\">Содержание работы</th><th rowspan=\"2\">Сроки</th><th rowspan=\"2\">Ответственные</th></tr>\
         <tr><th>Тема</th><th>Форма</th></tr>",
        &ROWS
            .iter()
            .enumerate()
            .map(|(i, r)| vec![(i + 1).to_string(), r.topic.into(), r.form.into(), r.when.into(), r.who.into()])
            .collect::<Vec<_>>(),
    );
    let mut sectioned_rows = Vec::new();
    for r in &ROWS {
        let month = r.due;
        if month.contains('.') {
            sectioned_rows.push(vec![r.topic.into(), r.form.into(), r.who.into(), format!("до {}", r.when)]);
            continue;
        }
        sectioned_rows.push(vec![format!("<b>{}</b>", capitalise(month)); 1]);
        sectioned_rows.push(vec![r.topic.into(), r.form.into(), r.who.into(), String::new()]);
    }
    let sectioned = {
        let rows: String = sectioned_rows
            .iter()
            .map(|r| {
                if r.len() == 1 {
                    format!("<tr><td colspan=\"4\">{}</td></tr>", r[0])
                } else {
                    format!("<tr>{}</tr>", r.iter().map(|c| format!("<td>{c}</td>")).collect::<String>())
                }
            })
            .collect();
        format!(
            "<table border=\"1\"><tr><th>Тема заседания</th><th>Вид работы</th><th>Ответственный</th><th>Примечание</th></tr>{rows}</table>"
        )
    };
    let results = table(
        "<tr><th>№</th><th>Наименование мероприятия</th><th>Вид</th><th>Дата проведения</th><th>Исполнители</th><th>Выход (результат)</th></tr>",
        &ROWS
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![(i + 1).to_string(), r.topic.into(), r.form.into(), r.when.into(), r.who.into(), "протокол".into()]
            })
            .collect::<Vec<_>>(),
    );
    let vertical = table(
        "<tr><th>Сроки</th><th>Форма</th><th>Содержание</th><th>Ответственный</th></tr>",
        &ROWS
            .iter()
            .map(|r| {
                vec![
                    r.when.to_uppercase(),
                    r.form.into(),
                    format!("{}<br>(обсуждение, практикум)", r.topic),
                    r.who.into(),
                ]
            })
            .collect::<Vec<_>>(),
    );
    [
        ("plan-simple", simple),
        ("plan-reordered", reordered),
        ("plan-merged", merged),
        ("plan-sections", sectioned),
        ("plan-results", results),
        ("plan-multiline", vertical),
    ]
    .into_iter()
    .map(|(name, t)| Doc { name, kind: Kind::Plan, html: page(&format!("{title}{t}")), expected: plan_expected() })
    .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A protocol's expected header and items.
fn protocol_expected(
    number: u32,
    date: &str,
    theme: Option<&str>,
    present: &[usize],
    items: &[(&str, &str, &str)],
) -> Expected {
    let mut header =
        vec![("number", number.to_string()), ("date", date.to_owned()), ("chair", id(0)), ("secretary", id(2))];
    if let Some(theme) = theme {
        header.push(("theme", theme.to_owned()));
    }
    for i in 0..STAFF.len() {
        header.push(("present", format!("{}={}", id(i), present.contains(&i))));
    }
    let mut all = vec![header];
    all.extend(items.iter().map(|(topic, heard, decided)| {
        vec![("topic", (*topic).to_owned()), ("heard", (*heard).to_owned()), ("decided", (*decided).to_owned())]
    }));
    all
}

const ITEMS: [(&str, &str, &str); 2] = [
    (
        "О профилактике буллинга в классных коллективах",
        "Орлову Е. С., которая рассказала о признаках травли.",
        "Провести классные часы до 1 декабря.",
    ),
    ("Об организации дежурства", "Иванову М. П. о графике дежурства классов.", "Утвердить график дежурства."),
];

fn protocols() -> Vec<Doc> {
    let (t1, h1, d1) = ITEMS[0];
    let (t2, h2, d2) = ITEMS[1];
    let classic = format!(
        "<p align=\"center\">МБОУ СОШ № 1</p><p align=\"center\"><b>ПРОТОКОЛ № 2</b></p><p>от 12.11.2025</p>\
         <p>Председатель: Иванова М. П.</p><p>Секретарь: Орлова Е. С.</p><p>Присутствовали: 4 человека</p>\
         <p><b>Повестка дня:</b></p><ol><li>{t1}</li><li>{t2}</li></ol>\
         <p>1. СЛУШАЛИ: {h1}</p><p>РЕШИЛИ: {d1}</p><p>2. СЛУШАЛИ: {h2}</p><p>РЕШИЛИ: {d2}</p>\
         <p>Председатель ________ Иванова М. П.</p><p>Секретарь ________ Орлова Е. С.</p>"
    );
    let by_question = format!(
        "<p align=\"center\"><b>Протокол № 3</b><br>заседания МО классных руководителей</p><p>«12» ноября 2025 г.</p>\
         <p>Председатель – Иванова Мария Петровна</p><p>Секретарь – Орлова Екатерина Сергеевна</p>\
         <p>Присутствовали: Иванова М. П., Петров С. И., Орлова Е. С.</p><p>Отсутствовали: Кузнецова Д. И.</p>\
         <p>ПОВЕСТКА ДНЯ</p><p>1. {t1}</p><p>2. {t2}</p>\
         <p>По первому вопросу слушали {h1}</p><p>Решили: {d1}</p><p>По второму вопросу слушали {h2}</p><p>Решили: {d2}</p>"
    );
    let postanovili = format!(
        "<p><b>ПРОТОКОЛ № 4</b></p><p>заседания методического объединения от 12 ноября 2025 года</p>\
         <p>Тема заседания: Профилактика правонарушений</p>\
         <p>Председатель: Иванова М.П.</p><p>Секретарь: Орлова Е.С.</p><p>Присутствовали: 4 чел.</p><p>Приглашённые: социальный педагог</p>\
         <p>Повестка дня:</p><ol><li>{t1}</li><li>{t2}</li></ol>\
         <p><b>СЛУШАЛИ:</b></p><p>{h1}</p><p><b>ВЫСТУПИЛИ:</b></p><p>Петров С. И.</p><p><b>ПОСТАНОВИЛИ:</b></p><p>{d1}</p>\
         <p><b>СЛУШАЛИ:</b></p><p>{h2}</p><p><b>ПОСТАНОВИЛИ:</b></p><p>{d2}</p>"
    );
    let header_table = format!(
        "<table><tr><td>МБОУ СОШ № 1<br>МО классных руководителей</td><td>12.11.2025</td></tr></table>\
         <p align=\"center\"><b>ПРОТОКОЛ № 5</b></p><p>Председатель: Иванова М. П.</p><p>Секретарь: Орлова Е. С.</p>\
         <p>Присутствовали: 4 человека (список прилагается)</p><p>Повестка дня:</p><ol><li>{t1}</li><li>{t2}</li></ol>\
         <p>1. Слушали: {h1}</p><p>Решили: {d1}</p><p>2. Слушали: {h2}</p><p>Решили: {d2}</p>"
    );
    let short_date = format!(
        "<p>ПРОТОКОЛ № 6 от 12.11.25 г.</p><p>Председатель: Иванова М. П.</p><p>Секретарь: Орлова Е. С.</p>\
         <p>Присутствовали: Иванова М. П., Орлова Е. С., Кузнецова Д. И.</p>\
         <p>Повестка:</p><p>1. {t1} (докладчик Орлова Е. С.)</p><p>2. {t2} (докладчик Иванова М. П.)</p>\
         <p>По первому вопросу СЛУШАЛИ: {h1}</p><p>РЕШЕНИЕ: {d1}</p><p>По второму вопросу СЛУШАЛИ: {h2}</p><p>РЕШЕНИЕ: {d2}</p>"
    );
    vec![
        Doc {
            name: "protocol-classic",
            kind: Kind::Protocol,
            html: page(&classic),
            expected: protocol_expected(2, "12.11.2025", None, &[0, 1, 2, 3], &ITEMS),
        },
        Doc {
            name: "protocol-by-question",
            kind: Kind::Protocol,
            html: page(&by_question),
            expected: protocol_expected(3, "12.11.2025", None, &[0, 1, 2], &ITEMS),
        },
        Doc {
            name: "protocol-postanovili",
            kind: Kind::Protocol,
            html: page(&postanovili),
            expected: protocol_expected(4, "12.11.2025", Some("Профилактика правонарушений"), &[0, 1, 2, 3], &ITEMS),
        },
        Doc {
            name: "protocol-header-table",
            kind: Kind::Protocol,
            html: page(&header_table),
            expected: protocol_expected(5, "12.11.2025", None, &[0, 1, 2, 3], &ITEMS),
        },
        Doc {
            name: "protocol-short-date",
            kind: Kind::Protocol,
            html: page(&short_date),
            expected: protocol_expected(6, "12.11.2025", None, &[0, 2, 3], &ITEMS),
        },
    ]
}

/// A member as a list writes her, and as the form takes it.
const PEOPLE: [[&str; 7]; 3] = [
    ["Иванова Мария Петровна", "учитель начальных классов", "3А", "высшее педагогическое", "высшая", "22", "2024"],
    [
        "Петров Сергей Иванович",
        "учитель истории",
        "7Б",
        "среднее профессиональное педагогическое",
        "первая",
        "5",
        "2023",
    ],
    [
        "Орлова Екатерина Сергеевна",
        "учитель русского языка",
        "9В",
        "высшее",
        "соответствие занимаемой должности",
        "12",
        "2025",
    ],
];

fn member_expected(with_courses: bool) -> Expected {
    PEOPLE
        .iter()
        .map(|p| {
            let mut f = vec![
                ("full_name", p[0].into()),
                ("position", p[1].into()),
                ("class_led", p[2].into()),
                ("education", code_of_education(p[3]).into()),
                ("category", code_of_category(p[4]).into()),
                ("experience_years", p[5].into()),
            ];
            if with_courses {
                f.push(("course_year", p[6].into()));
            }
            f
        })
        .collect()
}

fn code_of_education(text: &str) -> &'static str {
    match text {
        "высшее педагогическое" => "higher_pedagogical",
        "высшее" => "higher",
        _ => "secondary_pedagogical",
    }
}

fn code_of_category(text: &str) -> &'static str {
    match text {
        "высшая" => "highest",
        "первая" => "first",
        _ => "conformity",
    }
}

fn member_lists() -> Vec<Doc> {
    let full = table(
        "<tr><th>№</th><th>ФИО</th><th>Должность</th><th>Класс</th><th>Образование</th><th>Категория</th><th>Стаж</th><th>Курсы повышения квалификации</th></tr>",
        &PEOPLE
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    (i + 1).to_string(),
                    p[0].into(),
                    p[1].into(),
                    p[2].into(),
                    p[3].into(),
                    p[4].into(),
                    format!("{} лет", p[5]),
                    format!("{}, «ФГОС», 72 ч", p[6]),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let reordered = table(
        "<tr><td><b>Ф.И.О. педагога</b></td><td><b>Кл. руководитель</b></td><td><b>Предмет</b></td><td><b>Пед. стаж</b></td><td><b>Кв. категория</b></td><td><b>Образование</b></td></tr>",
        &PEOPLE
            .iter()
            .map(|p| vec![p[0].into(), p[2].into(), p[1].into(), p[5].into(), p[4].into(), p[3].into()])
            .collect::<Vec<_>>(),
    );
    let merged = table(
        "<tr><th rowspan=\"2\">Фамилия, имя, отчество</th><th rowspan=\"2\">Должность</th><th rowspan=\"2\">Класс</th><th rowspan=\"2\">Образование</th>\
         <th rowspan=\"2\">Категория</th><th rowspan=\"2\">Стаж</th><th colspan=\"2\">Курсы повышения квалификации</th></tr><tr><th>год</th><th>тема</th></tr>",
        &PEOPLE
            .iter()
            .map(|p| {
                vec![
                    p[0].into(),
                    p[1].into(),
                    p[2].into(),
                    p[3].into(),
                    p[4].into(),
                    p[5].into(),
                    p[6].into(),
                    "ФГОС ООО".into(),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let mut minimal_expected = member_expected(false);
    for f in &mut minimal_expected {
        f.retain(|(k, _)| matches!(*k, "full_name" | "position" | "experience_years" | "category"));
    }
    let minimal = table(
        "<tr><th>ФИО</th><th>Должность</th><th>Стаж работы</th><th>Категория</th></tr>",
        &PEOPLE.iter().map(|p| vec![p[0].into(), p[1].into(), format!("{} г.", p[5]), p[4].into()]).collect::<Vec<_>>(),
    );
    let title = "<p align=\"center\"><b>Список членов МО классных руководителей</b></p>";
    vec![
        Doc {
            name: "members-full",
            kind: Kind::Members,
            html: page(&format!("{title}{full}")),
            expected: member_expected(true),
        },
        Doc {
            name: "members-reordered",
            kind: Kind::Members,
            html: page(&format!("{title}{reordered}")),
            expected: member_expected(false),
        },
        Doc {
            name: "members-merged",
            kind: Kind::Members,
            html: page(&format!("{title}{merged}")),
            expected: member_expected(true),
        },
        Doc {
            name: "members-minimal",
            kind: Kind::Members,
            html: page(&format!("{title}{minimal}")),
            expected: minimal_expected,
        },
    ]
}

/// The records found in a document, as (field, value) pairs each, for
/// comparing with what was expected.
fn found(kind: &Kind, docx: &[u8]) -> Vec<Vec<(String, String)>> {
    let blocks = import::read(docx).unwrap();
    let people = staff();
    let pairs = |f: &Found| f.values.pairs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>();
    match kind {
        Kind::Plan => import::plan_rows(&blocks, YEAR, &people).iter().map(pairs).collect(),
        Kind::Members => import::members(&blocks).iter().map(pairs).collect(),
        Kind::Protocol => {
            let Some(p) = import::protocol(&blocks, YEAR, &people) else { return Vec::new() };
            let mut header = pairs(&p.header);
            for (id, _) in &people {
                let here = p.header.values.get(&format!("present:{id}")) == "true";
                header.push(("present".into(), format!("{id}={here}")));
            }
            let mut all = vec![header];
            all.extend(p.items.iter().map(pairs));
            all
        }
    }
}

/// How many of the expected fields were found with their value.
fn score(expected: &Expected, got: &[Vec<(String, String)>], report: &mut String, name: &str) -> (usize, usize) {
    let mut right = 0;
    let mut total = 0;
    for (k, record) in expected.iter().enumerate() {
        for (field, value) in record {
            total += 1;
            let found = got.get(k).is_some_and(|g| g.iter().any(|(f, v)| f == field && v.trim() == value.trim()));
            if found {
                right += 1;
            } else {
                let seen = got.get(k).and_then(|g| g.iter().find(|(f, _)| f == field)).map(|(_, v)| v.as_str());
                report.push_str(&format!("  {name} #{k} {field}: expected «{value}», found {seen:?}\n"));
            }
        }
    }
    (right, total)
}

#[test]
fn documents_made_in_libreoffice_are_recognised_to_at_least_ninety_percent_of_their_fields() {
    let dir = TempDir::new().unwrap();
    let corpus: Vec<Doc> = plans().into_iter().chain(protocols()).chain(member_lists()).collect();
    assert!(corpus.len() >= 15, "a corpus of at least 15 documents");
    let (mut right, mut total) = (0, 0);
    let mut report = String::new();
    for doc in &corpus {
        let html = dir.path().join(format!("{}.html", doc.name));
        std::fs::write(&html, &doc.html).unwrap();
        let docx = convert(&html, "docx:MS Word 2007 XML", dir.path());
        let (r, t) = score(&doc.expected, &found(&doc.kind, &std::fs::read(&docx).unwrap()), &mut report, doc.name);
        println!("{:<24} {r:>3} of {t:>3} fields", doc.name);
        right += r;
        total += t;
    }
    let share = right as f64 * 100.0 / total as f64;
    println!("recognised {right} of {total} fields: {share:.1} %\n{report}");
    assert!(share >= 90.0, "recognised {share:.1} % of fields, below 90 %:\n{report}");
}

/// In the browser: a protocol and a member list from Word, each record
/// checked on its form beside the text it came from, one corrected, one
/// skipped; a `.doc` renamed `.docx` gets a message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_brings_in_a_protocol_and_a_member_list_from_word_checking_each_record() {
    use e2e::{Browser, Server, exclusive};
    use shared::YearDoc;

    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let school = school_head.school();
    let year = AcademicYear(2026);
    let association = e2e::association_with(&school, &STAFF[..3]);
    e2e::push_school(&server, &school_head, association, year, YearDoc::create(&school, year)).await;

    let word = |name: &str, html: &str| {
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, page(html)).unwrap();
        convert(&path, "docx:MS Word 2007 XML", dir.path())
    };
    let (t1, h1, d1) = ITEMS[0];
    let (t2, h2, d2) = ITEMS[1];
    let protocol = word(
        "protocol",
        &format!(
            "<p><b>ПРОТОКОЛ № 2</b></p><p>от «12» ноября 2026 г.</p><p>Председатель: Иванова М. П.</p>\
             <p>Секретарь: Орлова Е. С.</p><p>Присутствовали: Иванова М. П., Орлова Е. С.</p>\
             <p>Повестка дня:</p><ol><li>{t1}</li><li>{t2}</li></ol>\
             <p>1. СЛУШАЛИ: {h1}</p><p>РЕШИЛИ: {d1}</p><p>2. СЛУШАЛИ: {h2}</p><p>РЕШИЛИ: {d2}</p>"
        ),
    );

    let head = Browser::launch_on_clock(&dir.path().join("head")).await;
    let code = school_head.invite(&server, "school_head", Some(school)).await;
    head.join(&server, &code, "Иванова Мария Петровна").await;
    head.open(&server.url()).await;
    head.go("protocols").await;
    head.type_into("[data-testid=import-docx]", protocol.to_str().unwrap()).await;
    let source = head.wait_text("[data-testid=import-source]", "ПРОТОКОЛ № 2").await;
    assert!(source.contains("Председатель: Иванова М. П."), "{source}");
    let missing = head.wait_text("[data-testid=import-missing]", "Не распознано").await;
    assert!(missing.contains("Тема заседания"), "the theme was not in the document: {missing}");
    let value = |field: &str| {
        let head = &head;
        let field = field.to_owned();
        async move {
            head.script(&format!("return document.querySelector('[data-testid=import-form] [name=\"{field}\"]').value"))
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    assert_eq!((value("number").await, value("date").await), ("2".to_owned(), "12.11.2026".to_owned()));
    let agenda = head.texts("[data-testid=import-item]").await;
    assert_eq!(agenda.len(), 2, "{agenda:?}");
    assert!(agenda[0].contains(t1) && agenda[0].contains(d1), "{agenda:?}");
    // She adds the theme the document lacked, and saves.
    head.save("[data-testid=import-form]", &[("theme", "Профилактика буллинга")]).await;
    let title = head.wait_text("[data-testid=protocol-title]", "Протокол № 2").await;
    assert!(title.contains("12.11.2026"), "{title}");
    head.wait_text("[data-testid=protocol-theme]", "Профилактика буллинга").await;
    head.wait_text("[data-testid=protocol-attendance]", "Присутствовали: 2 из 3").await;
    head.wait_text("[data-testid=agenda-topic]", t2).await;

    // A member list: one saved as read, one skipped, one corrected.
    let list = word(
        "members",
        &table(
            "<tr><th>№</th><th>ФИО</th><th>Должность</th><th>Класс</th><th>Образование</th><th>Категория</th><th>Стаж</th></tr>",
            &[
                vec![
                    "1".into(),
                    "Кузнецова Дарья Игоревна".into(),
                    "учитель математики".into(),
                    "5А".into(),
                    "высшее педагогическое".into(),
                    "первая".into(),
                    "4".into(),
                ],
                vec![
                    "2".into(),
                    "Смирнов Олег Петрович".into(),
                    "учитель физики".into(),
                    "".into(),
                    "высшее".into(),
                    "высшая".into(),
                    "30".into(),
                ],
                vec![
                    "3".into(),
                    "Волкова Нина Андреевна".into(),
                    "учитель биологии".into(),
                    "8В".into(),
                    "высшее".into(),
                    "".into(),
                    "сорок".into(),
                ],
            ],
        ),
    );
    head.go("members").await;
    head.type_into("[data-testid=import-docx]", list.to_str().unwrap()).await;
    eventually("three records to check", || async {
        (head.texts("[data-testid=import-record]").await.len() == 3).then_some(())
    })
    .await;
    head.click_css("[data-testid=import-record]:nth-of-type(1) [data-testid=save]").await;
    eventually("the first saved", || async {
        (head.texts("[data-testid=import-record]").await.len() == 2).then_some(())
    })
    .await;
    head.click_xpath("//div[@data-testid='import-record'][contains(., 'Смирнов')]//button[.='Отмена']").await;
    eventually("the second skipped", || async {
        (head.texts("[data-testid=import-record]").await.len() == 1).then_some(())
    })
    .await;
    let last = head.texts("[data-testid=import-missing]").await.join(" ");
    assert!(last.contains("Педагогический стаж") && last.contains("Квалификационная категория"), "{last}");
    let errors = head.submit("[data-testid=import-form]").await;
    assert!(errors.iter().any(|(f, _)| f == "experience_years"), "«сорок» is not a number: {errors:?}");
    head.save("[data-testid=import-form]", &[("experience_years", "40"), ("category", "highest")]).await;
    let names = eventually("the two saved on the list", || async {
        let names = head.member_names().await;
        let saved = ["Кузнецова Дарья Игоревна", "Волкова Нина Андреевна"];
        saved.iter().all(|s| names.iter().any(|n| n == s)).then_some(names)
    })
    .await;
    assert_eq!(names.len(), 5, "three who were there, two saved, the skipped one not: {names:?}");

    // An old .doc under a new name.
    let old = dir.path().join("old.docx");
    std::fs::write(&old, [&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1][..], &[0; 512]].concat()).unwrap();
    head.type_into("[data-testid=import-docx]", old.to_str().unwrap()).await;
    head.wait_text("[data-testid=import-error]", "старого формата (.doc)").await;
    // 50 MB: refused before it is read.
    let huge = dir.path().join("huge.docx");
    std::fs::write(&huge, [b"PK\x03\x04".to_vec(), vec![0; 50 * 1024 * 1024]].concat()).unwrap();
    head.type_into("[data-testid=import-docx]", huge.to_str().unwrap()).await;
    head.wait_text("[data-testid=import-error]", "Файл слишком большой (50 МБ)").await;
    // A letter with no table in it, for a member list.
    let letter = word("letter", "<p>Уважаемые коллеги!</p><p>Приглашаем на семинар.</p>");
    head.type_into("[data-testid=import-docx]", letter.to_str().unwrap()).await;
    head.wait_text("[data-testid=import-error]", "не найдена таблица").await;
    assert!(head.texts("[data-testid=import-record]").await.is_empty());
}
