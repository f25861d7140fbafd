//! The protocol of a meeting in the standard form, and the extract of its
//! decisions (выписка из протокола) for those responsible.

use crate::AssociationDoc;
use crate::paper::{Align, Cell, Paper, Para};
use crate::papers::{Letterhead, decisions_table, ruled, signature};
use crate::protocol::{AgendaItem, Decision, Protocol};

/// Above this many present, the protocol gives only the count and attaches
/// the list (as office practice has it).
pub const LIST_IN_TEXT_UP_TO: usize = 15;

/// «Протокол № 3 от 14.11.2026».
fn heading(paper: &mut Paper, head: &Letterhead, title: &str, p: &Protocol) {
    head.put(paper);
    paper.gap();
    paper.para(Para::title(format!("{title} № {}", p.number)));
    paper.para(Para::title(format!("заседания {}", head.body())));
    paper.para(Para::new(format!("от {}", p.date)).align(Align::Center));
    paper.gap();
}

/// ФИО of the members whose ids are `ids`, alphabetically, as they were
/// at the meeting: one who has left the list since is named plainly.
fn names(members: &AssociationDoc, ids: &[uuid::Uuid]) -> Vec<String> {
    let mut list: Vec<String> = ids.iter().map(|id| members.full_name(Some(*id))).collect();
    list.sort_by_key(|n| crate::text::fold(n));
    list
}

/// The agenda, then each item with «слушали / выступили / решили»; under
/// «РЕШИЛИ» the item's words, then the lines `decided` gives for it (a
/// school protocol's decisions on that question).
pub(crate) fn agenda(paper: &mut Paper, items: &[&AgendaItem], decided: &dyn Fn(&AgendaItem) -> Vec<Para>) {
    paper.para(Para::title("Повестка дня:").align(Align::Left));
    for (n, item) in items.iter().enumerate() {
        let speaker =
            if item.speaker.trim().is_empty() { String::new() } else { format!(" ({})", item.speaker.trim()) };
        paper.para(Para::new(format!("{}. {}{speaker}", n + 1, item.topic.as_str().trim())).indented());
    }
    for (n, item) in items.iter().enumerate() {
        paper.gap();
        paper.para(Para { keep_with_next: true, ..Para::bold(format!("{}. {}", n + 1, item.topic.as_str().trim())) });
        let heard = match item.speaker.trim().trim_end_matches('.') {
            "" => item.heard.as_str().trim().to_owned(),
            speaker => format!("{speaker}. {}", item.heard.as_str().trim()),
        };
        paper.labelled_text("СЛУШАЛИ:", &heard);
        paper.labelled_text("ВЫСТУПИЛИ:", item.spoke.as_str());
        let decisions = decided(item);
        if decisions.is_empty() || !item.decided.as_str().trim().is_empty() {
            paper.labelled_text("РЕШИЛИ:", item.decided.as_str());
        } else {
            paper.para(Para { keep_with_next: true, ..Para::bold("РЕШИЛИ:") });
        }
        for line in decisions {
            paper.para(line);
        }
    }
}

/// «1. Провести классные часы. Ответственный: Орлова Е. С. Срок: 01.12.2026.»
fn decision_line(members: &AssociationDoc, n: usize, d: &Decision) -> Para {
    let mut line = Para::new(format!("{n}. {}", sentence(d.text.as_str()))).indented();
    if d.responsible.is_some() {
        line = line.add_plain(" Ответственный: ").add_italic(members.full_name(d.responsible)).add_plain(".");
    }
    if let Some(deadline) = d.deadline {
        line = line.add_plain(" Срок: ").add_italic(deadline.to_string()).add_plain(".");
    }
    line
}

