//! A Word document's body as text: paragraphs (marked when Word numbers
//! them) and tables (rows of cell texts, a merged cell's text in every
//! column and row it covers). Read with `archive` and `quick-xml`, bounded:
//! the file, the XML inside it and the number of its elements each have a
//! limit, so a damaged or hostile file costs a message, not the device.

use crate::archive::Unread;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The largest file read.
pub const MAX_DOCX_BYTES: usize = 10 * 1024 * 1024;
/// The most the document's XML may unpack to.
const MAX_XML_BYTES: u64 = 40 * 1024 * 1024;
/// The most XML events read.
const MAX_EVENTS: usize = 4_000_000;

/// One piece of the body, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Block {
    /// A paragraph's text; `numbered` when Word numbers it (the number
    /// itself is not in the text).
    Para {
        /// Its text.
        text: String,
        /// Whether it is an item of a numbered list.
        numbered: bool,
    },
    /// A table: rows of cell texts (paragraphs of a cell joined by new lines).
    Table(Vec<Vec<String>>),
}

/// Whether a file of `len` bytes is read at all, or the message why not.
pub fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_DOCX_BYTES {
        return Err(format!(
            "Файл слишком большой ({} МБ): загрузить можно документ до 10 МБ. Сохраните его без картинок.",
            len / (1024 * 1024)
        ));
    }
    Ok(())
}

/// Reads the body of the DOCX `bytes`, or says in Russian why it cannot.
pub fn read(bytes: &[u8]) -> Result<Vec<Block>, String> {
    check_size(bytes.len())?;
    if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return Err(
            "Это документ старого формата (.doc). Откройте его в Word или LibreOffice и сохраните как .docx".into()
        );
    }
    if !bytes.starts_with(b"PK") {
        return Err("Это не документ Word (.docx): файл не открывается как документ".into());
    }
    let xml = crate::archive::read(bytes, "word/document.xml", MAX_XML_BYTES).map_err(|e| match e {
        Unread::Damaged => "Файл повреждён: его не удаётся открыть как документ Word".to_owned(),
        Unread::Missing => "Это не документ Word (.docx): в файле нет текста документа".to_owned(),
        // The declared size may lie (a zip bomb): no more than the limit is unpacked.
        Unread::TooBig => "Документ слишком большой, чтобы его прочитать".to_owned(),
    })?;
    parse(&xml)
}

/// A table being read: its rows, the row and cell under way.
#[derive(Default)]
struct TableUnderWay {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: String,
    span: usize,
    /// The cell continues a vertical merge: it takes the text above.
    merged: bool,
}

