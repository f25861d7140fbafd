//! The zip archives DOCX files are (PKWARE's APPNOTE): written with every
//! part deflated, and one part read back, bounded.
//!
//! Written here rather than with the `zip` crate: a DOCX needs a handful of
//! parts, no ZIP64, no encryption and no method but deflate and stored, and
//! the crate with its 16 KB CRC table (incompressible) was 35 KB of brotli
//! in the engine every phone downloads and keeps (BENCHMARKS.md). Deflate
//! and the CRC come from flate2 (miniz_oxide, `shared/flate2`), which
//! automerge carries anyway.

use std::io::{Read, Write};

/// A local file header's signature.
const LOCAL: u32 = 0x0403_4b50;
/// A central directory entry's signature.
const CENTRAL: u32 = 0x0201_4b50;
/// The end of central directory record's signature.
const END: u32 = 0x0605_4b50;
/// Version 2.0, the first with deflate: what the parts need to be read.
const VERSION: u16 = 20;
/// 1980-01-01, the earliest date the format holds, for every part: the
/// same document gives the same bytes.
const DOS_DATE: u16 = (1 << 5) | 1;
/// General purpose flag: the name is UTF-8.
const UTF8_NAME: u16 = 1 << 11;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// The end record's fixed part; a comment of up to 65,535 bytes follows.
const END_LEN: usize = 22;

/// Why a part could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// Not a zip archive this reader understands, or its bytes are damaged.
    Damaged,
    /// The archive holds no part of that name.
    Missing,
    /// The part unpacks to more than the limit.
    TooBig,
}

