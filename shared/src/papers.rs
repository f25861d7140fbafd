//! The documents people print, sign and hand in, built from the records in
//! the forms schools already use: the protocol and its extract, the year
//! plan with its approval block, the member list, a regulation's
//! acknowledgement sheet, and the yearly analyses of a school МО and of the
//! district РМО. Each is a [`Paper`], saved as DOCX or printed on A4.

pub mod analysis;
pub mod lists;
pub mod meeting;
pub mod monitoring;
pub mod note;
pub mod plan;
pub mod protocol;
pub mod survey;
pub mod visit;

use crate::paper::{Align, Cell, Paper, Para, Table};

/// Whose document it is: a school's МО or the district's РМО, and the
/// organisation as it names itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// «МБОУ Печерская СШ» or the district's name.
    pub organisation: String,
    /// The district's РМО rather than a school's МО.
    pub district: bool,
}

impl Letterhead {
    /// A school МО's.
    pub fn school(name: &str) -> Self {
        Self { organisation: name.trim().to_owned(), district: false }
    }

    /// The district РМО's.
    pub fn district(name: &str) -> Self {
        Self { organisation: name.trim().to_owned(), district: true }
    }

    /// «методического объединения классных руководителей» (genitive).
    pub fn body(&self) -> &'static str {
        if self.district {
            "районного методического объединения классных руководителей"
        } else {
            "методического объединения классных руководителей"
        }
    }

    /// «МО» or «РМО».
    pub fn abbreviation(&self) -> &'static str {
        if self.district { "РМО" } else { "МО" }
    }

    /// The head's signature: «Руководитель РМО ____ /Петрова А. В./», with
    /// a blank line for a name not known.
    pub(crate) fn head_signature(&self, signer: &str) -> Para {
        let signer = if signer.trim().is_empty() { "____________" } else { signer.trim() };
        signature(&format!("Руководитель {}", self.abbreviation()), signer)
    }

    /// The organisation's name centred at the top.
    pub(crate) fn put(&self, paper: &mut Paper) {
        if !self.organisation.is_empty() {
            paper.para(Para::new(self.organisation.clone()).align(Align::Center));
        }
    }
}

/// A signature line: «Председатель ____________ /Иванова М. П./».
pub(crate) fn signature(role: &str, name: &str) -> Para {
    Para::new(format!("{role} ____________________ /{name}/"))
}

/// An extract's «ПОСТАНОВИЛИ:» table: each decision numbered, with who
/// carries it out and by when (text, responsible, deadline).
pub(crate) fn decisions_table(paper: &mut Paper, decisions: Vec<(String, String, Option<crate::Date>)>) {
    paper.para(Para { keep_with_next: true, ..Para::bold("ПОСТАНОВИЛИ:") });
    let rows = decisions
        .into_iter()
        .enumerate()
        .map(|(n, (text, who, by))| {
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(text),
                Cell::new(who),
                Cell::new(by.map(|d| d.to_string()).unwrap_or_default()),
            ]
        })
        .collect();
    paper.table(ruled(vec![1, 9, 5, 3], &["№", "Решение", "Ответственный", "Срок"], rows));
}

/// A ruled table with a header row.
pub(crate) fn ruled(widths: Vec<u32>, header: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    let mut all = vec![header.iter().map(|h| Cell::head(*h)).collect()];
    all.extend(rows);
    Table { widths, rows: all, header_rows: 1, ruled: true }
}

#[cfg(test)]
mod tests {
    use crate::fixture::{self, SCHOOL};
    use crate::paper::Block;
    use crate::papers::Letterhead;
    use crate::papers::analysis::{analysis, school_sections};
    use crate::papers::protocol::{extract, protocol};
    use crate::plan::{Completion, PlanDoc};
    use crate::protocol::DecisionStatus;
    use crate::record::{Document, RecordList};
    use crate::report::YearReport;
    use crate::{AssociationDoc, LibraryDoc, YearDoc};

    fn docs() -> (fixture::Fixture, AssociationDoc, YearDoc, LibraryDoc) {
        let f = fixture::build();
        let (a, y, l) = (
            AssociationDoc::load(&f.association).unwrap(),
            YearDoc::load(&f.year).unwrap(),
            LibraryDoc::load(&f.library).unwrap(),
        );
        (f, a, y, l)
    }

