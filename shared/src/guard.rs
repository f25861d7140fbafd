//! What a peer's automerge bytes may cost, checked before automerge reads
//! them.
//!
//! automerge 0.12 trusts the numbers inside a sync message: a change chunk
//! marked compressed is inflated whole, a saved document's deflated columns
//! likewise, and a Bloom filter's probe count (a `u32` off the wire) sizes a
//! vector and a loop for every change it is asked about; a filter with no
//! bits divides by zero. A message of a few megabytes could so take
//! gigabytes or minutes, or panic. [`check_sync_message`] walks the raw
//! message first, inflating each compressed part into a counter (never into
//! memory) up to a budget, and refuses what automerge should never see.

use std::io::Read;

use crate::Error;

/// The largest probe count of a Bloom filter we accept (automerge writes 7).
const MAX_BLOOM_PROBES: u32 = 64;
/// The largest bits-per-entry of a Bloom filter we accept (automerge writes 10).
const MAX_BLOOM_BITS_PER_ENTRY: u32 = 64;
/// A change hash's length.
const HASH_BYTES: usize = 32;
/// automerge's chunk magic bytes.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// A column spec's deflate bit.
const DEFLATE_BIT: u64 = 0b1000;

fn too_costly(what: impl Into<String>) -> Error {
    Error::TooCostly(what.into())
}

fn malformed(what: &str) -> Error {
    Error::MalformedMessage(format!("sync message: {what}"))
}

/// A reader over bytes that never panics: every read past the end is an error.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], Error> {
        let n = usize::try_from(n).map_err(|_| malformed("a length past the end"))?;
        if n > self.bytes.len() {
            return Err(malformed("a length past the end"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn uleb(&mut self) -> Result<u64, Error> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f).checked_shl(shift).ok_or_else(|| malformed("a number too long"))?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("a number too long"))
    }

    fn u32(&mut self) -> Result<u32, Error> {
        u32::try_from(self.uleb()?).map_err(|_| malformed("a number over 32 bits"))
    }

    /// A count of items each at least `min_bytes` long: refused when the
    /// rest could not hold them, so no count sizes anything by itself.
    fn count(&mut self, min_bytes: u64) -> Result<u64, Error> {
        let n = self.uleb()?;
        if n.saturating_mul(min_bytes.max(1)) > self.bytes.len() as u64 {
            return Err(malformed("a count larger than the message"));
        }
        Ok(n)
    }

    fn skip_hashes(&mut self) -> Result<(), Error> {
        let n = self.count(HASH_BYTES as u64)?;
        self.take(n * HASH_BYTES as u64).map(drop)
    }

    fn length_prefixed(&mut self) -> Result<&'a [u8], Error> {
        let n = self.uleb()?;
        self.take(n)
    }

    fn skip_actors(&mut self) -> Result<(), Error> {
        for _ in 0..self.count(1)? {
            self.length_prefixed()?;
        }
        Ok(())
    }

    /// Column metadata: a count, then (spec, data length) pairs.
    fn columns(&mut self) -> Result<Vec<(u64, u64)>, Error> {
        let n = self.count(2)?;
        (0..n).map(|_| Ok((self.uleb()?, self.uleb()?))).collect()
    }
}

/// Checks an encoded `automerge::sync::Message` before it is decoded:
/// well-formed Bloom filters, and changes that inflate to at most
/// `max_inflated` bytes in all.
pub fn check_sync_message(data: &[u8], max_inflated: u64) -> Result<(), Error> {
    let mut c = Cursor::new(data);
    match c.byte()? {
        0x42 | 0x43 => {}
        _ => return Err(malformed("not a sync message")),
    }
    c.skip_hashes()?; // heads
    c.skip_hashes()?; // need
    let haves = c.count(2)?;
    for _ in 0..haves {
        c.skip_hashes()?; // last sync
        check_bloom(c.length_prefixed()?)?;
    }
    let mut budget = max_inflated;
    let chunks = c.count(1)?;
    for _ in 0..chunks {
        let spent = inflated_size(c.length_prefixed()?, budget)?;
        budget -= spent;
    }
    // What follows is the flags, which automerge reads as bytes.
    if !c.is_empty() {
        c.length_prefixed()?;
    }
    Ok(())
}

