//! Last years' Word documents read back into records: a plan table, a
//! protocol, a member list. Each recognised record is a filled form (the
//! record kind's [`Values`], checked by its field table when saved) beside
//! the text it came from, with the fields that were found, so the person
//! checks, corrects or skips it before anything is written.

pub mod docx;

use uuid::Uuid;

use crate::date::{AcademicYear, Date, month_number};
use crate::form::Values;
use crate::member::{Category, Education};
use crate::plan::WorkKind;
use crate::text::fold;

pub use docx::{Block, read};

/// A record found in a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Found {
    /// The form filled with what was recognised.
    pub values: Values,
    /// The text it came from (a table row's cells, a protocol's lines).
    pub source: String,
    /// The fields recognised, by name.
    pub recognised: Vec<String>,
    /// The fields expected but not found, by name.
    pub missing: Vec<String>,
}

/// What is looked for in a document: the app asks the DOCX worker, which
/// reads the file and recognises its records there, so the screens carry
/// neither the reading nor the recognising.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Request {
    /// What kind of record.
    pub what: What,
    /// The academic year the dates belong to.
    pub year: AcademicYear,
    /// The members as (id, ФИО), for the names the document mentions.
    pub members: Vec<(Uuid, String)>,
}

/// A kind of record to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum What {
    /// Members, from a member list's table.
    Members,
    /// Plan rows, from a plan's table.
    Plan,
    /// One protocol with its agenda.
    Protocol,
}

/// The records `request` asks for, found in `blocks`, each with its
/// agenda items (a protocol's; none for the others).
pub fn recognise(request: &Request, blocks: &[Block]) -> Vec<(Found, Vec<Found>)> {
    let (year, members) = (request.year, &request.members);
    match request.what {
        What::Members => self::members(blocks).into_iter().map(|f| (f, Vec::new())).collect(),
        What::Plan => plan_rows(blocks, year, members).into_iter().map(|f| (f, Vec::new())).collect(),
        What::Protocol => protocol(blocks, year, members).map(|p| (p.header, p.items)).into_iter().collect(),
    }
}

impl Found {
    fn new(source: String) -> Self {
        Self { values: Values::default(), source, recognised: Vec::new(), missing: Vec::new() }
    }

    /// Sets `field` when `value` was found, else notes it missing.
    fn set(&mut self, field: &'static str, value: Option<String>) {
        match value.filter(|v| !v.trim().is_empty()) {
            Some(v) => {
                self.values.set(field, v);
                self.recognised.push(field.to_owned());
            }
            None => self.missing.push(field.to_owned()),
        }
    }
}