/// The whole protocol.
pub fn protocol(head: &Letterhead, members: &AssociationDoc, p: &Protocol) -> Paper {
    let mut paper = Paper::new(p.title(), &format!("Протокол №{} от {}", p.number, p.date));
    heading(&mut paper, head, "ПРОТОКОЛ", p);
    paper.para(Para::labelled("Председатель:", members.full_name(p.chair)));
    paper.para(Para::labelled("Секретарь:", members.full_name(p.secretary)));
    let present = p.present();
    let absent: Vec<uuid::Uuid> =
        p.attendance.iter().filter(|(_, here)| !**here).filter_map(|(id, _)| id.parse().ok()).collect();
    paper
        .para(Para::labelled("Всего членов МО:", format!("{}, присутствовали: {}", p.attendance.len(), present.len())));
    let attached = present.len() > LIST_IN_TEXT_UP_TO;
    if attached {
        paper.para(Para::new("Список присутствовавших прилагается."));
    } else if !present.is_empty() {
        paper.para(Para::labelled("Присутствовали:", names(members, &present).join(", ")));
    }
    if !absent.is_empty() {
        paper.para(Para::labelled("Отсутствовали:", names(members, &absent).join(", ")));
    }
    if !p.invited.trim().is_empty() {
        paper.para(Para::labelled("Приглашённые:", p.invited.trim()));
    }
    paper.gap();
    paper.para(Para::labelled("Тема:", p.theme.as_str().trim()));
    paper.gap();
    // Each decision prints once: under its question's «РЕШИЛИ», or, when
    // it names none, under «ПОСТАНОВИЛИ» after the agenda.
    let on_item = |item: &AgendaItem| {
        let list = p.decisions_on(Some(item.id));
        list.iter().enumerate().map(|(n, d)| decision_line(members, n + 1, d)).collect()
    };
    agenda(&mut paper, &p.agenda_items(), &on_item);
    let rest = p.decisions_on(None);
    if !rest.is_empty() {
        paper.gap();
        paper.para(Para { keep_with_next: true, ..Para::bold("ПОСТАНОВИЛИ:") });
        for (n, d) in rest.iter().enumerate() {
            paper.para(decision_line(members, n + 1, d));
        }
    }
    paper.gap();
    paper.gap();
    paper.para(signature("Председатель", &members.initials_of(p.chair)));
    paper.gap();
    paper.para(signature("Секретарь", &members.initials_of(p.secretary)));
    if attached {
        paper.page_break();
        paper.para(Para::new(format!("Приложение к протоколу № {} от {}", p.number, p.date)).align(Align::Right));
        paper.gap();
        paper.para(Para::title("Список присутствовавших на заседании"));
        paper.gap();
        let rows = present_rows(members, &present);
        paper.table(ruled(vec![1, 6, 5, 3], &["№", "ФИО", "Должность", "Подпись"], rows));
    }
    paper
}

fn present_rows(members: &AssociationDoc, present: &[uuid::Uuid]) -> Vec<Vec<Cell>> {
    let mut people: Vec<(String, String)> = present
        .iter()
        .map(|id| (members.full_name(Some(*id)), members.member(*id).map(|m| m.position.clone()).unwrap_or_default()))
        .collect();
    people.sort_by_key(|(n, _)| crate::text::fold(n));
    people
        .into_iter()
        .enumerate()
        .map(|(n, (name, position))| {
            vec![Cell::new((n + 1).to_string()), Cell::new(name), Cell::new(position), Cell::new("")]
        })
        .collect()
}

/// «Выписка из протокола»: the theme and the decisions with who carries
/// them out and by when, certified by the secretary.
pub fn extract(head: &Letterhead, members: &AssociationDoc, p: &Protocol) -> Paper {
    let mut paper = Paper::new(
        format!("Выписка из протокола № {} от {}", p.number, p.date),
        &format!("Выписка из протокола №{} от {}", p.number, p.date),
    );
    heading(&mut paper, head, "ВЫПИСКА ИЗ ПРОТОКОЛА", p);
    paper.para(Para::labelled("Присутствовали:", format!("{} из {}", p.present().len(), p.attendance.len())));
    paper.para(Para::labelled("Тема:", p.theme.as_str().trim()));
    paper.gap();
    let who = |d: &Decision| if d.responsible.is_some() { members.full_name(d.responsible) } else { String::new() };
    let decisions = p.decision_list();
    decisions_table(&mut paper, decisions.iter().map(|d| (d.text.as_str().to_owned(), who(d), d.deadline)).collect());
    paper.gap();
    paper.para(Para::new("Выписка верна."));
    paper.para(signature("Секретарь", &members.initials_of(p.secretary)));
    paper.para(Para::new("Дата выдачи: ____________"));
    paper
}

/// A decision's text ending as a sentence does, so what follows reads apart.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?', '…']) || text.is_empty() { text.to_owned() } else { format!("{text}.") }
}