    /// Asserts that `parts` occur in `text` in this order.
    fn in_order(text: &str, parts: &[&str]) {
        let mut from = 0;
        for part in parts {
            let at = text[from..].find(part).unwrap_or_else(|| panic!("«{part}» after position {from} in:\n{text}"));
            from += at + part.len();
        }
    }

    #[test]
    fn a_protocol_has_the_standard_form_and_attaches_the_list_above_fifteen_present() {
        let (f, a, y, _) = docs();
        let head = Letterhead::school(SCHOOL);
        let first = protocol(&head, &a, y.protocol(f.protocols[0]).unwrap());
        assert_eq!(first.file_name, "Протокол №1 от 02.09.2025.docx");
        let text = first.plain_text();
        in_order(
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
                "Тема: Планирование работы МО",
                "Повестка дня:",
                "1. Планирование работы МО на 2025/2026 учебный год (Иванова М. П.)",
                "2. Разное (Петрова А. В.)",
                "СЛУШАЛИ: Иванова М. П.",
                "ВЫСТУПИЛИ: Сидорова Е. И.",
                "РЕШИЛИ: Принять информацию к сведению.",
                "ПОСТАНОВИЛИ:",
                "1. Провести тематические классные часы. Ответственный: Орлова Екатерина Сергеевна. Срок: 02.10.2025.",
                "2. Обновить социальные паспорта классов",
                "Председатель ____________________ /Иванова М. П./",
                "Секретарь ____________________ /Петрова А. В./",
                "Приложение к протоколу № 1 от 02.09.2025",
                "Список присутствовавших",
            ],
        );
        assert!(first.blocks.contains(&Block::PageBreak));
        let third = protocol(&head, &a, y.protocol(f.protocols[2]).unwrap()).plain_text();
        in_order(&third, &["Всего членов МО: 18, присутствовали: 14", "Присутствовали: ", "Отсутствовали: "]);
        assert!(!third.contains("прилагается"));
    }

    #[test]
    fn a_decision_on_a_question_prints_once_under_its_решили() {
        use crate::protocol::{AgendaFields, DecisionFields};
        let (f, a, _, _) = docs();
        let mut year = f.year.clone();
        let p = f.protocols[0];
        let item = {
            let y = YearDoc::load(&year).unwrap();
            y.protocol(p).unwrap().agenda_items()[1].id
        };
        let on_item = DecisionFields {
            text: "Подготовить классные часы ко Дню матери".into(),
            responsible: None,
            deadline: None,
            status: DecisionStatus::Open,
            item: Some(item),
        };
        YearDoc::edit_decision(&mut year, p, crate::record::Edit::Add(on_item), 1).unwrap();
        let y = YearDoc::load(&year).unwrap();
        let text = protocol(&Letterhead::school(SCHOOL), &a, y.protocol(p).unwrap()).plain_text();
        in_order(
            &text,
            &[
                "2. Разное",
                "РЕШИЛИ: Принять информацию к сведению.",
                "1. Подготовить классные часы ко Дню матери.",
                "ПОСТАНОВИЛИ:",
                "1. Провести тематические классные часы.",
            ],
        );
        assert_eq!(text.matches("ко Дню матери").count(), 1, "printed once");
        // With no words of its own, the question's «РЕШИЛИ» is its decisions.
        let mut year = f.year.clone();
        let bare = AgendaFields {
            topic: "Отчёты классных руководителей".into(), ..AgendaFields::default()
        };
        let item = YearDoc::edit_agenda(&mut year, p, crate::record::Edit::Add(bare), 1).unwrap();
        let decision = DecisionFields {
            text: "Отчёты принять".into(),
            responsible: None,
            deadline: None,
            status: DecisionStatus::Open,
            item: Some(item),
        };
        YearDoc::edit_decision(&mut year, p, crate::record::Edit::Add(decision), 2).unwrap();
        let y = YearDoc::load(&year).unwrap();
        let text = protocol(&Letterhead::school(SCHOOL), &a, y.protocol(p).unwrap()).plain_text();
        in_order(&text, &["3. Отчёты классных руководителей", "РЕШИЛИ:\n1. Отчёты принять.", "ПОСТАНОВИЛИ:"]);
    }

    #[test]
    fn an_extract_lists_the_decisions_with_who_and_when() {
        let (f, a, y, _) = docs();
        let paper = extract(&Letterhead::school(SCHOOL), &a, y.protocol(f.protocols[3]).unwrap());
        assert_eq!(paper.file_name, "Выписка из протокола №4 от 20.05.2026.docx");
        in_order(
            &paper.plain_text(),
            &[
                "ВЫПИСКА ИЗ ПРОТОКОЛА № 4",
                "от 20.05.2026",
                "Присутствовали: 17 из 18",
                "ПОСТАНОВИЛИ:",
                "Провести тематические классные часы\tОрлова Екатерина Сергеевна\t19.06.2026",
                "Обновить социальные паспорта классов\tСмирнова Ольга Николаевна\t19.06.2026",
                "Выписка верна.",
            ],
        );
    }

    #[test]
    fn the_analysis_numbers_are_the_records_numbers() {
        let (_, a, y, l) = docs();
        let r = YearReport::of(&a, &y, &l);
        // Counted here straight from the records, not through the report.
        let members = a.members.active();
        let rows = y.plan.active();
        let decisions: Vec<_> = y.protocols.active().into_iter().flat_map(|p| p.decisions.active()).collect();
        let done = |c| rows.iter().filter(|r| r.completion == c).count();
        assert_eq!(r.members, members.len());
        assert_eq!(r.young_specialists, members.iter().filter(|m| m.young_specialist).count());
        assert_eq!(r.meetings_planned, rows.iter().filter(|r| r.kind == crate::plan::WorkKind::Meeting).count());
        assert_eq!(r.meetings_held(), y.protocols.active().len());
        assert_eq!(
            (r.plan.total, r.plan.done, r.plan.postponed, r.plan.not_done),
            (rows.len(), done(Completion::Done), done(Completion::Postponed), done(Completion::NotDone))
        );
        assert_eq!(r.decisions, decisions.len());
        assert_eq!(r.decisions_done, decisions.iter().filter(|d| d.status == DecisionStatus::Done).count());
        assert_eq!(r.materials, l.materials.active().len());
        assert_eq!(r.materials_added, l.materials_added_in(y.academic_year()));
        // And the fixture is what it says it is.
        assert_eq!(
            (r.members, r.plan.total, r.plan.done, r.plan.percent, r.decisions, r.decisions_done),
            (18, 10, 8, 80, 8, 7)
        );
        assert_eq!((r.materials, r.materials_added, r.courses_this_year.len(), r.mentored), (5, 4, 7, 2));

        let mut notes = std::collections::BTreeMap::new();
        notes.insert("conclusions".to_owned(), "Работа МО признана удовлетворительной.".to_owned());
        notes.insert("staff".to_owned(), "Коллектив стабильный.".to_owned());
        let paper = analysis(&Letterhead::school(SCHOOL), r.year, &school_sections(&r), &notes, &(&r).into());
        assert_eq!(paper.file_name, "Анализ работы МО за 2025-2026 учебный год.docx");
        in_order(
            &paper.plain_text(),
            &[
                "АНАЛИЗ РАБОТЫ",
                "за 2025/2026 учебный год",
                "1. Методическая тема, цель и задачи",
                "2. Кадровый состав",
                &format!("В состав МО входят классных руководителей: {}.", members.len()),
                "Коллектив стабильный.",
                "3. Заседания МО",
                &format!("Запланировано заседаний: {}, проведено: {}.", r.meetings_planned, y.protocols.active().len()),
                "4. Выполнение плана работы",
                "В плане работы мероприятий: 10; выполнено: 8 (80%), перенесено: 1, не выполнено: 1.",
                "8. Исполнение решений",
                "Принято решений: 8, выполнено: 7, не выполнено или в работе: 1.",
                "9. Выводы",
                "Работа МО признана удовлетворительной.",
                "10. Задачи на следующий учебный год",
                &format!("Руководитель МО ____________________ /{}/", r.head),
            ],
        );
        assert!(!r.head.is_empty(), "the fixture's profile names its head");
    }

    #[test]
    fn the_rmo_plan_and_analysis_carry_the_districts_own_theme_approval_and_names() {
        use crate::district::DistrictYearDoc;
        use crate::papers::analysis::district_sections;
        use crate::papers::plan::{PlanHeader, plan};
        use crate::profile::{RmoProfile, RmoProfileFields};
        use crate::report::DistrictReport;
        use crate::{AcademicYear, Date, DocumentId};

        let year = AcademicYear(2026);
        let mut doc = DistrictYearDoc::create(&DocumentId::random(), year);
        let fields = RmoProfileFields {
            theme: "Профессиональный рост классного руководителя".into(),
            goal: "Поддержка классных руководителей района".into(),
            tasks: "1. Обобщать опыт\n2. Проводить семинары".into(),
            head: "Петрова А. В.".into(),
            cabinet_head: "Сидорова Е. Н.".into(),
            department_head: "Кузнецов И. О.".into(),
        };
        RmoProfile::set(&mut doc, fields, 1).unwrap();
        let (d, p) = (DistrictYearDoc::load(&doc).unwrap(), RmoProfile::of(&doc));
        let head = Letterhead::district("Печорский район");
        let header = PlanHeader {
            theme: p.theme.as_str().to_owned(),
            goal: p.goal.as_str().to_owned(),
            tasks: p.task_list(),
            agreed_by: p.cabinet_head.clone(),
            approved_by: p.department_head.clone(),
            ..PlanHeader::default()
        };
        let text = plan(&head, year, &header, &d.plan_rows(), |r| r.responsible_name.clone()).plain_text();
        in_order(
            &text,
            &[
                "РАССМОТРЕНО",
                "на заседании РМО классных руководителей",
                "СОГЛАСОВАНО",
                "Руководитель районного методического кабинета",
                "____________ /Сидорова Е. Н./",
                "УТВЕРЖДАЮ",
                "Начальник Отдела образования",
                "____________ /Кузнецов И. О./",
                "Методическая тема:",
                "Профессиональный рост классного руководителя",
                "1. Обобщать опыт",
                "2. Проводить семинары",
            ],
        );
        assert!(!text.contains("Директор"), "no school's approval block on the РМО's plan");

        let report = DistrictReport::of(&d, &p, Vec::new(), &Default::default(), Date::new(2027, 5, 31).unwrap());
        let paper = analysis(&head, report.year, &district_sections(&report), &Default::default(), &(&report).into());
        in_order(
            &paper.plain_text(),
            &[
                "РАССМОТРЕНО",
                "на заседании РМО классных руководителей",
                "СОГЛАСОВАНО",
                "____________ /Сидорова Е. Н./",
                "УТВЕРЖДАЮ",
                "____________ /Кузнецов И. О./",
                "АНАЛИЗ РАБОТЫ",
                "1. Методическая тема, цель и задачи",
                "Профессиональный рост классного руководителя",
                "Задача 1: Обобщать опыт",
                "Задача 2: Проводить семинары",
                "2. Школы района",
                "Руководитель РМО ____________________ /Петрова А. В./",
            ],
        );
    }

    #[test]
    fn every_document_of_the_fixture_packs_as_docx() {
        let (f, a, y, l) = docs();
        let head = Letterhead::school(SCHOOL);
        let rows = y.plan_rows();
        let header = super::plan::PlanHeader { considered_at: y.protocol(f.protocols[0]), ..Default::default() };
        let papers = [
            protocol(&head, &a, y.protocol(f.protocols[0]).unwrap()),
            super::plan::plan(&head, y.academic_year(), &header, &rows, |r| a.name_of(r.responsible)),
            super::lists::member_list(&head, &a, y.academic_year(), y.academic_year().last_day()),
            super::lists::acknowledgement_sheet(&head, &a, l.regulations.by_id(f.regulation).unwrap()),
        ];
        for p in papers {
            let bytes = crate::paper::docx::to_docx(&p).unwrap();
            assert_eq!(&bytes[..2], b"PK", "{}", p.file_name);
            // The app hands a document to its DOCX worker as it posts messages.
            let sent: crate::paper::Paper = crate::link::decode(&crate::link::encode(&p)).unwrap();
            assert_eq!(sent, p);
        }
    }

    #[test]
    fn a_past_protocol_keeps_its_attendance_and_a_past_years_list_its_members() {
        use crate::protocol::{ProtocolFields, attendance_roster};
        use crate::record::{Edit, Record};
        use crate::{AcademicYear, AssociationDoc, Date, DocumentId, MemberFields, Values, YearDoc};
        use automerge::AutoCommit;

        let at = |day: &str| Date::parse(day).unwrap().days() * 86_400_000 + 43_200_000;
        let year = AcademicYear(2026);
        let school = DocumentId::random();
        let mut association = AssociationDoc::create(&school);
        let join = |doc: &mut AutoCommit, name: &str, day: &str| {
            let fields = MemberFields::validate(
                &MemberFields::blank()
                    .with("full_name", name)
                    .with("position", "учитель")
                    .with("experience_years", "5"),
            )
            .unwrap();
            AssociationDoc::edit_member(doc, Edit::Add(fields), at(day)).unwrap()
        };
        let anna = join(&mut association, "Алексеева Анна Петровна", "01.09.2026");
        let vera = join(&mut association, "Борисова Вера Ивановна", "01.09.2026");
        let members = AssociationDoc::load(&association).unwrap();
        let mut year_doc = YearDoc::create(&school, year);
        let roster = attendance_roster(None, &members);
        assert_eq!(roster, [anna, vera]);
        let form = Values::default()
            .with("number", "1")
            .with("date", "15.09.2026")
            .with("theme", "Организация работы")
            .with(&format!("present:{anna}"), "true")
            .with(&format!("present:{vera}"), "false");
        let fields = ProtocolFields::validate(&form, year, &[], &roster).unwrap();
        let p = YearDoc::edit_protocol(&mut year_doc, Edit::Add(fields), at("15.09.2026")).unwrap();

        // A year later Вера leaves, Галина joins, and the protocol is corrected.
        AssociationDoc::edit_member(&mut association, Edit::Remove(vera), at("02.11.2027")).unwrap();
        let galina = join(&mut association, "Григорьева Галина Олеговна", "03.11.2027");
        let members = AssociationDoc::load(&association).unwrap();
        let written = YearDoc::load(&year_doc).unwrap().protocol(p).unwrap().clone();
        let roster = attendance_roster(Some(&written), &members);
        assert_eq!(roster, [anna, vera], "the form asks about those at the meeting, whoever left since");
        let mut form = written.fields().to_values();
        form.set("theme", "Организация работы классных руководителей");
        let fields = ProtocolFields::validate(&form, year, &[], &roster).unwrap();
        YearDoc::edit_protocol(&mut year_doc, Edit::Update(p, fields), at("04.11.2027")).unwrap();
        let corrected = YearDoc::load(&year_doc).unwrap().protocol(p).unwrap().clone();
        assert_eq!(corrected.attendance, written.attendance, "attendance stays as it was at the meeting");

        let printed = protocol(&Letterhead::school(SCHOOL), &members, &corrected).plain_text();
        assert!(printed.contains("Всего членов МО: 2, присутствовали: 1"), "{printed}");
        assert!(printed.contains("Отсутствовали: Борисова Вера Ивановна\n"), "named plainly: {printed}");
        assert!(!printed.contains("Григорьева"), "nobody who joined later: {printed}");

        let today = Date::parse("04.11.2027").unwrap();
        let names = |y: AcademicYear| {
            let text = crate::papers::lists::member_list(&Letterhead::school(SCHOOL), &members, y, today).plain_text();
            ["Алексеева", "Борисова", "Григорьева"].map(|n| text.contains(n))
        };
        assert_eq!(names(year), [true, true, false], "2026/2027 lists those on the list at its end");
        assert_eq!(names(AcademicYear(2027)), [true, false, true], "and this year those on it now");
        assert!(members.member(galina).unwrap().on_list(today));
    }
}