/// Lower case, ё as е, single spaces.
fn norm(s: &str) -> String {
    fold(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The member of the list whose name `text` mentions first: by surname
/// and initials («Иванова М. П.»), or whole.
pub fn member_named(text: &str, members: &[(Uuid, String)]) -> Option<Uuid> {
    let said = norm(text);
    let words: Vec<&str> = said.split(|c: char| !c.is_alphabetic() && c != '-').filter(|w| !w.is_empty()).collect();
    members
        .iter()
        .filter_map(|(id, name)| {
            let name = norm(name);
            let parts: Vec<&str> = name.split(' ').collect();
            let surname = *parts.first()?;
            let at = words.iter().position(|w| *w == surname)?;
            // The next word is the first name or its initial.
            let first_name = parts.get(1);
            let next = words.get(at + 1);
            let fits = match (first_name, next) {
                (Some(first), Some(next)) => first == next || first.starts_with(next) && next.chars().count() == 1,
                _ => true,
            };
            fits.then_some((at, *id))
        })
        .min_by_key(|(at, _)| *at)
        .map(|(_, id)| id)
}

/// Which column of a table holds what, from its header's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Topic,
    Kind,
    When,
    Responsible,
    Result,
    Name,
    Position,
    Class,
    Education,
    Category,
    Experience,
    Courses,
    SelfEducation,
}

const PLAN_HEADERS: &[(Column, &[&str])] = &[
    (Column::Number, &["№", "n п/п", "п/п", "номер"]),
    (Column::Kind, &["форма", "вид"]),
    (Column::When, &["срок", "дата", "когда", "время"]),
    (Column::Responsible, &["ответствен", "исполнител", "проводит"]),
    (Column::Result, &["результат", "выход", "продукт"]),
    (Column::Topic, &["мероприят", "тема", "содержание", "наименование", "вопрос"]),
];

const MEMBER_HEADERS: &[(Column, &[&str])] = &[
    (Column::SelfEducation, &["самообраз"]),
    (Column::Number, &["№", "п/п"]),
    (Column::Name, &["фио", "ф.и.о", "фамилия"]),
    (Column::Position, &["должность", "предмет"]),
    (Column::Class, &["класс", "кл."]),
    (Column::Education, &["образование"]),
    (Column::Category, &["категори"]),
    (Column::Experience, &["стаж"]),
    (Column::Courses, &["курс", "повышени"]),
];

/// The columns of `table` by its header (the first rows with header
/// words), and how many header rows there are.
fn columns(table: &[Vec<String>], headers: &[(Column, &[&str])]) -> (Vec<Option<Column>>, usize) {
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    let mut found = vec![None; width];
    let mut rows = 0;
    for row in table.iter().take(3) {
        let named: Vec<Option<Column>> = row
            .iter()
            .map(|cell| {
                let text = norm(cell);
                headers.iter().find(|(_, words)| words.iter().any(|w| text.contains(w))).map(|(c, _)| *c)
            })
            .collect();
        // A header row is mostly header words; a data row («учитель
        // начальных классов») may hold one by chance.
        let filled = row.iter().filter(|c| !c.trim().is_empty()).count();
        let matched = named.iter().flatten().count();
        if matched == 0 || matched * 2 <= filled {
            break;
        }
        for (i, column) in named.into_iter().enumerate() {
            // A merged header names the columns it spans; the row below
            // says which is which.
            if column.is_some() && (found[i].is_none() || rows > 0) {
                found[i] = column;
            }
        }
        rows += 1;
    }
    (found, rows)
}

fn cell(row: &[String], columns: &[Option<Column>], wanted: Column) -> Option<String> {
    let texts: Vec<&str> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == Some(wanted))
        .filter_map(|(i, _)| row.get(i).map(|s| s.trim()))
        .filter(|s| !s.is_empty())
        .collect();
    let mut unique: Vec<&str> = Vec::new();
    for t in texts {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    (!unique.is_empty()).then(|| unique.join(" "))
}

/// A row that only heads a section («Сентябрь», «I. Организационная
/// работа»): one text across the row.
fn section(row: &[String]) -> Option<String> {
    let mut texts: Vec<&str> = row.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    texts.dedup();
    (texts.len() == 1 && row.len() > 1).then(|| texts[0].to_owned())
}

/// A plan's «срок» as the form takes it: a month, or a date of `year`.
fn when(text: &str, year: AcademicYear) -> Option<String> {
    if let Some(day) = find_date(text) {
        return year.contains(day).then(|| day.to_string());
    }
    let lower = norm(text);
    lower.split(|c: char| !c.is_alphabetic()).find_map(|w| month_number(w).map(|_| w.to_owned()))
}

/// The form of work a plan's text names.
fn work_kind(text: &str) -> Option<WorkKind> {
    let t = norm(text);
    [
        ("практикум", WorkKind::Workshop),
        ("семинар", WorkKind::Seminar),
        ("заседани", WorkKind::Meeting),
        ("открыт", WorkKind::OpenEvent),
        ("конкурс", WorkKind::Contest),
        ("консультац", WorkKind::Consultation),
        ("посещени", WorkKind::Visit),
    ]
    .iter()
    .find(|(word, _)| t.contains(word))
    .map(|(_, kind)| *kind)
}

/// Every row of every plan table in `blocks`, as plan row forms of `year`;
/// the responsible person is matched to `members`.
pub fn plan_rows(blocks: &[Block], year: AcademicYear, members: &[(Uuid, String)]) -> Vec<Found> {
    let mut found = Vec::new();
    for block in blocks {
        let Block::Table(table) = block else { continue };
        let (columns, header) = columns(table, PLAN_HEADERS);
        if !columns.contains(&Some(Column::Topic)) {
            continue;
        }
        let mut month: Option<String> = None;
        for row in &table[header..] {
            if let Some(title) = section(row) {
                month = when(&title, year).or(month);
                continue;
            }
            let Some(topic) = cell(row, &columns, Column::Topic) else { continue };
            let mut f =
                Found::new(row.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" | "));
            let kind_text = cell(row, &columns, Column::Kind);
            let kind = kind_text.as_deref().and_then(work_kind).or_else(|| work_kind(&topic));
            f.set("topic", Some(topic.lines().next().unwrap_or_default().trim().to_owned()));
            let more: Vec<&str> = topic.lines().skip(1).map(str::trim).collect();
            if !more.is_empty() {
                f.values.set("content", more.join("\n"));
            }
            f.set("kind", kind.map(|k| k.code().to_owned()));
            let due = cell(row, &columns, Column::When).and_then(|t| when(&t, year)).or_else(|| month.clone());
            f.set("when", due);
            let responsible = cell(row, &columns, Column::Responsible);
            f.set(
                "responsible",
                responsible.as_deref().and_then(|r| member_named(r, members)).map(|id| id.to_string()),
            );
            f.values.set("responsible_name", responsible.unwrap_or_default());
            if let Some(result) = cell(row, &columns, Column::Result) {
                f.values.set("expected_result", result);
            }
            found.push(f);
        }
    }
    found
}