/// A zip archive of `parts` (name, bytes), in that order, each deflated.
pub fn write(parts: &[(&str, &[u8])]) -> Result<Vec<u8>, crate::Error> {
    let too_big = || crate::Error::Document("the document is too big for a zip archive".into());
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in parts {
        let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflater.write_all(data).map_err(|e| crate::Error::Document(e.to_string()))?;
        let packed = deflater.finish().map_err(|e| crate::Error::Document(e.to_string()))?;
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let flags = if name.is_ascii() { 0 } else { UTF8_NAME };
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        let packed_len = u32::try_from(packed.len()).map_err(|_| too_big())?;
        let len = u32::try_from(data.len()).map_err(|_| too_big())?;
        // What the local header and the central entry say alike.
        let mut common = Vec::with_capacity(26);
        // Needed to read, flags, method, time (midnight), date.
        for half in [VERSION, flags, DEFLATED, 0, DOS_DATE] {
            common.extend_from_slice(&half.to_le_bytes());
        }
        for word in [crc.sum(), packed_len, len] {
            common.extend_from_slice(&word.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0_u16.to_le_bytes()); // no extra field

        out.extend_from_slice(&LOCAL.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);

        central.extend_from_slice(&CENTRAL.to_le_bytes());
        central.extend_from_slice(&VERSION.to_le_bytes()); // made by: MS-DOS, 2.0
        central.extend_from_slice(&common);
        // No comment, disk 0, no attributes.
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(parts.len()).map_err(|_| too_big())?;
    let central_at = u32::try_from(out.len()).map_err(|_| too_big())?;
    let central_len = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&END.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk 0, the directory on disk 0
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes()); // no comment
    Ok(out)
}

/// The part `name` of the zip archive `archive`, unpacked, if it is no
/// bigger than `limit` bytes. The size the archive declares is checked
/// first and the unpacking stops past the limit whatever it declared, so a
/// zip bomb costs no more than `limit`; a part whose CRC or size does not
/// match what the archive says is damaged.
pub fn read(archive: &[u8], name: &str, limit: u64) -> Result<Vec<u8>, Unread> {
    let entry = find(archive, name)?;
    if u64::from(entry.len) > limit {
        return Err(Unread::TooBig);
    }
    let local = at(archive, entry.offset as usize);
    if local.u32(0)? != LOCAL {
        return Err(Unread::Damaged);
    }
    // In u64: on wasm32 an offset near 4 GiB plus the header would wrap.
    let start = u64::from(entry.offset) + 30 + u64::from(local.u16(26)?) + u64::from(local.u16(28)?);
    let packed = usize::try_from(start)
        .ok()
        .zip(usize::try_from(start + u64::from(entry.packed_len)).ok())
        .and_then(|(start, end)| archive.get(start..end))
        .ok_or(Unread::Damaged)?;
    let data = match entry.method {
        STORED => packed.to_vec(),
        DEFLATED => {
            let mut data = Vec::new();
            flate2::read::DeflateDecoder::new(packed)
                .take(limit.saturating_add(1))
                .read_to_end(&mut data)
                .map_err(|_| Unread::Damaged)?;
            data
        }
        _ => return Err(Unread::Damaged),
    };
    if data.len() as u64 > limit {
        return Err(Unread::TooBig);
    }
    let mut crc = flate2::Crc::new();
    crc.update(&data);
    if crc.sum() != entry.crc || data.len() != entry.len as usize {
        return Err(Unread::Damaged);
    }
    Ok(data)
}

/// A part as the central directory describes it.
struct Entry {
    method: u16,
    crc: u32,
    packed_len: u32,
    len: u32,
    /// Where its local header starts.
    offset: u32,
}

/// The central directory's entry for `name`.
fn find(archive: &[u8], name: &str) -> Result<Entry, Unread> {
    // The end record is the last thing in the archive but for its comment:
    // the last signature from which the record and its comment end the file.
    let earliest = archive.len().saturating_sub(END_LEN + usize::from(u16::MAX));
    let end = (earliest..=archive.len().saturating_sub(END_LEN))
        .rev()
        .map(|i| at(archive, i))
        .find(|end| {
            end.u32(0) == Ok(END) && end.u16(20).is_ok_and(|comment| end.bytes.len() == END_LEN + usize::from(comment))
        })
        .ok_or(Unread::Damaged)?;
    let (count, central_len, central_at) = (end.u16(10)?, end.u32(12)?, end.u32(16)?);
    // A ZIP64 archive says so with these; a DOCX is never that big.
    if count == u16::MAX || central_len == u32::MAX || central_at == u32::MAX {
        return Err(Unread::Damaged);
    }
    let directory = archive
        .get(central_at as usize..(central_at as usize).saturating_add(central_len as usize))
        .ok_or(Unread::Damaged)?;
    let mut next = 0;
    for _ in 0..count {
        let entry = at(directory, next);
        if entry.u32(0)? != CENTRAL {
            return Err(Unread::Damaged);
        }
        let (name_len, extra_len, comment_len) = (entry.u16(28)?, entry.u16(30)?, entry.u16(32)?);
        let entry_name = entry.bytes.get(46..46 + usize::from(name_len)).ok_or(Unread::Damaged)?;
        if entry_name == name.as_bytes() {
            // Encrypted: nothing here can read it.
            if entry.u16(8)? & 1 != 0 {
                return Err(Unread::Damaged);
            }
            return Ok(Entry {
                method: entry.u16(10)?,
                crc: entry.u32(16)?,
                packed_len: entry.u32(20)?,
                len: entry.u32(24)?,
                offset: entry.u32(42)?,
            });
        }
        next += 46 + usize::from(name_len) + usize::from(extra_len) + usize::from(comment_len);
    }
    Err(Unread::Missing)
}

/// The bytes of an archive from some position on, read as little-endian
/// fields at offsets from there; a field past the end is damage.
struct At<'a> {
    bytes: &'a [u8],
}

fn at(bytes: &[u8], from: usize) -> At<'_> {
    At { bytes: bytes.get(from..).unwrap_or_default() }
}

