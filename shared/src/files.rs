//! Files a копилка material carries: DOCX, PDF, PPTX and images up to
//! [`MAX_FILE_BYTES`] each. A file is named by its content (the SHA-256 of
//! its bytes, in hex): the server stores each once, a device checks what it
//! received against the name, and two devices attaching the same file
//! attach one.
//!
//! [`Download`] is how a device fetches one over a poor connection: part by
//! part, each kept as it arrives, resuming after the last part kept; the
//! file is whole only when every byte is there and its hash is its name.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// The largest file a material may carry.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// Files up to this size are kept on every device that has the material,
/// so they open offline without anyone pinning them.
pub const KEPT_ALWAYS_BYTES: u64 = 1024 * 1024;
/// A download asks for this much at a time, and keeps each part as it
/// comes: a connection that drops loses at most one part.
pub const PART_BYTES: u64 = 256 * 1024;

/// A file attached to a material, as the library document lists it.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Attachment {
    /// The SHA-256 of its bytes, lowercase hex: its name on the server.
    pub hash: String,
    /// The file's name as it was on the person's computer.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type, from what its first bytes say it is.
    pub mime: String,
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

/// What a file is, from its name and first bytes: DOCX, PDF, PPTX or an
/// image (PNG, JPEG, GIF, WebP), or the message saying what may be
/// attached. The bytes decide: a renamed program is not a PDF.
pub fn kind_of(name: &str, head: &[u8]) -> Result<&'static str, String> {
    // Extensions are ASCII: no Unicode case needed.
    let lower = name.to_ascii_lowercase();
    let zip = head.starts_with(b"PK\x03\x04");
    let kind = if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if zip && lower.ends_with(".docx") {
        Some(DOCX)
    } else if zip && lower.ends_with(".pptx") {
        Some(PPTX)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    };
    kind.ok_or_else(|| {
        format!("«{name}»: прикрепить можно документ Word (DOCX), PDF, презентацию (PPTX) или изображение (PNG, JPEG, GIF, WebP)")
    })
}

/// Whether a file of `size` bytes may be attached, or the message why not.
pub fn check_size(name: &str, size: u64) -> Result<(), String> {
    if size == 0 {
        Err(format!("«{name}»: файл пустой"))
    } else if size > MAX_FILE_BYTES {
        Err(format!("«{name}»: файл больше 20 МБ ({})", size_label(size)))
    } else {
        Ok(())
    }
}

/// Whether `s` is a file's name on the server: 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// «350 КБ», «1,5 МБ».
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes < MB {
        format!("{} КБ", bytes.div_ceil(1024))
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{},{} МБ", tenths / 10, tenths % 10)
    }
}

/// A file being received part by part: what to ask for next, and what has
/// been kept. Its caller keeps each part before telling it, so after a
/// restart it resumes from what storage holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    size: u64,
    have: u64,
}

impl Download {
    /// A download of a file of `size` bytes of which the first `have` are
    /// already kept.
    pub fn new(size: u64, have: u64) -> Self {
        Self { size, have: have.min(size) }
    }

    /// The bytes to ask for next, first and last inclusive (an HTTP
    /// `Range`), or `None` when every byte is kept.
    pub fn next(&self) -> Option<(u64, u64)> {
        (self.have < self.size).then(|| (self.have, (self.have + PART_BYTES).min(self.size) - 1))
    }

    /// `len` bytes starting at `offset` were kept. A part that does not
    /// continue what is kept, or runs past the file's end, is refused (and
    /// must not have been kept).
    pub fn kept(&mut self, offset: u64, len: u64) -> Result<(), String> {
        if offset != self.have || self.have + len > self.size || len == 0 {
            return Err(format!(
                "сервер прислал не ту часть файла (байты {offset}…{} вместо {}…)",
                offset + len,
                self.have
            ));
        }
        self.have += len;
        Ok(())
    }

    /// How many bytes are kept.
    pub fn have(&self) -> u64 {
        self.have
    }

    /// Whether every byte is kept (its hash is still to be checked).
    pub fn is_complete(&self) -> bool {
        self.have == self.size
    }

    /// How far along it is, in whole percent.
    pub fn percent(&self) -> u64 {
        (self.have * 100).checked_div(self.size).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_decide_what_a_file_is() {
        assert_eq!(kind_of("план.pdf", b"%PDF-1.7\n"), Ok("application/pdf"));
        assert_eq!(kind_of("Классный час.DOCX", b"PK\x03\x04rest"), Ok(DOCX));
        assert_eq!(kind_of("урок.pptx", b"PK\x03\x04rest"), Ok(PPTX));
        assert_eq!(kind_of("фото", b"\xff\xd8\xff\xe0"), Ok("image/jpeg"));
        assert_eq!(kind_of("x.webp", b"RIFF\0\0\0\0WEBPVP8 "), Ok("image/webp"));
        assert!(kind_of("вирус.pdf", b"MZ\x90\0").is_err(), "a program named .pdf is refused");
        assert!(kind_of("архив.zip", b"PK\x03\x04").is_err(), "a zip that is not DOCX or PPTX is refused");
        assert!(check_size("big.pdf", MAX_FILE_BYTES + 1).unwrap_err().contains("больше 20 МБ"));
        assert!(check_size("ok.pdf", MAX_FILE_BYTES).is_ok());
        assert!(check_size("empty.pdf", 0).is_err());
    }

    #[test]
    fn a_download_resumes_after_the_last_part_kept_and_refuses_a_wrong_part() {
        let size = 2 * PART_BYTES + 10;
        let mut d = Download::new(size, 0);
        assert_eq!(d.next(), Some((0, PART_BYTES - 1)));
        d.kept(0, PART_BYTES).unwrap();
        // The connection drops; storage holds one part; the next run resumes.
        let mut d = Download::new(size, d.have());
        assert_eq!(d.next(), Some((PART_BYTES, 2 * PART_BYTES - 1)));
        assert!(d.kept(0, PART_BYTES).is_err(), "a part already kept is not kept again");
        assert!(d.kept(PART_BYTES, size).is_err(), "nothing past the end");
        d.kept(PART_BYTES, PART_BYTES).unwrap();
        assert_eq!(d.next(), Some((2 * PART_BYTES, size - 1)));
        assert!(!d.is_complete());
        d.kept(2 * PART_BYTES, 10).unwrap();
        assert!(d.is_complete());
        assert_eq!((d.next(), d.percent()), (None, 100));
    }

    #[test]
    fn names_and_sizes_read_as_people_expect() {
        assert!(is_hash(&"ab".repeat(32)));
        assert!(!is_hash(&"AB".repeat(32)) && !is_hash("../etc/passwd") && !is_hash(&"a".repeat(63)));
        assert_eq!(size_label(1), "1 КБ");
        assert_eq!(size_label(350 * 1024), "350 КБ");
        assert_eq!(size_label(1536 * 1024), "1,5 МБ");
        assert_eq!(size_label(MAX_FILE_BYTES), "20,0 МБ");
    }
}
