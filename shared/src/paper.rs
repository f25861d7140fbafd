//! A printable document (протокол, план, список, анализ) as blocks of text
//! and tables, described once and rendered twice: as DOCX ([`docx`]) and as
//! the app's A4 print view. The documents themselves are built from the
//! records in [`crate::papers`].

pub mod chart;
pub mod docx;

pub use chart::Chart;

use serde::{Deserialize, Serialize};

/// How a paragraph lines up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Align {
    /// Flush left.
    #[default]
    Left,
    /// Centred (titles).
    Center,
    /// Flush right (approval marks, dates).
    Right,
    /// Both edges (running text).
    Justify,
}

impl Align {
    /// The CSS `text-align` value.
    pub fn css(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Center => "center",
            Self::Right => "right",
            Self::Justify => "justify",
        }
    }
}

/// A piece of a paragraph in one style.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    /// The words.
    pub text: String,
    /// Полужирный.
    pub bold: bool,
    /// Курсив.
    pub italic: bool,
}

/// A paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Para {
    /// Its pieces.
    pub spans: Vec<Span>,
    /// How it lines up.
    pub align: Align,
    /// A first-line indent (running text).
    pub indent: bool,
    /// Keep it on the page of the next block (headings, labels).
    pub keep_with_next: bool,
}

impl Para {
    /// A plain paragraph.
    pub fn new(text: impl Into<String>) -> Self {
        Self { spans: vec![Span { text: text.into(), ..Span::default() }], ..Self::default() }
    }

    /// A bold paragraph.
    pub fn bold(text: impl Into<String>) -> Self {
        Self { spans: vec![Span { text: text.into(), bold: true, ..Span::default() }], ..Self::default() }
    }

    /// A bold, centred title line, kept with what follows.
    pub fn title(text: impl Into<String>) -> Self {
        Self { keep_with_next: true, ..Self::bold(text).align(Align::Center) }
    }

    /// «Label: text» with the label in bold.
    pub fn labelled(label: &str, text: impl Into<String>) -> Self {
        Self::default().add_bold(format!("{label} ")).add_plain(text)
    }

    /// The same paragraph lined up as `align`.
    pub fn align(self, align: Align) -> Self {
        Self { align, ..self }
    }

    /// The same paragraph with a first-line indent, justified.
    pub fn indented(self) -> Self {
        Self { indent: true, align: Align::Justify, ..self }
    }

    /// Adds plain text.
    pub fn add_plain(mut self, text: impl Into<String>) -> Self {
        self.spans.push(Span { text: text.into(), ..Span::default() });
        self
    }

    /// Adds bold text.
    pub fn add_bold(mut self, text: impl Into<String>) -> Self {
        self.spans.push(Span { text: text.into(), bold: true, ..Span::default() });
        self
    }

    /// Adds italic text.
    pub fn add_italic(mut self, text: impl Into<String>) -> Self {
        self.spans.push(Span { text: text.into(), italic: true, ..Span::default() });
        self
    }

    /// The paragraph's words.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A table cell: paragraphs, spanning one or more columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Its paragraphs.
    pub paras: Vec<Para>,
    /// How many columns it takes.
    pub span: usize,
}

impl Cell {
    /// A cell of one plain paragraph per line of `text`.
    pub fn new(text: impl AsRef<str>) -> Self {
        Self { paras: lines(text.as_ref()).into_iter().map(Para::new).collect(), span: 1 }
    }

    /// A cell of paragraphs.
    pub fn paras(paras: Vec<Para>) -> Self {
        Self { paras, span: 1 }
    }

