//! A [`Paper`] as a DOCX file: A4, Times New Roman 14 pt (12 pt in
//! tables), margins of Russian office paperwork (left 30 mm, right 15 mm,
//! top and bottom 20 mm).
//!
//! Written here as WordprocessingML (ECMA-376 part 1, elements in the
//! schema's order) rather than with a DOCX library: a paper needs
//! paragraphs, tables and a bar picture, and docx-rs with its encodings and
//! compressors was two fifths of the DOCX worker's wasm that every phone
//! downloads and keeps (see BENCHMARKS.md).

use std::fmt::Write as _;

use super::chart::BAR_PIXEL;
use super::{Align, Block, Chart, Paper, Para, Table};

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11_906, 16_838);
/// Left 30 mm, right 15 mm, top and bottom 20 mm.
const MARGINS: (u32, u32, u32, u32) = (1_134, 850, 1_134, 1_701);
/// Half-points.
const TEXT_SIZE: u32 = 28;
const TABLE_SIZE: u32 = 24;
/// 1.25 cm.
const FIRST_LINE: u32 = 709;
const FONT: &str = "Times New Roman";
/// A bar's height in EMU (about 3.3 mm).
const BAR_HEIGHT: u32 = 120_000;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// The document as the bytes of a `.docx` file.
pub fn to_docx(paper: &Paper) -> Result<Vec<u8>, crate::Error> {
    let parts = [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", package_relationships()),
        ("docProps/core.xml", core_properties(paper)),
        ("word/_rels/document.xml.rels", document_relationships()),
        ("word/styles.xml", styles()),
        ("word/settings.xml", settings()),
        ("word/document.xml", document(paper)),
    ];
    let parts: Vec<(&str, &[u8])> = parts.iter().map(|(name, xml)| (*name, xml.as_bytes())).collect();
    crate::archive::write(&[parts.as_slice(), &[("word/media/bar.png", &BAR_PIXEL)]].concat())
}

fn content_types() -> String {
    let main = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    format!(
        r#"{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="{main}.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="{main}.styles+xml"/><Override PartName="/word/settings.xml" ContentType="{main}.settings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#
    )
}

fn package_relationships() -> String {
    format!(
        r#"{XML}<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="{PACKAGE_REL}/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#
    )
}

fn document_relationships() -> String {
    format!(
        r#"{XML}<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="{REL}/settings" Target="settings.xml"/><Relationship Id="rIdBar" Type="{REL}/image" Target="media/bar.png"/></Relationships>"#
    )
}

/// The title Word shows in the file's properties.
fn core_properties(paper: &Paper) -> String {
    format!(
        r#"{XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:language>ru-RU</dc:language></cp:coreProperties>"#,
        escape(&paper.title)
    )
}

/// Word's current layout rules (compatibility mode 15): without them Word
/// opens the file in compatibility mode with Word 2007's.
fn settings() -> String {
    format!(
        r#"{XML}<w:settings xmlns:w="{W}"><w:defaultTabStop w:val="{FIRST_LINE}"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#
    )
}

/// The defaults every run and paragraph starts from: the font, 14 pt,
/// Russian for the spelling checker, no space around paragraphs.
fn styles() -> String {
    format!(
        r#"{XML}<w:styles xmlns:w="{W}"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/><w:sz w:val="{TEXT_SIZE}"/><w:szCs w:val="{TEXT_SIZE}"/><w:lang w:val="ru-RU" w:eastAsia="ru-RU" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#
    )
}

