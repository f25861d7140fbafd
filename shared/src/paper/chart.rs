//! A bar chart of a paper: one bar a line, the label above it and the
//! figure after it. Drawn as SVG for the screen and the A4 print view; in
//! DOCX each bar is a stretched one-pixel picture in a table row, which
//! Word, LibreOffice and every viewer show as it is (an SVG picture in
//! DOCX needs a PNG fallback that only a rasteriser could draw).

use serde::{Deserialize, Serialize};

/// A bar chart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Chart {
    /// What it shows.
    pub title: String,
    /// Each bar: its label and figure.
    pub bars: Vec<(String, u64)>,
    /// The figure of a full bar (how many answered); the largest bar's
    /// figure when none is given (0).
    pub of: u64,
}

/// Width of the drawing, in its own units (CSS pixels on screen).
const WIDTH: u32 = 640;
/// Height of one bar's line: its label, then the bar.
const ROW: u32 = 38;
/// Room after the longest bar for its figure.
const FIGURE_ROOM: u32 = 80;
/// The bars' colour.
pub const BAR_COLOUR: &str = "#3d6aa8";
/// The same colour as a 1×1 PNG, stretched into a bar in DOCX.
pub const BAR_PIXEL: [u8; 69] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 144, 119, 83,
    222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 176, 205, 90, 1, 0, 2, 55, 1, 80, 157, 68, 97, 233, 0, 0, 0, 0, 73,
    69, 78, 68, 174, 66, 96, 130,
];

impl Chart {
    /// The figure a full bar stands for (never 0).
    pub fn full(&self) -> u64 {
        let largest = self.bars.iter().map(|(_, n)| *n).max().unwrap_or(0);
        if self.of > 0 { self.of.max(largest) } else { largest.max(1) }
    }

    /// A bar's share of the full width, 0 to 1.
    pub fn share(&self, figure: u64) -> f64 {
        figure as f64 / self.full() as f64
    }

    /// The figure as written after its bar: «12», or «12 (40%)» when the
    /// bars are shares of the answers.
    pub fn figure(&self, figure: u64) -> String {
        match (figure * 100).checked_div(self.of) {
            Some(percent) => format!("{figure} ({percent}%)"),
            None => figure.to_string(),
        }
    }

    /// The chart as an SVG drawing.
    pub fn svg(&self) -> String {
        let height = ROW * self.bars.len() as u32 + 4;
        let room = f64::from(WIDTH - FIGURE_ROOM);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" \
             role=\"img\" aria-label=\"{}\" font-family=\"Times New Roman, serif\" font-size=\"14\">",
            escape(&self.title)
        );
        for (n, (label, figure)) in self.bars.iter().enumerate() {
            let top = ROW * n as u32;
            let width = (room * self.share(*figure)).round().max(if *figure > 0 { 2.0 } else { 0.0 });
            out.push_str(&format!(
                "<text x=\"0\" y=\"{}\">{}</text>\
                 <rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"14\" fill=\"{BAR_COLOUR}\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                top + 14,
                escape(label),
                top + 19,
                width + 6.0,
                top + 31,
                escape(&self.figure(*figure)),
            ));
        }
        out.push_str("</svg>");
        out
    }
}

/// Text safe inside SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_shares_of_the_answers_and_the_words_are_escaped() {
        let chart = Chart {
            title: "Где нужна помощь".into(),
            bars: vec![("работа с <родителями>".into(), 3), ("документация".into(), 0), ("профилактика".into(), 1)],
            of: 4,
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("width=\"420\""), "3 of 4 is three quarters of 560: {svg}");
        assert!(svg.contains("width=\"0\""), "nobody is no bar");
        assert!(svg.contains("работа с &lt;родителями&gt;"));
        assert!(svg.contains(">3 (75%)<"));
        let plain = Chart { of: 0, ..chart };
        assert_eq!(plain.full(), 3);
        assert_eq!(plain.figure(3), "3");
    }
}