impl At<'_> {
    fn u16(&self, offset: usize) -> Result<u16, Unread> {
        let b = self.bytes.get(offset..offset + 2).ok_or(Unread::Damaged)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&self, offset: usize) -> Result<u32, Unread> {
        let b = self.bytes.get(offset..offset + 4).ok_or(Unread::Damaged)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read as _, Write as _};

    use proptest::prelude::*;

    use super::*;

    const PARTS: [(&str, &[u8]); 3] = [
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", "<w:t>Протокол № 1</w:t>".as_bytes()),
        ("word/media/bar.png", &[0x89, b'P', b'N', b'G', 0, 1, 2, 3]),
    ];

    /// An archive of `parts` written by the `zip` crate, as Word or
    /// LibreOffice would write one: a reader nobody here wrote.
    fn zipped_by_the_crate(parts: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.set_comment("сделано в другой программе").unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn what_is_written_the_zip_crate_reads_back_part_by_part_in_order() {
        let archive = write(&PARTS).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(&archive)).unwrap();
        assert_eq!(zip.len(), PARTS.len());
        for (i, (name, data)) in PARTS.iter().enumerate() {
            let mut part = zip.by_index(i).unwrap();
            assert_eq!(part.name(), *name);
            assert_eq!(part.compression(), zip::CompressionMethod::Deflated);
            let mut read = Vec::new();
            part.read_to_end(&mut read).unwrap();
            assert_eq!(&read, data, "{name}");
        }
        assert_eq!(write(&PARTS).unwrap(), archive, "the same parts give the same bytes");
    }

    #[test]
    fn a_part_reads_back_from_what_the_zip_crate_wrote_deflated_or_stored_with_a_comment() {
        for method in [zip::CompressionMethod::Deflated, zip::CompressionMethod::Stored] {
            let archive = zipped_by_the_crate(&PARTS, method);
            for (name, data) in PARTS {
                assert_eq!(read(&archive, name, 1024).unwrap(), data, "{name}, {method:?}");
            }
            assert_eq!(read(&archive, "word/styles.xml", 1024), Err(Unread::Missing));
        }
    }

    #[test]
    fn a_part_over_the_limit_is_refused_whatever_size_the_archive_declares() {
        let big = vec![b' '; 10_000];
        let archive = write(&[("word/document.xml", &big)]).unwrap();
        assert_eq!(read(&archive, "word/document.xml", 10_000).unwrap().len(), 10_000);
        assert_eq!(read(&archive, "word/document.xml", 9_999), Err(Unread::TooBig));
        // The central entry lies that the part is small: the unpacking
        // stops at the limit all the same.
        let mut lying = archive.clone();
        let central = lying.windows(4).position(|w| w == CENTRAL.to_le_bytes()).unwrap();
        lying[central + 24..central + 28].copy_from_slice(&10_u32.to_le_bytes());
        assert_eq!(read(&lying, "word/document.xml", 100), Err(Unread::TooBig));
        assert_eq!(read(&lying, "word/document.xml", 20_000), Err(Unread::Damaged), "the size does not match");
    }

    #[test]
    fn damaged_truncated_and_encrypted_archives_are_damaged() {
        let archive = write(&PARTS).unwrap();
        let mut flipped = archive.clone();
        let data_at = 30 + PARTS[0].0.len() + 2;
        flipped[data_at] ^= 0xff;
        assert_eq!(read(&flipped, PARTS[0].0, 1024), Err(Unread::Damaged));
        assert_eq!(read(&archive[..archive.len() - 1], PARTS[0].0, 1024), Err(Unread::Damaged));
        assert_eq!(read(b"PK", PARTS[0].0, 1024), Err(Unread::Damaged));
        assert_eq!(read(&[], PARTS[0].0, 1024), Err(Unread::Damaged));
        let mut encrypted = archive.clone();
        let central = encrypted.windows(4).position(|w| w == CENTRAL.to_le_bytes()).unwrap();
        encrypted[central + 8] |= 1;
        assert_eq!(read(&encrypted, PARTS[0].0, 1024), Err(Unread::Damaged));
    }

    proptest! {
        #[test]
        fn any_parts_round_trip(parts in prop::collection::vec(("[a-zа-я/._]{1,20}", prop::collection::vec(any::<u8>(), 0..300)), 1..5)) {
            let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
            let archive = write(&parts).unwrap();
            // The first part of a name given twice is the one read.
            let (name, data) = parts[0];
            prop_assert_eq!(read(&archive, name, 1024).unwrap(), data);
        }

        #[test]
        fn any_damage_is_an_answer_not_a_panic(at in 0..400_usize, bytes in prop::collection::vec(any::<u8>(), 1..8)) {
            let mut archive = write(&PARTS).unwrap();
            let at = at % archive.len();
            let end = (at + bytes.len()).min(archive.len());
            archive[at..end].copy_from_slice(&bytes[..end - at]);
            for (name, _) in PARTS {
                let _ = read(&archive, name, 1024);
                let _ = read(&archive[..at], name, 1024);
            }
        }
    }
}