fn document(paper: &Paper) -> String {
    let (top, right, bottom, left) = MARGINS;
    let (width, height, orient) = if paper.landscape { (A4.1, A4.0, "landscape") } else { (A4.0, A4.1, "portrait") };
    let text_width = width - left - right;
    let mut out = Body { xml: String::new(), pictures: 0 };
    let _ = write!(
        out.xml,
        r#"{XML}<w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:wp="{WP}" xmlns:a="{A}" xmlns:pic="{PIC}"><w:body>"#
    );
    let mut page_break_pending = false;
    for block in &paper.blocks {
        match block {
            Block::Para(p) => out.paragraph(p, TEXT_SIZE, std::mem::take(&mut page_break_pending)),
            Block::Gap => out.xml.push_str("<w:p/>"),
            Block::PageBreak => page_break_pending = true,
            Block::Chart(c) => {
                out.paragraph(&Para::bold(&c.title), TEXT_SIZE, std::mem::take(&mut page_break_pending));
                out.chart(c, text_width);
            }
            Block::Table(t) => {
                if std::mem::take(&mut page_break_pending) {
                    out.xml.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
                }
                out.table(t, text_width);
            }
        }
    }
    let _ = write!(
        out.xml,
        r#"<w:sectPr><w:pgSz w:w="{width}" w:h="{height}" w:orient="{orient}"/><w:pgMar w:top="{top}" w:right="{right}" w:bottom="{bottom}" w:left="{left}" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    out.xml
}

/// `word/document.xml` as it is written.
struct Body {
    xml: String,
    /// Pictures so far (each needs an id of its own).
    pictures: u32,
}

impl Body {
    fn paragraph(&mut self, p: &Para, size: u32, page_break_before: bool) {
        let out = &mut self.xml;
        out.push_str("<w:p><w:pPr>");
        if p.keep_with_next {
            out.push_str("<w:keepNext/>");
        }
        if page_break_before {
            out.push_str("<w:pageBreakBefore/>");
        }
        if p.indent {
            let _ = write!(out, r#"<w:ind w:firstLine="{FIRST_LINE}"/>"#);
        }
        let jc = match p.align {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
            Align::Justify => "both",
        };
        let _ = write!(out, r#"<w:jc w:val="{jc}"/></w:pPr>"#);
        for span in &p.spans {
            out.push_str("<w:r><w:rPr>");
            if span.bold {
                out.push_str("<w:b/><w:bCs/>");
            }
            if span.italic {
                out.push_str("<w:i/><w:iCs/>");
            }
            let _ = write!(
                out,
                r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
                escape(&span.text)
            );
        }
        out.push_str("</w:p>");
    }

    /// A chart as a borderless table: the label, the bar (a one-pixel
    /// picture stretched to its share of the column), the figure.
    fn chart(&mut self, c: &Chart, text_width: u32) {
        let grid = [text_width * 2 / 5, text_width * 2 / 5, text_width / 5];
        // Twentieths of a point to EMU.
        let bar_room = f64::from(grid[1]) * 635.0 * 0.95;
        self.table_start(&grid, text_width, false);
        for (label, figure) in &c.bars {
            self.xml.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            self.cell_start(grid[0], 1, false);
            self.paragraph(&Para::new(label), TABLE_SIZE, false);
            self.xml.push_str("</w:tc>");
            self.cell_start(grid[1], 1, false);
            let width = (bar_room * c.share(*figure)).round() as u32;
            if width > 0 {
                self.bar(width);
            } else {
                self.xml.push_str("<w:p/>");
            }
            self.xml.push_str("</w:tc>");
            self.cell_start(grid[2], 1, false);
            self.paragraph(&Para::new(c.figure(*figure)), TABLE_SIZE, false);
            self.xml.push_str("</w:tc></w:tr>");
        }
        self.xml.push_str("</w:tbl>");
    }

    /// A paragraph holding the bar picture, `width` EMU wide.
    fn bar(&mut self, width: u32) {
        self.pictures += 1;
        let id = self.pictures;
        let _ = write!(
            self.xml,
            r#"<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{width}" cy="{BAR_HEIGHT}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{id}" name="Полоса {id}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="{PIC}"><pic:pic><pic:nvPicPr><pic:cNvPr id="{id}" name="bar.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdBar"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width}" cy="{BAR_HEIGHT}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
        );
    }

    fn table(&mut self, t: &Table, text_width: u32) {
        let parts: u32 = t.widths.iter().sum::<u32>().max(1);
        let grid: Vec<u32> =
            t.widths.iter().map(|w| (u64::from(text_width) * u64::from(*w) / u64::from(parts)) as u32).collect();
        self.table_start(&grid, text_width, t.ruled);
        let size = if t.ruled { TABLE_SIZE } else { TEXT_SIZE };
        for (r, row) in t.rows.iter().enumerate() {
            self.xml.push_str(if r < t.header_rows { "<w:tr><w:trPr><w:cantSplit/></w:trPr>" } else { "<w:tr>" });
            let mut column = 0;
            for c in row {
                let width: u32 = grid.iter().skip(column).take(c.span).sum();
                column += c.span;
                self.cell_start(width, c.span, t.ruled);
                if c.paras.is_empty() {
                    self.paragraph(&Para::default(), size, false);
                }
                for p in &c.paras {
                    self.paragraph(p, size, false);
                }
                self.xml.push_str("</w:tc>");
            }
            self.xml.push_str("</w:tr>");
        }
        self.xml.push_str("</w:tbl>");
    }

    /// Opens a table of fixed column widths `grid` (twentieths of a
    /// point), ruled with thin lines or without any.
    fn table_start(&mut self, grid: &[u32], width: u32, ruled: bool) {
        let out = &mut self.xml;
        let _ = write!(out, r#"<w:tbl><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="left"/>"#);
        out.push_str("<w:tblBorders>");
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            border(out, side, ruled);
        }
        out.push_str(r#"</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>"#);
        for w in grid {
            let _ = write!(out, r#"<w:gridCol w:w="{w}"/>"#);
        }
        out.push_str("</w:tblGrid>");
    }

    /// Opens a cell `width` wide over `span` columns; one of a table
    /// without rules has none of its own either.
    fn cell_start(&mut self, width: u32, span: usize, ruled: bool) {
        let out = &mut self.xml;
        let _ = write!(out, r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>"#);
        if span > 1 {
            let _ = write!(out, r#"<w:gridSpan w:val="{span}"/>"#);
        }
        if !ruled {
            out.push_str("<w:tcBorders>");
            for side in ["top", "left", "bottom", "right"] {
                border(out, side, false);
            }
            out.push_str("</w:tcBorders>");
        }
        out.push_str("</w:tcPr>");
    }
}

/// One side's line: a thin single rule, or none.
fn border(out: &mut String, side: &str, ruled: bool) {
    if ruled {
        let _ = write!(out, r#"<w:{side} w:val="single" w:sz="2" w:space="0" w:color="000000"/>"#);
    } else {
        let _ = write!(out, r#"<w:{side} w:val="nil"/>"#);
    }
}

/// `text` as XML character data: the markup characters escaped, and the
/// control characters XML 1.0 does not allow left out (a tab and a line
/// break stay).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read as _};

    use super::*;
    use crate::paper::Cell;

    /// The parts of a DOCX file, by name.
    fn parts(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut file = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                (file.name().to_owned(), data)
            })
            .collect()
    }

    #[test]
    fn a_document_packs_into_a_zip_of_well_formed_parts_with_its_words() {
        let mut paper = Paper::new("Протокол № 1 <черновик> & копия", "Проба");
        paper.para(Para::title("ПРОТОКОЛ № 1"));
        paper.table(Table {
            widths: vec![1, 3],
            rows: vec![vec![Cell::head("№"), Cell::head("Решение")], vec![Cell::new("1"), Cell::new("Принять план")]],
            header_rows: 1,
            ruled: true,
        });
        paper.page_break();
        paper.para(Para::new("Приложение: «A & B» <2>\u{1}"));
        paper
            .chart(Chart { title: "Ответы".into(), bars: vec![("да".into(), 3), ("нет".into(), 0)], of: 3 });
        let bytes = to_docx(&paper).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a zip archive");
        let parts = parts(&bytes);
        assert_eq!(
            parts.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "[Content_Types].xml",
                "_rels/.rels",
                "docProps/core.xml",
                "word/_rels/document.xml.rels",
                "word/document.xml",
                "word/media/bar.png",
                "word/settings.xml",
                "word/styles.xml"
            ]
        );
        for (name, data) in &parts {
            if name.ends_with(".xml") || name.ends_with(".rels") {
                let mut reader = quick_xml::Reader::from_reader(&data[..]);
                let mut depth = 0i32;
                let mut buf = Vec::new();
                loop {
                    match reader.read_event_into(&mut buf) {
                        Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                        Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{name} is not well-formed: {e}"),
                    }
                    buf.clear();
                }
                assert_eq!(depth, 0, "{name} closes what it opens");
            }
        }
        let document = String::from_utf8(parts["word/document.xml"].clone()).unwrap();
        assert!(
            document.contains("Приложение: «A &amp; B» &lt;2&gt;</w:t>"),
            "escaped, the control character left out"
        );
        assert!(document.contains(r#"<w:pageBreakBefore/>"#), "the page break before the appendix");
        assert_eq!(document.matches("<wp:inline").count(), 1, "one bar: «нет» has none");
        let core = String::from_utf8(parts["docProps/core.xml"].clone()).unwrap();
        assert!(core.contains("<dc:title>Протокол № 1 &lt;черновик&gt; &amp; копия</dc:title>"), "{core}");
        assert_eq!(parts["word/media/bar.png"], BAR_PIXEL);
    }
}
