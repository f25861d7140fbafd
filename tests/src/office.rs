//! Documents checked the way their readers will open them: LibreOffice
//! (headless) converts a DOCX to PDF and to plain text, poppler reads a PDF's
//! pages and text. `cargo xtask test` installs both.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Converts `file` with LibreOffice to `format` (`pdf`, `txt:Text`) in
/// `out`; returns the new file's path. Panics with LibreOffice's output if
/// it fails, which is what a document Word or Writer cannot open does.
pub fn convert(file: &Path, format: &str, out: &Path) -> PathBuf {
    // A profile of its own, so conversions never wait on another's lock.
    let profile = out.join(".lo-profile");
    let output = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--norestore", "--convert-to", format, "--outdir"])
        .arg(out)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("run soffice ({e}); `cargo xtask test` installs LibreOffice"));
    let extension = format.split(':').next().unwrap_or(format);
    let converted = out.join(file.with_extension(extension).file_name().expect("a file name"));
    assert!(
        output.status.success() && converted.is_file(),
        "LibreOffice could not convert {}:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    converted
}

/// The text of a PDF, page by page as poppler lays it out.
pub fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext").arg(pdf).arg("-").output().expect("run pdftotext");
    assert!(output.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// How many pages a PDF has.
pub fn pdf_pages(pdf: &Path) -> usize {
    let output = Command::new("pdfinfo").arg(pdf).output().expect("run pdfinfo");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").and_then(|n| n.trim().parse().ok()))
        .unwrap_or_else(|| panic!("pdfinfo found no page count in {}", pdf.display()))
}

/// Asserts that `parts` occur in `text` in this order (whitespace between
/// words may differ: lines are wrapped by the converter).
pub fn assert_in_order(text: &str, parts: &[&str]) {
    let flat = squash(text);
    let mut from = 0;
    for part in parts {
        let part = squash(part);
        let Some(at) = flat[from..].find(&part) else {
            panic!("«{part}» not found after position {from} in:\n{flat}");
        };
        from += at + part.len();
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The file `name` inside the zip archive `zip` (a DOCX's
/// `word/document.xml`), found through the archive's central directory and
/// inflated; `None` when it is not there.
pub fn zip_entry(zip: &[u8], name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let u16_at = |at: usize| Some(u16::from_le_bytes(zip.get(at..at + 2)?.try_into().ok()?) as usize);
    let u32_at = |at: usize| Some(u32::from_le_bytes(zip.get(at..at + 4)?.try_into().ok()?) as usize);
    let mut at = zip.windows(4).position(|w| w == b"PK\x01\x02")?;
    while zip.get(at..at + 4)? == b"PK\x01\x02" {
        let (method, size) = (u16_at(at + 10)?, u32_at(at + 20)?);
        let (name_len, extra_len, comment_len) = (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let local = u32_at(at + 42)?;
        if zip.get(at + 46..at + 46 + name_len)? == name.as_bytes() {
            let start = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
            let data = zip.get(start..start + size)?;
            return match method {
                0 => Some(data.to_vec()),
                8 => {
                    let mut out = Vec::new();
                    flate2::read::DeflateDecoder::new(data).read_to_end(&mut out).ok()?;
                    Some(out)
                }
                _ => None,
            };
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}