fn education(text: &str) -> Option<Education> {
    let t = norm(text);
    let pedagogical = t.contains("пед");
    if t.contains("высш") {
        Some(if pedagogical { Education::HigherPedagogical } else { Education::Higher })
    } else if t.contains("сред") || t.contains("спо") {
        Some(if pedagogical { Education::SecondaryPedagogical } else { Education::Secondary })
    } else {
        None
    }
}

fn category(text: &str) -> Option<Category> {
    let t = norm(text);
    [
        ("высш", Category::Highest),
        ("перв", Category::First),
        ("1 ", Category::First),
        ("соответств", Category::Conformity),
        ("сзд", Category::Conformity),
        ("методист", Category::Methodologist),
        ("наставник", Category::Mentor),
        ("без", Category::None),
        ("нет", Category::None),
    ]
    .iter()
    .find(|(word, _)| format!("{t} ").contains(word))
    .map(|(_, c)| *c)
}

/// The first whole number in `text`.
fn number(text: &str) -> Option<u32> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| !w.is_empty()).and_then(|w| w.parse().ok())
}

/// Every row of every member table in `blocks`, as member forms.
pub fn members(blocks: &[Block]) -> Vec<Found> {
    let mut found = Vec::new();
    for block in blocks {
        let Block::Table(table) = block else { continue };
        let (columns, header) = columns(table, MEMBER_HEADERS);
        if !columns.contains(&Some(Column::Name)) {
            continue;
        }
        for row in &table[header..] {
            let Some(name) = cell(row, &columns, Column::Name) else { continue };
            if section(row).is_some() {
                continue;
            }
            let mut f =
                Found::new(row.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" | "));
            // «Зайцева Алина Руслановна (молодой специалист)».
            let (name, note) = name.split_once('(').unwrap_or((&name, ""));
            f.set("full_name", Some(name.split_whitespace().collect::<Vec<_>>().join(" ")));
            if norm(note).contains("молод") {
                f.values.set("young_specialist", "true");
            }
            if let Some(topic) = cell(row, &columns, Column::SelfEducation) {
                f.values.set("self_education", topic);
            }
            f.set("position", cell(row, &columns, Column::Position));
            f.set("class_led", cell(row, &columns, Column::Class).filter(|c| c.chars().any(|c| c.is_ascii_digit())));
            f.set(
                "education",
                cell(row, &columns, Column::Education).and_then(|t| education(&t)).map(|e| e.code().to_owned()),
            );
            f.set(
                "category",
                cell(row, &columns, Column::Category).and_then(|t| category(&t)).map(|c| c.code().to_owned()),
            );
            f.set(
                "experience_years",
                cell(row, &columns, Column::Experience).and_then(|t| number(&t)).map(|n| n.to_string()),
            );
            if columns.contains(&Some(Column::Courses)) {
                let courses = cell(row, &columns, Column::Courses).unwrap_or_default();
                let year = courses.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 4).map(str::to_owned);
                f.set("course_year", year);
                f.values.set("course_topic", courses.lines().next().unwrap_or_default().trim().to_owned());
            }
            found.push(f);
        }
    }
    found
}

