//! A realistic school year and district year (2025/2026) for the tests of
//! the documents: eighteen class teachers of a rural school, a plan of ten
//! rows with their marks, four meetings with agendas and decisions, an
//! analysis, a regulation half acknowledged, a копилка that grew; a РМО with
//! its plan, seminars, a contest, visits, consultations and mentoring.
//! Built through the same operations the app uses.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod schedule;

use std::collections::BTreeMap;

use automerge::AutoCommit;
use uuid::Uuid;

use crate::analysis::{AnalysisFields, AnalysisKind};
use crate::district::{
    ConsultationFields, ContestFields, DistrictEventFields, DistrictYearDoc, MentoringFields, VisitFields,
};
use crate::kopilka::{Area, MaterialFields, MaterialKind};
use crate::plan::{Completion, PlanDoc, PlanFields, PlanMark};
use crate::profile::ProfileFields;
use crate::protocol::{AgendaFields, DecisionFields, DecisionStatus, ProtocolFields};
use crate::record::{Document, Edit};
use crate::regulation::{RegulationFields, RegulationKind};
use crate::{
    AcademicYear, AssociationDoc, Category, Date, DocumentId, Education, LibraryDoc, MemberFields, Values, YearDoc,
};

/// The year of the fixture.
pub const YEAR: AcademicYear = AcademicYear(2025);
/// The school's name.
pub const SCHOOL: &str = "МБОУ «Печерская средняя школа»";
/// The district's name.
pub const DISTRICT: &str = "РМО классных руководителей Смоленского района";