/// A Bloom filter as automerge will use it: a probe count and bits per
/// entry it can loop over, and at least one bit to take a modulo of.
fn check_bloom(bytes: &[u8]) -> Result<(), Error> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut c = Cursor::new(bytes);
    let entries = c.u32()?;
    let bits_per_entry = c.u32()?;
    let probes = c.u32()?;
    if !(1..=MAX_BLOOM_PROBES).contains(&probes) || !(1..=MAX_BLOOM_BITS_PER_ENTRY).contains(&bits_per_entry) {
        return Err(too_costly(format!(
            "a Bloom filter with {probes} probes and {bits_per_entry} bits per entry \
             (at most {MAX_BLOOM_PROBES} and {MAX_BLOOM_BITS_PER_ENTRY})"
        )));
    }
    let bits = (u64::from(entries) * u64::from(bits_per_entry)).div_ceil(8);
    if entries > 0 && (bits == 0 || bits * 8 > u64::from(u32::MAX) || bits > c.bytes.len() as u64) {
        return Err(malformed("a Bloom filter's bits do not match its size"));
    }
    Ok(())
}

/// How many bytes the chunks in `bytes` (one or more concatenated, as
/// `load_incremental` takes them) hold once inflated; an error past `budget`.
pub fn inflated_size(bytes: &[u8], budget: u64) -> Result<u64, Error> {
    let mut c = Cursor::new(bytes);
    let mut total: u64 = 0;
    while !c.is_empty() {
        if c.take(4)? != MAGIC {
            return Err(malformed("a change chunk without automerge's magic bytes"));
        }
        c.take(4)?; // checksum
        let kind = c.byte()?;
        let body = c.length_prefixed()?;
        let left = budget.saturating_sub(total);
        total += match kind {
            // A saved document and a bundle keep some columns deflated.
            0 | 3 => columns_inflated(body, kind, left)?,
            1 => body.len() as u64,
            2 => inflate(body, left)?,
            _ => return Err(malformed("a chunk of unknown type")),
        };
        if total > budget {
            return Err(over_budget(budget));
        }
    }
    Ok(total)
}

/// Appends `n` as unsigned LEB128, automerge's way of writing numbers (for
/// tests that write sync messages by hand, as a hostile peer would).
pub fn uleb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn over_budget(budget: u64) -> Error {
    too_costly(format!("changes that inflate to more than {budget} bytes"))
}

/// Inflates a DEFLATE stream into a counter, stopping past `budget`.
fn inflate(compressed: &[u8], budget: u64) -> Result<u64, Error> {
    let mut decoder = flate2::read::DeflateDecoder::new(compressed).take(budget.saturating_add(1));
    let mut buffer = [0_u8; 16 * 1024];
    let mut total: u64 = 0;
    loop {
        match decoder.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => total += n as u64,
            Err(_) => return Err(malformed("a compressed change that does not inflate")),
        }
        if total > budget {
            return Err(over_budget(budget));
        }
    }
    Ok(total)
}

/// The inflated size of a document (kind 0) or bundle (kind 3) chunk's body:
/// its uncompressed parts as they are, its deflated columns inflated.
fn columns_inflated(body: &[u8], kind: u8, budget: u64) -> Result<u64, Error> {
    let mut c = Cursor::new(body);
    // (stored, inflated) bytes of the columns read so far.
    let mut sizes = (0_u64, 0_u64);
    if kind == 0 {
        // Actors, heads; the change columns' and the ops columns' metadata,
        // then the data of both.
        c.skip_actors()?;
        c.skip_hashes()?;
        let mut columns = c.columns()?;
        columns.extend(c.columns()?);
        column_data(&mut c, &columns, budget, &mut sizes)?;
    } else {
        // Dependencies, actors; then the change columns' metadata and data,
        // then the ops columns'.
        c.skip_hashes()?;
        c.skip_actors()?;
        for _ in 0..2 {
            let columns = c.columns()?;
            column_data(&mut c, &columns, budget, &mut sizes)?;
        }
    }
    // Everything else in the body (metadata, head indices) is kept as it
    // is; the columns' stored bytes were all read from it, so they fit.
    let (stored, inflated) = sizes;
    Ok(body.len() as u64 - stored + inflated)
}