    /// A bold, centred header cell.
    pub fn head(text: impl Into<String>) -> Self {
        Self { paras: vec![Para::bold(text).align(Align::Center)], span: 1 }
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Column widths, in parts of the whole.
    pub widths: Vec<u32>,
    /// Rows of cells; the first `header_rows` are headings.
    pub rows: Vec<Vec<Cell>>,
    /// How many rows at the top are headings.
    pub header_rows: usize,
    /// Ruled (a data table) or not (a layout, such as the approval block).
    pub ruled: bool,
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// A paragraph.
    Para(Para),
    /// A table.
    Table(Table),
    /// A bar chart.
    Chart(Chart),
    /// An empty line.
    Gap,
    /// The rest starts on a new page.
    PageBreak,
}

/// A document ready to print or save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    /// What it is, «Протокол № 3 от 14.11.2026».
    pub title: String,
    /// The file name people see, with `.docx`.
    pub file_name: String,
    /// A4 turned sideways (wide tables).
    pub landscape: bool,
    /// Its contents.
    pub blocks: Vec<Block>,
}

impl Paper {
    /// An empty portrait document named `title`; the file is named `file`.
    pub fn new(title: impl Into<String>, file: &str) -> Self {
        Self { title: title.into(), file_name: file_name(file), landscape: false, blocks: Vec::new() }
    }

    /// Adds a paragraph.
    pub fn para(&mut self, para: Para) {
        self.blocks.push(Block::Para(para));
    }

    /// Adds a paragraph per line of `text`, indented running text.
    pub fn text(&mut self, text: &str) {
        for line in lines(text) {
            self.para(Para::new(line).indented());
        }
    }

    /// Adds «Label:» and then `text`: on one line when it is one line, else
    /// the label and the text's lines under it. Nothing when `text` is empty.
    pub fn labelled_text(&mut self, label: &str, text: &str) {
        match lines(text).as_slice() {
            [] => {}
            [one] => self.para(Para::labelled(label, one.clone()).indented()),
            many => {
                self.para(Para { keep_with_next: true, ..Para::bold(label) });
                for line in many {
                    self.para(Para::new(line.clone()).indented());
                }
            }
        }
    }

    /// Adds a table.
    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// Adds a bar chart.
    pub fn chart(&mut self, chart: Chart) {
        self.blocks.push(Block::Chart(chart));
    }

    /// Adds an empty line.
    pub fn gap(&mut self) {
        self.blocks.push(Block::Gap);
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.blocks.push(Block::PageBreak);
    }

    /// Every word of the document in reading order, one paragraph a line
    /// (for tests and search).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Para(p) => {
                    out.push_str(&p.text());
                    out.push('\n');
                }
                Block::Table(t) => {
                    for row in &t.rows {
                        let cells: Vec<String> =
                            row.iter().map(|c| c.paras.iter().map(Para::text).collect::<Vec<_>>().join(" ")).collect();
                        out.push_str(&cells.join("\t"));
                        out.push('\n');
                    }
                }
                Block::Chart(c) => {
                    out.push_str(&c.title);
                    out.push('\n');
                    for (label, figure) in &c.bars {
                        out.push_str(&format!("{label} — {}\n", c.figure(*figure)));
                    }
                }
                Block::Gap | Block::PageBreak => out.push('\n'),
            }
        }
        out
    }
}

/// The non-empty lines of `text`, trimmed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// `name.docx` with what file systems refuse (`/ \ : * ? " < > |`) replaced.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '-' } else { c })
        .collect();
    format!("{}.docx", safe.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_say_what_they_are() {
        assert_eq!(Paper::new("", "Протокол №3 от 14.11.2026").file_name, "Протокол №3 от 14.11.2026.docx");
        assert_eq!(Paper::new("", "План работы на 2026/2027").file_name, "План работы на 2026-2027.docx");
    }

    #[test]
    fn a_labelled_text_of_several_lines_puts_the_label_above() {
        let mut p = Paper::new("", "x");
        p.labelled_text("Слушали:", "Первое.\n\nВторое.");
        p.labelled_text("Выступили:", "Одна строка");
        p.labelled_text("Пусто:", "  ");
        assert_eq!(p.plain_text(), "Слушали:\nПервое.\nВторое.\nВыступили: Одна строка\n");
    }
}