fn parse(xml: &[u8]) -> Result<Vec<Block>, String> {
    let bad = || "Файл повреждён: текст документа не читается".to_owned();
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut blocks = Vec::new();
    let mut tables: Vec<TableUnderWay> = Vec::new();
    let (mut para, mut numbered, mut in_text, mut in_run) = (String::new(), false, false, false);
    // Elements open: a document cut short ends with some still open.
    let mut depth = 0usize;
    for _ in 0..MAX_EVENTS {
        let event = reader.read_event_into(&mut buf).map_err(|_| bad())?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                depth += usize::from(!empty);
                match e.local_name().as_ref() {
                    b"p" => {
                        para.clear();
                        numbered = false;
                    }
                    b"numPr" => numbered = true,
                    b"t" => in_text = !empty,
                    // A tab in a run is text; one in a paragraph's
                    // properties is a tab stop.
                    b"tab" if in_run => para.push('\t'),
                    b"r" => in_run = !empty,
                    b"br" | b"cr" => para.push('\n'),
                    b"tbl" => tables.push(TableUnderWay::default()),
                    b"tr" => {
                        if let Some(t) = tables.last_mut() {
                            t.row.clear();
                        }
                    }
                    b"tc" => {
                        if let Some(t) = tables.last_mut() {
                            t.cell.clear();
                            t.span = 1;
                            t.merged = false;
                        }
                    }
                    b"gridSpan" => {
                        if let Some(t) = tables.last_mut() {
                            t.span = value(e).and_then(|v| v.parse().ok()).unwrap_or(1).clamp(1, 64);
                        }
                    }
                    b"vMerge" => {
                        if let Some(t) = tables.last_mut() {
                            t.merged = value(e).is_none_or(|v| v == "continue");
                        }
                    }
                    _ => {}
                }
                if empty && e.local_name().as_ref() == b"p" {
                    end_paragraph(&mut blocks, &mut tables, &para, numbered);
                }
            }
            Event::Text(ref t) if in_text => para.push_str(&t.decode().map_err(|_| bad())?),
            Event::GeneralRef(ref r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    para.push(c);
                } else {
                    para.push_str(match r.decode().map_err(|_| bad())?.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"t" => in_text = false,
                    b"r" => in_run = false,
                    b"p" => end_paragraph(&mut blocks, &mut tables, &para, numbered),
                    b"tc" => {
                        if let Some(t) = tables.last_mut() {
                            let column = t.row.len();
                            let text = if t.merged {
                                t.rows.last().and_then(|above| above.get(column)).cloned().unwrap_or_default()
                            } else {
                                t.cell.trim().to_owned()
                            };
                            for _ in 0..t.span {
                                t.row.push(text.clone());
                            }
                        }
                    }
                    b"tr" => {
                        if let Some(t) = tables.last_mut() {
                            let row = std::mem::take(&mut t.row);
                            t.rows.push(row);
                        }
                    }
                    b"tbl" => {
                        if let Some(done) = tables.pop() {
                            match tables.last_mut() {
                                // A table inside a cell reads as that cell's text.
                                Some(outer) => {
                                    for row in done.rows {
                                        push_line(&mut outer.cell, &row.join(" "));
                                    }
                                }
                                None => blocks.push(Block::Table(done.rows)),
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof if depth == 0 => return Ok(blocks),
            Event::Eof => return Err(bad()),
            _ => {}
        }
        buf.clear();
    }
    Err("Документ слишком сложный, чтобы его прочитать".into())
}

fn value(e: &BytesStart<'_>) -> Option<String> {
    let attribute = e.try_get_attribute("w:val").ok()??;
    // The values read here are numbers and words, never escaped.
    Some(String::from_utf8_lossy(&attribute.value).into_owned())
}

fn push_line(into: &mut String, line: &str) {
    if !into.is_empty() {
        into.push('\n');
    }
    into.push_str(line);
}

fn end_paragraph(blocks: &mut Vec<Block>, tables: &mut [TableUnderWay], text: &str, numbered: bool) {
    match tables.last_mut() {
        Some(t) => {
            if !text.trim().is_empty() {
                push_line(&mut t.cell, text.trim());
            }
        }
        None => blocks.push(Block::Para { text: text.trim().to_owned(), numbered }),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn docx(body: &str) -> Vec<u8> {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).unwrap();
        let xml = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        zip.write_all(xml.as_bytes()).unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn paragraphs_numbered_lists_and_merged_cells_read_as_a_person_sees_them() {
        let body = r#"
            <w:p><w:r><w:t>ПРОТОКОЛ № 2</w:t></w:r></w:p>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">О плане &amp; задачах</w:t></w:r></w:p>
            <w:tbl>
              <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>№</w:t></w:r></w:p></w:tc>
                    <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>Мероприятие</w:t></w:r></w:p></w:tc></w:tr>
              <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
                    <w:tc><w:p><w:r><w:t>Тема</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Форма</w:t></w:r></w:p><w:p><w:r><w:t>работы</w:t></w:r></w:p></w:tc></w:tr>
            </w:tbl>"#;
        let blocks = read(&docx(body)).unwrap();
        assert_eq!(blocks[0], Block::Para { text: "ПРОТОКОЛ № 2".into(), numbered: false });
        assert_eq!(blocks[1], Block::Para { text: "О плане & задачах".into(), numbered: true });
        assert_eq!(
            blocks[2],
            Block::Table(vec![
                vec!["№".into(), "Мероприятие".into(), "Мероприятие".into()],
                vec!["№".into(), "Тема".into(), "Форма\nработы".into()],
            ])
        );
    }

    #[test]
    fn a_bad_file_is_a_message_in_russian() {
        assert!(read(b"\xd0\xcf\x11\xe0old word").unwrap_err().contains(".doc"));
        assert!(read(b"plain text").unwrap_err().contains("не документ Word"));
        assert!(read(&vec![b'P'; MAX_DOCX_BYTES + 1]).unwrap_err().contains("слишком большой"));
        let mut damaged = docx("<w:p><w:r><w:t>текст</w:t></w:r></w:p>");
        let middle = damaged.len() / 2;
        damaged[middle..middle + 8].copy_from_slice(b"XXXXXXXX");
        assert!(read(&damaged).is_err());
        let cut = docx("<w:p><w:r><w:t>оборвано");
        assert!(read(&cut).unwrap_err().contains("не читается"), "an unclosed document is damaged");
    }

    #[test]
    fn a_zip_bomb_is_refused_without_unpacking_it() {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..(MAX_XML_BYTES / (1024 * 1024) + 2) {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let bomb = out.into_inner();
        assert!(bomb.len() < MAX_DOCX_BYTES, "small on disk: {}", bomb.len());
        assert!(read(&bomb).unwrap_err().contains("слишком большой"));
    }
}
