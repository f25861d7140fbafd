//! «Кадры»: professional growth across the district, from every school's
//! member list as it last arrived — categories running out this academic
//! year and next, courses more than three years old, young specialists and
//! their mentors — and the perspective plan of attestation and courses.

use std::rc::Rc;

use leptos::prelude::*;
use shared::AcademicYear;
use shared::staff::{Expiring, Staff, perspective_plan};

use crate::clock::today;
use crate::pages::district_letterhead;
use crate::print::{MakePaper, PaperActions};
use crate::ui::Ui;

/// The district's class teachers by school, from the schools' lines.
fn staff(ui: Ui) -> Staff {
    let Some(me) = ui.settled.get() else { return Staff::default() };
    let schools = ui.summaries.with(|lines| {
        me.schools
            .iter()
            .filter_map(|s| {
                let line = lines.iter().find(|l| l.school == s.id && l.arrived)?;
                Some((s.name.clone(), line.summary.staff.clone()))
            })
            .collect()
    });
    Staff { schools }
}

#[component]
pub fn StaffPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let staff = Memo::new(move |_| staff(ui));
    let make: MakePaper = Rc::new(move || {
        let year = ui.year.get_untracked();
        Ok(perspective_plan(&district_letterhead(ui), &staff.get_untracked(), year, today()))
    });
    let table = move |title: String, testid: &'static str, pick: fn(&Staff, AcademicYear) -> Vec<Expiring<'_>>| {
        move || {
            let year = ui.year.get();
            staff.with(|s| {
                let rows = pick(s, year)
                    .into_iter()
                    .map(|(school, p)| {
                        let until = p.category_until.map(|d| d.to_string()).unwrap_or_default();
                        let course = p.course_year.map(|y| y.to_string()).unwrap_or_else(|| "нет сведений".into());
                        let mentor = p.mentor.clone().unwrap_or_else(|| "не назначен".into());
                        view! {
                            <tr data-testid="staff-row">
                                <td class="name">{p.name.clone()}</td>
                                <td data-label="Школа">{school.to_owned()}</td>
                                <td data-label="Категория">{p.category.label()}</td>
                                <td data-label="Действует до">{until}</td>
                                <td data-label="Последние курсы">{course}</td>
                                <td data-label="Наставник">{if p.young_specialist { mentor } else { String::new() }}</td>
                            </tr>
                        }
                    })
                    .collect::<Vec<_>>();
                if rows.is_empty() {
                    return view! {
                        <div class="tile" data-testid=testid>
                            <h2>{title.clone()}</h2>
                            <p class="muted">"Никого."</p>
                        </div>
                    }
                    .into_any();
                }
                view! {
                    <div class="tile" data-testid=testid>
                        <h2>{title.clone()}</h2>
                        // A card per person on a phone (style.css).
                        <table class="cards">
                            <thead>
                                <tr>
                                    <th>"ФИО"</th>
                                    <th>"Школа"</th>
                                    <th>"Категория"</th>
                                    <th>"Действует до"</th>
                                    <th>"Последние курсы"</th>
                                    <th>"Наставник"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })
        }
    };
    let year = move || ui.year.get();
    view! {
        <section class="staff" data-testid="staff">
            <div class="section-head">
                <h1>"Кадры: аттестация, курсы, молодые специалисты"</h1>
                <PaperActions make=make what="перспективного плана" testid="perspective" />
            </div>
            <p class="muted">
                "По спискам членов МО школ, какими они последний раз поступили на сервер. \
                 Школы, записи которых ещё не получены, здесь не видны."
            </p>
            {move || table(format!("Категория истекает в {} учебном году (или уже истекла)", year()), "expiring", |s, y| s.categories_expiring(y))}
            {move || table(
                format!("Категория истекает в {} учебном году", AcademicYear(year().0 + 1)),
                "expiring-next",
                |s, y| s.categories_expiring_next(y),
            )}
            {move || table("Курсы повышения квалификации более трёх лет назад или нет сведений".into(), "courses-old", |s, _| s.courses_old(today()))}
            {move || table("Молодые специалисты и наставники".into(), "young", |s, _| s.young_specialists())}
        </section>
    }
}
