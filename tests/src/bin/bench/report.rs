//! The results as a Markdown report: the machine and versions, then each
//! workload's measures for every server run side by side, then the targets.

use std::fmt::Write;

use crate::target::Kind;
use crate::workloads::Measure;

/// One workload's results on each server it ran on.
pub(crate) struct Section {
    pub(crate) title: String,
    pub(crate) about: String,
    pub(crate) results: Vec<(Kind, Vec<Measure>)>,
}

impl Section {
    /// The value of the measure called `name` on `kind`.
    pub(crate) fn value(&self, kind: Kind, name: &str) -> Option<f64> {
        let (_, measures) = self.results.iter().find(|(k, _)| *k == kind)?;
        measures.iter().find(|m| m.name == name).map(|m| m.value)
    }

    /// Our value (on the embedded store) and the JS server's for `name`.
    pub(crate) fn pair(&self, name: &str) -> (Option<f64>, Option<f64>) {
        (self.value(Kind::Ours, name), self.value(Kind::Js, name))
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
        let kinds: Vec<Kind> = s.results.iter().map(|(k, _)| *k).collect();
        let with_ratio = kinds.contains(&Kind::Ours) && kinds.contains(&Kind::Js);
        out.push_str("| measure |");
        for k in &kinds {
            let _ = write!(out, " {} |", k.name());
        }
        out.push_str(if with_ratio { " ours ÷ JS |\n|---|" } else { "\n|---|" });
        out.push_str(&"--:|".repeat(kinds.len() + usize::from(with_ratio)));
        out.push('\n');
        // Rows in the order the first server that measured anything gave them.
        let rows = s.results.iter().map(|(_, m)| m).find(|m| !m.is_empty()).cloned().unwrap_or_default();
        for m in &rows {
            let arrow = if m.higher_is_better { "↑" } else { "↓" };
            let unit = if m.unit.is_empty() { String::new() } else { format!(", {}", m.unit) };
            let _ = write!(out, "| {} ({arrow}{unit}) |", m.name);
            for k in &kinds {
                let _ = write!(out, " {} |", s.value(*k, &m.name).map_or("—".into(), number));
            }
            if with_ratio {
                let ratio = match s.pair(&m.name) {
                    (Some(o), Some(j)) if j != 0.0 && !o.is_nan() && !j.is_nan() => format!("{:.2}", o / j),
                    _ => "—".into(),
                };
                let _ = write!(out, " {ratio} |");
            }
            out.push('\n');
        }
    }
    out.push_str(tail);
    out
}