/// A date written as 12.11.2026, 12.11.26, «12» ноября 2026 г. or
/// 12 ноября 2026 года.
pub fn find_date(text: &str) -> Option<Date> {
    let t = norm(text).replace(['«', '»', '"', '“', '”'], " ");
    let words: Vec<&str> = t.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    for w in &words {
        let parts: Vec<&str> = w.trim_end_matches(['г', '.']).split(['.', '/']).collect();
        if let [d, m, y] = parts.as_slice()
            && let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u8>(), m.parse::<u8>(), y.parse::<i32>())
        {
            let y = if y < 100 { 2000 + y } else { y };
            if let Some(date) = Date::new(y, m, d) {
                return Some(date);
            }
        }
    }
    for i in 0..words.len().saturating_sub(2) {
        // The day first: most words are not one, and the month word is not
        // read for them.
        let Ok(d) = words[i].parse::<u8>() else { continue };
        if let (Some(m), Ok(y)) =
            (month_number(words[i + 1]), words[i + 2].trim_end_matches(|c: char| !c.is_ascii_digit()).parse::<i32>())
            && let Some(date) = Date::new(y, m, d)
        {
            return Some(date);
        }
    }
    None
}

/// A protocol read from `blocks`: its header form (with the attendance of
/// `members` ticked as found) and its agenda items' forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundProtocol {
    /// The header.
    pub header: Found,
    /// The agenda items, in order.
    pub items: Vec<Found>,
}

/// Where a protocol's line belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Heard,
    Spoke,
    Decided,
}

/// A line that opens a part («СЛУШАЛИ:», «1. Слушали:», «По первому
/// вопросу слушали …»): the part, the item it names (from 1), and the text
/// after the word.
fn part_of(line: &str) -> Option<(Part, Option<usize>, String)> {
    let lower = norm(line);
    let words = [
        ("слушали", Part::Heard),
        ("выступили", Part::Spoke),
        ("выступил", Part::Spoke),
        ("решили", Part::Decided),
        ("постановили", Part::Decided),
        ("решение", Part::Decided),
    ];
    let (at, word, part) = words.iter().find_map(|(w, p)| lower.find(w).map(|at| (at, *w, *p)))?;
    let before = &lower[..at];
    // «Решение» inside a sentence is not a heading.
    if before.split_whitespace().count() > 3 || (word == "решение" && !lower[at..].starts_with("решение:"))
    {
        return None;
    }
    let item =
        ORDINALS.iter().position(|o| before.contains(o)).map(|k| k + 1).or_else(|| number(before).map(|n| n as usize));
    let chars_before = lower[..at + word.len()].chars().count();
    let rest: String = line.chars().skip(chars_before).collect();
    Some((part, item, rest.trim_start_matches([':', '.', ' ', '-', '–']).trim().to_owned()))
}

const ORDINALS: [&str; 10] = ["перв", "втор", "трет", "четверт", "пят", "шест", "седьм", "восьм", "девят", "десят"];

/// What follows `label` on a line starting with it («Председатель:
/// Иванова М. П.»), if it does.
fn after(line: &str, label: &str) -> Option<String> {
    let lower = norm(line);
    lower.starts_with(label).then(|| {
        let rest: String = line.trim().chars().skip(label.chars().count()).collect();
        rest.trim_start_matches(|c: char| c.is_alphabetic() && c != ' ')
            .trim_start_matches([':', '-', '–', '—', ' '])
            .trim()
            .to_owned()
    })
}