/// The documents of the fixture, as automerge documents.
pub struct Fixture {
    /// Members.
    pub association: AutoCommit,
    /// The year 2025/2026.
    pub year: AutoCommit,
    /// Regulations and копилка.
    pub library: AutoCommit,
    /// The РМО's 2025/2026.
    pub district: AutoCommit,
    /// Member ids by ФИО.
    pub members: BTreeMap<String, Uuid>,
    /// Protocol ids, by number.
    pub protocols: Vec<Uuid>,
    /// The regulation.
    pub regulation: Uuid,
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Midday of `day`, in ms since the epoch.
pub fn noon(day: &str) -> i64 {
    d(day).days() * 86_400_000 + 12 * 3_600_000
}

/// ФИО, должность, класс, категория, стаж, год курсов, молодой специалист.
type Teacher = (&'static str, &'static str, &'static str, Category, u32, Option<u32>, bool);

const TEACHERS: [Teacher; 18] = [
    ("Иванова Мария Петровна", "учитель начальных классов", "1А", Category::Highest, 24, Some(2025), false),
    ("Петрова Анна Викторовна", "учитель русского языка", "5А", Category::First, 15, Some(2024), false),
    ("Сидорова Елена Ивановна", "учитель математики", "6А", Category::Highest, 28, Some(2021), false),
    ("Кузнецов Игорь Олегович", "учитель физической культуры", "7А", Category::None, 1, None, true),
    ("Орлова Екатерина Сергеевна", "учитель истории", "8А", Category::First, 12, Some(2026), false),
    ("Смирнова Ольга Николаевна", "учитель биологии", "9А", Category::Conformity, 7, Some(2023), false),
    ("Волкова Татьяна Андреевна", "учитель английского языка", "10А", Category::Highest, 19, Some(2025), false),
    ("Морозова Наталья Юрьевна", "учитель химии", "11А", Category::First, 22, Some(2022), false),
    ("Новикова Светлана Павловна", "учитель начальных классов", "2А", Category::First, 9, Some(2024), false),
    ("Фёдорова Ирина Михайловна", "учитель начальных классов", "3А", Category::Highest, 31, Some(2025), false),
    ("Михайлова Юлия Александровна", "учитель начальных классов", "4А", Category::None, 2, None, true),
    ("Алексеева Галина Васильевна", "учитель географии", "5Б", Category::Conformity, 35, Some(2020), false),
    ("Лебедева Марина Викторовна", "учитель литературы", "6Б", Category::First, 14, Some(2025), false),
    ("Козлова Людмила Ивановна", "учитель музыки", "7Б", Category::Highest, 26, Some(2023), false),
    ("Егорова Дарья Сергеевна", "учитель информатики", "8Б", Category::Methodologist, 17, Some(2026), false),
    ("Павлова Оксана Геннадьевна", "учитель технологии", "9Б", Category::First, 11, Some(2024), false),
    ("Соколова Вера Николаевна", "учитель физики", "10Б", Category::Mentor, 30, Some(2025), false),
    ("Зайцева Алина Руслановна", "учитель ИЗО", "", Category::None, 0, None, true),
];

/// Builds the fixture.
pub fn build() -> Fixture {
    build_for(&DocumentId::random(), &DocumentId::random(), YEAR)
}

/// Builds the fixture under the ids of `school` and `district`, its year
/// documents being those of `year` (the records keep the dates of 2025/2026).
pub fn build_for(school: &DocumentId, district_id: &DocumentId, academic_year: AcademicYear) -> Fixture {
    let mut association = AssociationDoc::create(school);
    let mut members = BTreeMap::new();
    for (n, (name, position, class, category, experience, course, young)) in TEACHERS.into_iter().enumerate() {
        let fields = MemberFields {
            full_name: name.into(),
            position: position.into(),
            class_led: class.into(),
            education: if n % 7 == 6 { Education::SecondaryPedagogical } else { Education::HigherPedagogical },
            category,
            category_since: (category != Category::None).then(|| d("15.03.2022")),
            category_until: (category != Category::None).then(|| d("15.03.2027")),
            experience_years: experience,
            course_year: course,
            course_topic: course.map(|_| "Классное руководство в условиях обновлённых ФГОС".into()).unwrap_or_default(),
            course_hours: course.map(|_| 72),
            self_education: "Формирование классного коллектива".into(),
            young_specialist: young,
            mentor: None,
        };
        let id = AssociationDoc::edit_member(&mut association, Edit::Add(fields), noon("25.08.2025")).unwrap();
        members.insert(name.to_owned(), id);
    }
    let m = |name: &str| Some(members[name]);
    for (young, mentor) in [
        ("Кузнецов Игорь Олегович", "Сидорова Елена Ивановна"),
        ("Михайлова Юлия Александровна", "Фёдорова Ирина Михайловна"),
    ] {
        let current = AssociationDoc::load(&association).unwrap();
        let mut fields = crate::record::Record::fields(current.member(members[young]).unwrap());
        fields.mentor = m(mentor);
        AssociationDoc::edit_member(&mut association, Edit::Update(members[young], fields), noon("26.08.2025"))
            .unwrap();
    }

    let mut year = YearDoc::create(school, academic_year);
    YearDoc::set_profile(
        &mut year,
        ProfileFields {
            theme: "Совершенствование форм и методов воспитания через взаимодействие школы и семьи".into(),
            goal: "Повышение профессионального мастерства классных руководителей".into(),
            tasks: "Внедрять новые формы работы с родителями\nОбобщать опыт классных руководителей\nПоддерживать молодых специалистов".into(),
            head: m("Иванова Мария Петровна"),
        },
        noon("02.09.2025"),
    )
    .unwrap();
    let plan = [
        ("сентябрь", "meeting", "Планирование работы на 2025/2026 учебный год", Completion::Done),
        ("сентябрь", "consultation", "Консультация для молодых специалистов", Completion::Done),
        ("ноябрь", "meeting", "Классный час: формы и методы", Completion::Done),
        ("ноябрь", "seminar", "Семинар «Профилактика буллинга»", Completion::Done),
        ("декабрь", "open_event", "Открытое мероприятие «Новогодний калейдоскоп»", Completion::Done),
        ("январь", "meeting", "Работа с родителями", Completion::Done),
        ("февраль", "contest", "Конкурс «Самый классный классный»", Completion::Postponed),
        ("март", "workshop", "Семинар-практикум «Портфолио класса»", Completion::NotDone),
        ("апрель", "visit", "Взаимопосещение классных часов", Completion::Done),
        ("май", "meeting", "Итоги работы за год", Completion::Done),
    ];
    let mut rows = Vec::new();
    for (when, kind, topic, _) in plan {
        let v = PlanFields::blank()
            .with("when", when)
            .with("kind", kind)
            .with("topic", topic)
            .with("responsible", crate::form::member_value(m("Иванова Мария Петровна")))
            .with("expected_result", "Протокол, методические материалы");
        let row = PlanFields::validate(&v, YEAR).unwrap();
        rows.push(YearDoc::edit_plan_row(&mut year, Edit::Add(row), noon("02.09.2025")).unwrap());
    }
    let chair = m("Иванова Мария Петровна");
    let secretary = m("Петрова Анна Викторовна");
    let meetings = [
        ("02.09.2025", "Планирование работы МО на 2025/2026 учебный год", 18),
        ("12.11.2025", "Классный час: формы и методы проведения", 16),
        ("21.01.2026", "Работа классного руководителя с родителями", 14),
        ("20.05.2026", "Итоги работы МО за 2025/2026 учебный год", 17),
    ];
    let mut protocols = Vec::new();
    for (n, (date, theme, present)) in meetings.into_iter().enumerate() {
        let attendance =
            members.values().enumerate().map(|(i, id)| (id.to_string(), i < present)).collect::<BTreeMap<_, _>>();
        let fields = ProtocolFields {
            number: n as u32 + 1,
            date: d(date),
            chair,
            secretary,
            attendance,
            invited: if n == 1 { "педагог-психолог Белова А. А.".into() } else { String::new() },
            theme: theme.into(),
            completed: true,
        };
        let p = YearDoc::edit_protocol(&mut year, Edit::Add(fields), noon(date)).unwrap();
        for (topic, speaker) in [(theme, "Иванова М. П."), ("Разное", "Петрова А. В.")] {
            let item = AgendaFields {
                topic: topic.into(),
                speaker: speaker.into(),
                heard: format!("{speaker} рассказала о вопросе «{topic}»."),
                spoke: "Сидорова Е. И. поддержала предложения.".into(),
                decided: "Принять информацию к сведению.".into(),
            };
            YearDoc::edit_agenda(&mut year, p, Edit::Add(item), noon(date)).unwrap();
        }
        let deadline = d(date).plus_days(30);
        for (text, who, status) in [
            ("Провести тематические классные часы", "Орлова Екатерина Сергеевна", DecisionStatus::Done),
            (
                "Обновить социальные паспорта классов",
                "Смирнова Ольга Николаевна",
                if n == 3 { DecisionStatus::Open } else { DecisionStatus::Done },
            ),
        ] {
            let fields =
                DecisionFields { text: text.into(), responsible: m(who), deadline: Some(deadline), status, item: None };
            YearDoc::edit_decision(&mut year, p, Edit::Add(fields), noon(date)).unwrap();
        }
        protocols.push(p);
    }
    let fulfilled = [(0, 0), (2, 1), (5, 2), (9, 3)];
    for (i, row) in rows.iter().enumerate() {
        let by = fulfilled.iter().find(|(r, _)| *r == i).map(|(_, p)| protocols[*p]);
        let note = if plan[i].3 == Completion::Postponed {
            "перенесено на следующий год".into()
        } else {
            String::new()
        };
        YearDoc::mark_plan_row(&mut year, *row, PlanMark::full(plan[i].3, by, note), noon("25.05.2026")).unwrap();
    }
    YearDoc::edit_analysis(
        &mut year,
        Edit::Add(AnalysisFields {
            kind: AnalysisKind::Event,
            title: "Анализ семинара «Профилактика буллинга»".into(),
            date: d("28.11.2025"),
            subject: "Семинар".into(),
            text: "Семинар прошёл организованно.".into(),
            conclusions: "Цели достигнуты.".into(),
            recommendations: "Продолжить работу.".into(),
            plan_row: None,
        }),
        noon("28.11.2025"),
    )
    .unwrap();

    let mut library = LibraryDoc::create(school);
    let regulation = LibraryDoc::edit_regulation(
        &mut library,
        Edit::Add(RegulationFields {
            kind: RegulationKind::Statute,
            title: "Положение о методическом объединении классных руководителей".into(),
            number: "12".into(),
            date: Some(d("01.09.2025")),
            text: "1. Общие положения".into(),
            link: String::new(),
        }),
        noon("01.09.2025"),
    )
    .unwrap();
    for name in TEACHERS.iter().take(9).map(|t| t.0) {
        LibraryDoc::acknowledge(&mut library, regulation, members[name], d("05.09.2025"), None, noon("05.09.2025"))
            .unwrap();
    }
    for (title, kind, added) in [
        ("Классный час «Мы — одна команда»", MaterialKind::ClassHour, "10.06.2025"),
        ("Анкета «Мой класс»", MaterialKind::Diagnostics, "15.10.2025"),
        ("Сценарий «Новогодний калейдоскоп»", MaterialKind::Event, "20.12.2025"),
        ("Родительское собрание «Трудный возраст»", MaterialKind::ParentMeeting, "25.01.2026"),
        ("Классный час «Безопасный интернет»", MaterialKind::ClassHour, "10.02.2026"),
    ] {
        let fields = MaterialFields {
            title: title.into(),
            author: "Орлова Е. С.".into(),
            kind,
            classes: vec![5, 6],
            area: Area::Civic,
            description: String::new(),
            link: String::new(),
            presented_at: String::new(),
            for_district: false,
        };
        LibraryDoc::edit_material(&mut library, Edit::Add(fields), noon(added)).unwrap();
    }

    Fixture {
        association,
        year,
        library,
        district: district(district_id, academic_year),
        members,
        protocols,
        regulation,
    }
}

fn district(id: &DocumentId, year: AcademicYear) -> AutoCommit {
    let mut doc = DistrictYearDoc::create(id, year);
    let values = |pairs: &[(&str, &str)]| pairs.iter().fold(Values::default(), |v, (k, x)| v.with(k, *x));
    let seminar = DistrictEventFields::validate(
        &values(&[
            ("kind", "seminar"),
            ("topic", "Воспитательный потенциал классного часа"),
            ("date", "14.11.2025"),
            ("participants", "42"),
        ]),
        YEAR,
    )
    .unwrap();
    let e = DistrictYearDoc::edit_event(&mut doc, Edit::Add(seminar), noon("14.11.2025")).unwrap();
    let open = DistrictEventFields::validate(
        &values(&[
            ("kind", "open_event"),
            ("topic", "Открытый классный час «Герои рядом»"),
            ("date", "05.02.2026"),
            ("participants", "25"),
        ]),
        YEAR,
    )
    .unwrap();
    DistrictYearDoc::edit_event(&mut doc, Edit::Add(open), noon("05.02.2026")).unwrap();
    for (when, topic) in [
        ("ноябрь", "Семинар «Воспитательный потенциал классного часа»"),
        ("март", "Конференция классных руководителей"),
    ] {
        let row = PlanFields::validate(
            &PlanFields::blank()
                .with("when", when)
                .with("kind", "seminar")
                .with("topic", topic)
                .with("responsible_name", "Петрова А. В."),
            YEAR,
        )
        .unwrap();
        let r = DistrictYearDoc::edit_plan_row(&mut doc, Edit::Add(row), noon("01.09.2025")).unwrap();
        if when == "ноябрь" {
            DistrictYearDoc::mark_plan_row(
                &mut doc,
                r,
                PlanMark::full(Completion::Done, Some(e), String::new()),
                noon("15.11.2025"),
            )
            .unwrap();
        }
    }
    let contest = ContestFields::validate(
        &values(&[
            ("title", "Самый классный классный — 2026"),
            ("level", "муниципальный"),
            ("date", "15.02.2026"),
            ("participants", "Орлова Е. С.; Печерская СШ; победитель\nЛебедева М. В.; Печерская СШ; призёр\nКозлов П. Р.; Стабенская СШ; участник"),
        ]),
        YEAR,
    )
    .unwrap();
    DistrictYearDoc::edit_contest(&mut doc, Edit::Add(contest), noon("15.02.2026")).unwrap();
    for (school, follow_up) in [("Печерская СШ", "План обновлён"), ("Стабенская СШ", "")]
    {
        let visit = VisitFields::validate(
            &values(&[
                ("school", school),
                ("kind", "meeting"),
                ("date", "20.10.2025"),
                ("recommendations", "Обновить план воспитательной работы"),
                ("follow_up_by", "20.11.2025"),
                ("follow_up", follow_up),
            ]),
            YEAR,
            &[],
        )
        .unwrap();
        DistrictYearDoc::edit_visit(&mut doc, Edit::Add(visit), noon("20.10.2025")).unwrap();
    }
    for (who, topic, date) in [
        ("Кузнецов И. О., Печерская СШ", "Портфолио класса", "10.10.2025"),
        ("Михайлова Ю. А., Печерская СШ", "Работа с родителями", "12.12.2025"),
        ("Сидоров П. П., Стабенская СШ", "Классный час", "14.01.2026"),
    ] {
        let c = ConsultationFields::validate(&values(&[("who", who), ("topic", topic), ("date", date)]), YEAR).unwrap();
        DistrictYearDoc::edit_consultation(&mut doc, Edit::Add(c), noon(date)).unwrap();
    }
    let pair =
        MentoringFields::validate(&values(&[("mentor", "Сидорова Е. И."), ("mentee", "Кузнецов И. О.")])).unwrap();
    DistrictYearDoc::edit_mentoring(&mut doc, Edit::Add(pair), noon("01.09.2025")).unwrap();
    doc
}