/// Reads the data of `columns` in order, inflating the deflated ones, and
/// adds their (stored, inflated) sizes to `sizes`; an error once the
/// inflated size passes `budget`.
fn column_data(c: &mut Cursor<'_>, columns: &[(u64, u64)], budget: u64, sizes: &mut (u64, u64)) -> Result<(), Error> {
    for &(spec, len) in columns {
        let data = c.take(len)?;
        sizes.0 += len;
        sizes.1 += if spec & DEFLATE_BIT != 0 { inflate(data, budget.saturating_sub(sizes.1))? } else { len };
        if sizes.1 > budget {
            return Err(over_budget(budget));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    use super::*;

    /// A change chunk marked compressed whose body inflates to `size` zeros
    /// (the checksum is wrong: automerge checks it only after inflating).
    fn compressed_bomb(size: usize) -> Vec<u8> {
        let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0_u8; 1 << 20];
        for _ in 0..size / zeros.len() {
            deflate.write_all(&zeros).unwrap();
        }
        let body = deflate.finish().unwrap();
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        uleb(body.len() as u64, &mut chunk);
        chunk.extend(body);
        chunk
    }

    /// A sync message (v1) carrying `chunks` as its changes.
    fn message_with(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![0x42, 0, 0, 0];
        uleb(chunks.len() as u64, &mut m);
        for chunk in chunks {
            uleb(chunk.len() as u64, &mut m);
            m.extend(chunk);
        }
        m
    }

    fn doc_with_text(chars: usize) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "text", automerge::ObjType::Text).unwrap();
        tx.splice_text(&text, 0, 0, &"я".repeat(chars)).unwrap();
        tx.commit();
        doc
    }

    #[test]
    fn real_sync_messages_and_saved_documents_pass() {
        let doc = doc_with_text(20_000);
        let mut state = automerge::sync::State::new();
        let first = doc.generate_sync_message(&mut state).unwrap().encode();
        check_sync_message(&first, 1 << 20).unwrap();
        // A whole saved document (compressed columns) and a change chunk.
        let saved = doc.save();
        let change = doc.get_changes(&[]).first().unwrap().raw_bytes().to_vec();
        let size = inflated_size(&saved, 1 << 20).unwrap();
        assert!(size > saved.len() as u64, "the saved document's columns inflate: {size} vs {}", saved.len());
        check_sync_message(&message_with(&[saved, change]), 1 << 20).unwrap();
    }

    #[test]
    fn a_compressed_change_is_refused_once_it_inflates_past_the_budget() {
        let bomb = compressed_bomb(64 << 20);
        assert!(bomb.len() < 200 << 10, "64 MiB of zeros deflate to {} bytes", bomb.len());
        let message = message_with(&[bomb]);
        let err = check_sync_message(&message, 16 << 20).unwrap_err();
        assert!(matches!(err, Error::TooCostly(_)), "{err}");
        check_sync_message(&message, 65 << 20).unwrap();
    }

    #[test]
    fn the_budget_counts_every_chunk_of_a_message() {
        let message = message_with(&[compressed_bomb(4 << 20), compressed_bomb(4 << 20)]);
        check_sync_message(&message, 9 << 20).unwrap();
        assert!(check_sync_message(&message, 7 << 20).is_err());
    }

    #[test]
    fn bloom_filters_automerge_would_loop_over_or_divide_by_zero_are_refused() {
        let bloom = |entries: u64, bits: u64, probes: u64, payload: usize| {
            let mut b = Vec::new();
            uleb(entries, &mut b);
            uleb(bits, &mut b);
            uleb(probes, &mut b);
            b.extend(vec![0xff; payload]);
            let mut m = vec![0x42, 0, 0, 1, 0];
            uleb(b.len() as u64, &mut m);
            m.extend(b);
            m.push(0);
            m
        };
        check_sync_message(&bloom(10, 10, 7, 13), 1 << 20).unwrap();
        for (entries, bits, probes, payload) in [(10, 10, u64::from(u32::MAX), 13), (10, 0, 7, 0), (1, 10, 0, 2)] {
            let message = bloom(entries, bits, probes, payload);
            assert!(check_sync_message(&message, 1 << 20).is_err(), "{entries} {bits} {probes}");
        }
    }

    #[test]
    fn truncated_and_inflated_counts_are_refused_without_panicking() {
        let doc = doc_with_text(10);
        let mut state = automerge::sync::State::new();
        let message = doc.generate_sync_message(&mut state).unwrap().encode();
        for end in 0..message.len() {
            let _ = check_sync_message(&message[..end], 1 << 20);
        }
        // A count of 2^60 heads in a message of a few bytes.
        let mut huge = vec![0x42];
        uleb(1 << 60, &mut huge);
        assert!(check_sync_message(&huge, 1 << 20).is_err());
    }
}