/// Reads a protocol of `year` from `blocks`; `members` are the association's
/// (id, full name), for the chair, the secretary and who was present.
pub fn protocol(blocks: &[Block], year: AcademicYear, members: &[(Uuid, String)]) -> Option<FoundProtocol> {
    let lines: Vec<(String, bool)> = blocks
        .iter()
        .flat_map(|b| match b {
            Block::Para { text, numbered } => text.lines().map(|l| (l.trim().to_owned(), *numbered)).collect(),
            Block::Table(rows) => rows.iter().map(|r| (r.join(" ").trim().to_owned(), false)).collect::<Vec<_>>(),
        })
        .filter(|(l, _)| !l.is_empty())
        .collect();
    let title = lines.iter().position(|(l, _)| norm(l).starts_with("протокол"))?;
    let mut header = Found::new(lines.iter().take(12).map(|(l, _)| l.as_str()).collect::<Vec<_>>().join("\n"));
    header.set("number", number(&lines[title].0).map(|n| n.to_string()));
    let date = lines.iter().take(title + 6).find_map(|(l, _)| find_date(l));
    header.set("date", date.filter(|d| year.contains(*d)).map(|d| d.to_string()));
    let labelled = |label: &str| lines.iter().find_map(|(l, _)| after(l, label));
    header.set("chair", labelled("председатель").and_then(|n| member_named(&n, members)).map(|id| id.to_string()));
    header.set("secretary", labelled("секретарь").and_then(|n| member_named(&n, members)).map(|id| id.to_string()));
    let theme = labelled("тема заседания").or_else(|| labelled("тема"));
    header.set("theme", theme.clone());
    // «Присутствовали: …», or «Всего членов МО: 18, присутствовали: 18».
    let said = |word: &str| {
        lines.iter().find_map(|(l, _)| {
            let lower = norm(l);
            let at = lower.find(word)?;
            let skip = lower[..at].chars().count() + word.chars().count();
            let rest: String = l.trim().chars().skip(skip).collect();
            Some(
                rest.trim_start_matches(|c: char| c.is_alphabetic())
                    .trim_start_matches([':', '-', '–', ' '])
                    .trim()
                    .to_owned(),
            )
        })
    };
    let present = said("присутствовал").unwrap_or_default();
    let absent = said("отсутствовал").unwrap_or_default();
    let counted = number(&present);
    let named: Vec<Uuid> = members
        .iter()
        .filter(|(id, n)| member_named(&present, &[(*id, n.clone())]).is_some())
        .map(|(id, _)| *id)
        .collect();
    let away: Vec<Uuid> = members
        .iter()
        .filter(|(id, n)| member_named(&absent, &[(*id, n.clone())]).is_some())
        .map(|(id, _)| *id)
        .collect();
    // Names say who; a count says who only when it is everyone (less
    // the absent named).
    let everyone = counted.is_some_and(|n| n as usize + away.len() >= members.len());
    if !named.is_empty() || everyone {
        for (id, _) in members {
            let here = if named.is_empty() { !away.contains(id) } else { named.contains(id) };
            header.values.set(&format!("present:{id}"), here.to_string());
        }
        header.recognised.push("attendance".to_owned());
    } else {
        header.missing.push("attendance".to_owned());
    }
    let invited = labelled("приглашен");
    if let Some(invited) = invited {
        header.values.set("invited", invited);
    }

    // The agenda: the lines after «Повестка», numbered, up to the first part.
    let agenda_at = lines.iter().position(|(l, _)| norm(l).starts_with("повестка"));
    let mut items: Vec<Found> = Vec::new();
    let mut index = agenda_at.map_or(lines.len(), |a| a + 1);
    if let Some(a) = agenda_at {
        let inline = after(&lines[a].0, "повестка дня").or_else(|| after(&lines[a].0, "повестка")).unwrap_or_default();
        if !inline.is_empty() && number(&inline).is_some() {
            items.push(agenda_item(&inline));
        }
        while let Some((line, numbered)) = lines.get(index) {
            if part_of(line).is_some() {
                break;
            }
            let starts_numbered = line.chars().next().is_some_and(|c| c.is_ascii_digit());
            // «1. …» again: the first question's own heading, after the agenda.
            if starts_numbered && number(line).is_some_and(|n| n as usize <= items.len()) {
                break;
            }
            if *numbered || starts_numbered {
                items.push(agenda_item(line));
            } else if let Some(last) = items.last_mut() {
                // A speaker's line under the question.
                let speaker = after(line, "докладчик").or_else(|| after(line, "отв"));
                match speaker {
                    Some(s) => last.set("speaker", Some(s)),
                    None => break,
                }
            } else {
                break;
            }
            index += 1;
        }
    }

    // The parts, item by item.
    let (mut item, mut part): (usize, Option<Part>) = (0, None);
    let mut texts: Vec<[String; 3]> = vec![Default::default(); items.len().max(1)];
    let headings: Vec<String> = items.iter().map(|i| norm(i.values.get("topic"))).collect();
    for (line, _) in &lines[index.min(lines.len())..] {
        // «2. Разное»: the question's own heading before its parts.
        if let Some(n) = number(line).filter(|n| line.trim_start().starts_with(&n.to_string()))
            && headings
                .get(n as usize - 1)
                .is_some_and(|t| !t.is_empty() && norm(agenda_item(line).values.get("topic")) == *t)
        {
            item = n as usize - 1;
            part = None;
            continue;
        }
        if let Some((p, named, rest)) = part_of(line) {
            if let Some(n) = named.filter(|n| *n >= 1) {
                item = n - 1;
            } else if p == Part::Heard && part.is_some_and(|was| was != Part::Heard) {
                item += 1;
            }
            part = Some(p);
            if texts.len() <= item {
                texts.resize(item + 1, Default::default());
            }
            push(&mut texts[item][p as usize], &rest);
        } else if let Some(p) = part {
            let lower = norm(line);
            if lower.starts_with("председатель") || lower.starts_with("секретарь") {
                part = None;
                continue;
            }
            // «1. Провести … Ответственный: … Срок: …»: a decision of the
            // protocol, kept apart from the question's words.
            if p == Part::Decided && (lower.contains("ответственный:") || lower.contains("срок:")) {
                continue;
            }
            push(&mut texts[item][p as usize], line);
        }
    }
    while items.len() < texts.len() && texts[items.len()].iter().any(|t| !t.is_empty()) {
        items.push(agenda_item(""));
    }
    for (found, [heard, spoke, decided]) in items.iter_mut().zip(texts) {
        // «СЛУШАЛИ: Иванова М. П. Иванова М. П. рассказала …»: the speaker
        // the app prints before the words.
        let speaker = found.values.get("speaker").trim().trim_end_matches('.').to_owned();
        let heard = match heard.strip_prefix(&speaker) {
            Some(rest) if !speaker.is_empty() => rest.trim_start_matches('.').trim().to_owned(),
            _ => heard,
        };
        found.set("heard", Some(heard));
        found.values.set("spoke", spoke);
        found.set("decided", Some(decided));
    }
    Some(FoundProtocol { header, items })
}

