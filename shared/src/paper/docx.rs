//! A [`Paper`] as a DOCX file, written with docx-rs: A4, Times New Roman
//! 14 pt (12 pt in tables), margins of Russian office paperwork (left 30 mm,
//! right 15 mm, top and bottom 20 mm).

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, PageOrientationType, Paragraph, Pic, Run, RunFonts,
    SpecialIndentType, Table as DocxTable, TableCell, TableLayoutType, TableRow, WidthType,
};

use super::chart::BAR_PIXEL;
use super::{Align, Block, Chart, Paper, Para, Table};

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11_906, 16_838);
/// Left 30 mm, right 15 mm, top and bottom 20 mm.
const MARGINS: (i32, i32, i32, i32) = (1_134, 850, 1_134, 1_701);
/// Half-points.
const TEXT_SIZE: usize = 28;
const TABLE_SIZE: usize = 24;
/// 1.25 cm.
const FIRST_LINE: i32 = 709;
const FONT: &str = "Times New Roman";

/// The document as the bytes of a `.docx` file.
pub fn to_docx(paper: &Paper) -> Result<Vec<u8>, crate::Error> {
    let (top, right, bottom, left) = MARGINS;
    let (width, height) = if paper.landscape { (A4.1, A4.0) } else { A4 };
    let text_width = width as usize - (left + right) as usize;
    let mut docx = Docx::new()
        .page_size(width, height)
        .page_orient(if paper.landscape { PageOrientationType::Landscape } else { PageOrientationType::Portrait })
        .page_margin(PageMargin::new().top(top).right(right).bottom(bottom).left(left).header(709).footer(709))
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
        .default_size(TEXT_SIZE);
    let mut page_break_pending = false;
    for block in &paper.blocks {
        match block {
            Block::Para(p) => {
                docx = docx.add_paragraph(paragraph(p, TEXT_SIZE).page_break_before(page_break_pending));
                page_break_pending = false;
            }
            Block::Gap => docx = docx.add_paragraph(Paragraph::new()),
            Block::PageBreak => page_break_pending = true,
            Block::Chart(c) => {
                docx = docx
                    .add_paragraph(paragraph(&Para::bold(&c.title), TEXT_SIZE).page_break_before(page_break_pending));
                page_break_pending = false;
                docx = docx.add_table(chart(c, text_width));
            }
            Block::Table(t) => {
                if page_break_pending {
                    docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
                    page_break_pending = false;
                }
                docx = docx.add_table(table(t, text_width));
            }
        }
    }
    let mut out = Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| crate::Error::Document(e.to_string()))?;
    Ok(out.into_inner())
}

fn paragraph(p: &Para, size: usize) -> Paragraph {
    let mut para = Paragraph::new()
        .align(match p.align {
            Align::Left => AlignmentType::Left,
            Align::Center => AlignmentType::Center,
            Align::Right => AlignmentType::Right,
            Align::Justify => AlignmentType::Both,
        })
        .line_spacing(LineSpacing::new().before(0).after(0))
        .keep_next(p.keep_with_next);
    if p.indent {
        para = para.indent(None, Some(SpecialIndentType::FirstLine(FIRST_LINE)), None, None);
    }
    for span in &p.spans {
        let mut run = Run::new().add_text(&span.text).size(size);
        if span.bold {
            run = run.bold();
        }
        if span.italic {
            run = run.italic();
        }
        para = para.add_run(run);
    }
    para
}

/// A chart as a borderless table: the label, the bar (a one-pixel picture
/// stretched to its share of the column), the figure.
fn chart(c: &Chart, text_width: usize) -> DocxTable {
    let grid = vec![text_width * 2 / 5, text_width * 2 / 5, text_width / 5];
    // Twentieths of a point to EMU.
    let bar_room = grid[1] as f64 * 635.0 * 0.95;
    let rows = c
        .bars
        .iter()
        .map(|(label, figure)| {
            let mut bar = Paragraph::new();
            let width = (bar_room * c.share(*figure)).round() as u32;
            if width > 0 {
                let pic = Pic::new_with_dimensions(BAR_PIXEL.to_vec(), 1, 1).size(width, 120_000);
                bar = bar.add_run(Run::new().add_image(pic));
            }
            let cells = vec![
                TableCell::new().width(grid[0], WidthType::Dxa).add_paragraph(paragraph(&Para::new(label), TABLE_SIZE)),
                TableCell::new().width(grid[1], WidthType::Dxa).add_paragraph(bar),
                TableCell::new()
                    .width(grid[2], WidthType::Dxa)
                    .add_paragraph(paragraph(&Para::new(c.figure(*figure)), TABLE_SIZE)),
            ];
            TableRow::new(cells.into_iter().map(TableCell::clear_all_border).collect()).cant_split()
        })
        .collect();
    DocxTable::new(rows)
        .set_grid(grid)
        .width(text_width, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .clear_all_border()
}

fn table(t: &Table, text_width: usize) -> DocxTable {
    let parts: u32 = t.widths.iter().sum::<u32>().max(1);
    let grid: Vec<usize> = t.widths.iter().map(|w| text_width * *w as usize / parts as usize).collect();
    let rows = t
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let mut column = 0;
            let cells = row
                .iter()
                .map(|c| {
                    let width: usize = grid.iter().skip(column).take(c.span).sum();
                    column += c.span;
                    let mut cell = TableCell::new().width(width, WidthType::Dxa);
                    if c.span > 1 {
                        cell = cell.grid_span(c.span);
                    }
                    if !t.ruled {
                        cell = cell.clear_all_border();
                    }
                    let paras = if c.paras.is_empty() { vec![Para::default()] } else { c.paras.clone() };
                    for p in &paras {
                        cell = cell.add_paragraph(paragraph(p, if t.ruled { TABLE_SIZE } else { TEXT_SIZE }));
                    }
                    cell
                })
                .collect();
            let row = TableRow::new(cells);
            if r < t.header_rows { row.cant_split() } else { row }
        })
        .collect();
    let table = DocxTable::new(rows).set_grid(grid).width(text_width, WidthType::Dxa).layout(TableLayoutType::Fixed);
    if t.ruled { table } else { table.clear_all_border() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::Cell;

    #[test]
    fn a_document_packs_into_a_zip_with_its_words() {
        let mut paper = Paper::new("Проба", "Проба");
        paper.para(Para::title("ПРОТОКОЛ № 1"));
        paper.table(Table {
            widths: vec![1, 3],
            rows: vec![vec![Cell::head("№"), Cell::head("Решение")], vec![Cell::new("1"), Cell::new("Принять план")]],
            header_rows: 1,
            ruled: true,
        });
        paper.page_break();
        paper.para(Para::new("Приложение"));
        paper
            .chart(Chart { title: "Ответы".into(), bars: vec![("да".into(), 3), ("нет".into(), 0)], of: 3 });
        let bytes = to_docx(&paper).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a zip archive");
        assert!(bytes.len() > 1_000);
    }
}
