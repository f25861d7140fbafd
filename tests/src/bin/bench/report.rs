//! The results as a Markdown report: the machine and versions, then each
//! workload's measures for both servers side by side, then the targets.

use std::fmt::Write;

use crate::workloads::Measure;

/// One workload's results on both servers.
pub(crate) struct Section {
    pub(crate) title: String,
    pub(crate) about: String,
    pub(crate) ours: Vec<Measure>,
    pub(crate) js: Vec<Measure>,
}

impl Section {
    /// Our value and the JS server's for the measure called `name`.
    pub(crate) fn pair(&self, name: &str) -> (Option<f64>, Option<f64>) {
        let find = |ms: &[Measure]| ms.iter().find(|m| m.name == name).map(|m| m.value);
        (find(&self.ours), find(&self.js))
    }
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The report's Markdown.
pub(crate) fn markdown(header: &str, sections: &[Section], tail: &str) -> String {
    let mut out = String::from(header);
    for s in sections {
        let _ = writeln!(out, "\n### {}\n\n{}\n", s.title, s.about);
        out.push_str("| measure | ours | JS automerge-repo | ours ÷ JS |\n|---|--:|--:|--:|\n");
        for m in &s.ours {
            let (ours, js) = s.pair(&m.name);
            let arrow = if m.higher_is_better { "↑" } else { "↓" };
            let unit = if m.unit.is_empty() { String::new() } else { format!(", {}", m.unit) };
            let ratio = match (ours, js) {
                (Some(o), Some(j)) if j != 0.0 && !o.is_nan() && !j.is_nan() => format!("{:.2}", o / j),
                _ => "—".into(),
            };
            let _ = writeln!(
                out,
                "| {} ({arrow}{unit}) | {} | {} | {ratio} |",
                m.name,
                ours.map_or("—".into(), number),
                js.map_or("—".into(), number)
            );
        }
    }
    out.push_str(tail);
    out
}