fn push(into: &mut String, line: &str) {
    if line.is_empty() {
        return;
    }
    if !into.is_empty() {
        into.push('\n');
    }
    into.push_str(line);
}

/// An agenda question from its line, without its number.
fn agenda_item(line: &str) -> Found {
    let topic = line.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' ')).trim();
    let mut f = Found::new(line.to_owned());
    // «О плане работы (докладчик Иванова М. П.)».
    // «О плане работы (Иванова М. П.)», as the app prints it.
    let (topic, speaker) = match topic.rsplit_once('(') {
        Some((t, s)) if norm(s).starts_with("доклад") || norm(s).starts_with("отв") || looks_like_a_name(s) => {
            (
                t.trim().to_owned(),
                Some(after(s.trim_end_matches(')'), "докладчик").unwrap_or_else(|| s.trim_end_matches(')').to_owned())),
            )
        }
        _ => (topic.to_owned(), None),
    };
    f.set("topic", Some(topic));
    if let Some(s) = speaker {
        f.values.set("speaker", s);
    }
    f
}

/// «Иванова М. П.)»: a surname and initials.
fn looks_like_a_name(text: &str) -> bool {
    let words: Vec<&str> = text.trim_end_matches(')').split_whitespace().collect();
    words.len() >= 2
        && words.len() <= 4
        && words[0].chars().next().is_some_and(char::is_uppercase)
        && words[1..].iter().all(|w| w.chars().next().is_some_and(char::is_uppercase))
}

#[cfg(test)]
mod tests;
