//! flate2's raw deflate API, the part automerge, the archive, the tests and
//! the `zip` crate use (and no more), over miniz_oxide: `Compression`, the deflate encoders and decoders
//! of `read`, `bufread` and `write`, and `Crc`.
//!
//! Why it stands in for crates.io's flate2 (the root Cargo.toml patches it):
//! automerge 0.12 asks for flate2 with zlib-rs. zlib-rs picks its deflate
//! strategy from the level at run time, so all five strategies, its gzip and
//! zlib wrappers and its CRC braid tables came into the engine whatever level
//! anyone asked for. miniz_oxide, flate2's own default backend, is one
//! compressor and one decompressor: the engine every phone downloads, keeps
//! and compiles is 15 KB of brotli smaller with it (issue 25, BENCHMARKS.md).
//!
//! What goes in and out is DEFLATE (RFC 1951) either way: documents saved by
//! an earlier build or by automerge's JavaScript peers load as before.
//! Behaviour kept from flate2: a stream that ends early is an `UnexpectedEof`
//! error, a damaged one `InvalidInput`, and a decoder inflates no further
//! than it is read, so `take` bounds what a hostile stream costs.

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::io::{self, BufRead, Write};

use miniz_oxide::deflate::core::CompressorOxide;
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus, StreamResult};

/// A compression level, 0 (stored) to 9 (smallest), as flate2's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression(u32);

impl Compression {
    pub const fn new(level: u32) -> Compression {
        Compression(level)
    }

    pub const fn fast() -> Compression {
        Compression(1)
    }

    pub const fn best() -> Compression {
        Compression(9)
    }

    pub fn level(&self) -> u32 {
        self.0
    }
}

impl Default for Compression {
    /// zlib's default, 6.
    fn default() -> Compression {
        Compression(6)
    }
}

/// One step of inflating or deflating: input in, output out.
trait Coder {
    /// Runs over `input` into `output`; `finish` says no input follows.
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> StreamResult;
}

struct Inflate(Box<InflateState>);

impl Inflate {
    fn new() -> Inflate {
        Inflate(InflateState::new_boxed(DataFormat::Raw))
    }
}

impl Coder for Inflate {
    fn step(&mut self, input: &[u8], output: &mut [u8], _finish: bool) -> StreamResult {
        // Never `Finish`: miniz_oxide's finishing call wants all the output
        // at once. The stream's own last block says where it ends.
        miniz_oxide::inflate::stream::inflate(&mut self.0, input, output, MZFlush::None)
    }
}

struct Deflate(Box<CompressorOxide>);

impl Deflate {
    fn new(level: Compression) -> Deflate {
        let mut compressor: Box<CompressorOxide> = Box::default();
        compressor.set_format_and_level(DataFormat::Raw, level.0.min(10) as u8);
        Deflate(compressor)
    }
}

impl Coder for Deflate {
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> StreamResult {
        let flush = if finish { MZFlush::Finish } else { MZFlush::None };
        miniz_oxide::deflate::stream::deflate(&mut self.0, input, output, flush)
    }
}

/// A coder reading from a `BufRead`: flate2's `zio::read`.
struct Reader<R, C> {
    inner: R,
    coder: C,
    ended: bool,
}

impl<R: BufRead, C: Coder> Reader<R, C> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.ended || out.is_empty() {
            return Ok(0);
        }
        loop {
            let input = self.inner.fill_buf()?;
            let eof = input.is_empty();
            let done = self.coder.step(input, out, eof);
            self.inner.consume(done.bytes_consumed);
            match done.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                // No progress: more input is needed, or there is none.
                Ok(_) | Err(MZError::Buf) => {}
                Err(_) => return Err(io::Error::new(io::ErrorKind::InvalidInput, "corrupt deflate stream")),
            }
            if done.bytes_written > 0 || self.ended {
                return Ok(done.bytes_written);
            }
            if eof {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete deflate stream"));
            }
        }
    }
}

pub mod bufread {
    use super::*;

    /// Inflates the raw deflate stream read from `R`.
    pub struct DeflateDecoder<R>(Reader<R, Inflate>);

    impl<R: BufRead> DeflateDecoder<R> {
        pub fn new(inner: R) -> DeflateDecoder<R> {
            DeflateDecoder(Reader { inner, coder: Inflate::new(), ended: false })
        }

        pub fn into_inner(self) -> R {
            self.0.inner
        }
    }

    impl<R: BufRead> io::Read for DeflateDecoder<R> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.0.read(out)
        }
    }

    /// Deflates what is read from `R` into a raw deflate stream.
    pub struct DeflateEncoder<R>(Reader<R, Deflate>);

    impl<R: BufRead> DeflateEncoder<R> {
        pub fn new(inner: R, level: Compression) -> DeflateEncoder<R> {
            DeflateEncoder(Reader { inner, coder: Deflate::new(level), ended: false })
        }
    }

    impl<R: BufRead> io::Read for DeflateEncoder<R> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.0.read(out)
        }
    }
}

pub mod read {
    use std::io::{self, BufReader, Read};

    /// Inflates the raw deflate stream read from `R`.
    pub struct DeflateDecoder<R>(super::bufread::DeflateDecoder<BufReader<R>>);

    impl<R: Read> DeflateDecoder<R> {
        pub fn new(inner: R) -> DeflateDecoder<R> {
            DeflateDecoder(super::bufread::DeflateDecoder::new(BufReader::new(inner)))
        }
    }

    impl<R: Read> Read for DeflateDecoder<R> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.0.read(out)
        }
    }
}

pub mod write {
    use super::*;

    /// How much deflated output one step may make before it is written on.
    const CHUNK: usize = 32 * 1024;

    /// Deflates what is written to it and writes the raw deflate stream to
    /// `W`. `finish` ends the stream; dropping the encoder ends it too,
    /// ignoring errors, as flate2's does.
    pub struct DeflateEncoder<W: Write> {
        inner: Option<W>,
        coder: Deflate,
        /// Deflated bytes not yet written to `inner`.
        pending: Vec<u8>,
        ended: bool,
    }

    impl<W: Write> DeflateEncoder<W> {
        pub fn new(inner: W, level: Compression) -> DeflateEncoder<W> {
            DeflateEncoder { inner: Some(inner), coder: Deflate::new(level), pending: Vec::new(), ended: false }
        }

        pub fn get_ref(&self) -> &W {
            self.inner.as_ref().expect("the encoder has been finished")
        }

        pub fn get_mut(&mut self) -> &mut W {
            self.inner.as_mut().expect("the encoder has been finished")
        }

        /// Ends the stream and hands back what it was written to.
        pub fn finish(mut self) -> io::Result<W> {
            self.try_finish()?;
            Ok(self.inner.take().expect("the encoder has been finished"))
        }

        /// Ends the stream, writing all of it to `W`.
        fn try_finish(&mut self) -> io::Result<()> {
            while !self.ended {
                self.write_pending()?;
                let done = self.deflate(&[], true)?;
                self.ended = matches!(done.status, Ok(MZStatus::StreamEnd));
            }
            self.write_pending()
        }

        /// Deflates `input` onto `pending`.
        fn deflate(&mut self, input: &[u8], finish: bool) -> io::Result<StreamResult> {
            let start = self.pending.len();
            self.pending.resize(start + CHUNK, 0);
            let done = self.coder.step(input, &mut self.pending[start..], finish);
            self.pending.truncate(start + done.bytes_written);
            match done.status {
                Ok(MZStatus::StreamEnd) => Ok(done),
                // With room for 32 KB out, a step that moves nothing is stuck.
                Ok(_) | Err(MZError::Buf) if done.bytes_consumed + done.bytes_written > 0 => Ok(done),
                _ => Err(io::Error::other("deflate made no progress")),
            }
        }

        fn write_pending(&mut self) -> io::Result<()> {
            let Some(inner) = self.inner.as_mut() else { return Ok(()) };
            while !self.pending.is_empty() {
                match inner.write(&self.pending)? {
                    0 => return Err(io::ErrorKind::WriteZero.into()),
                    n => drop(self.pending.drain(..n)),
                }
            }
            Ok(())
        }
    }

    impl<W: Write> Write for DeflateEncoder<W> {
        fn write(&mut self, input: &[u8]) -> io::Result<usize> {
            if self.ended {
                return Err(io::Error::other("the deflate stream has been finished"));
            }
            if input.is_empty() {
                return Ok(0);
            }
            self.write_pending()?;
            Ok(self.deflate(input, false)?.bytes_consumed)
        }

        /// Writes on what has been deflated so far; the stream stays open.
        fn flush(&mut self) -> io::Result<()> {
            self.write_pending()?;
            self.get_mut().flush()
        }
    }

    impl<W: Write> Drop for DeflateEncoder<W> {
        fn drop(&mut self) {
            if self.inner.is_some() {
                let _ = self.try_finish();
            }
        }
    }
}

/// CRC-32 (ISO-HDLC, as zip and gzip use it), one table of 256 entries.
#[derive(Debug, Clone, Default)]
pub struct Crc(u32);

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

impl Crc {
    pub fn new() -> Crc {
        Crc::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        let mut c = !self.0;
        for &b in data {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = !c;
    }

    pub fn sum(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use proptest::prelude::*;

    use super::*;

    fn deflated(data: &[u8], level: u32, write_sizes: &[usize]) -> Vec<u8> {
        let mut encoder = write::DeflateEncoder::new(Vec::new(), Compression::new(level));
        let mut rest = data;
        for &size in write_sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(size.min(rest.len()));
            encoder.write_all(now).unwrap();
            rest = later;
        }
        encoder.finish().unwrap()
    }

    /// Inflates through `buffer`-byte reads of a `capacity`-byte BufReader.
    fn inflated(stream: &[u8], capacity: usize, buffer: usize) -> io::Result<Vec<u8>> {
        let mut decoder = bufread::DeflateDecoder::new(BufReader::with_capacity(capacity, stream));
        let mut out = Vec::new();
        let mut chunk = vec![0; buffer];
        loop {
            match decoder.read(&mut chunk)? {
                0 => return Ok(out),
                n => out.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Bytes that deflate can and cannot shrink: runs, repeats and noise.
    fn data() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                (any::<u8>(), 1..300usize).prop_map(|(b, n)| vec![b; n]),
                prop::collection::vec(any::<u8>(), 0..200),
                Just("Протокол заседания МО № 1. ".repeat(3).into_bytes()),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn what_is_written_deflated_reads_back(
            data in data(),
            level in 0u32..=9,
            write_sizes in prop::collection::vec(1..5000usize, 1..4),
            capacity in 1..4096usize,
            buffer in 1..4096usize,
        ) {
            let stream = deflated(&data, level, &write_sizes);
            prop_assert_eq!(inflated(&stream, capacity, buffer).unwrap(), data);
        }

        #[test]
        fn what_is_read_deflated_reads_back(data in data(), level in 0u32..=9) {
            let mut stream = Vec::new();
            bufread::DeflateEncoder::new(&data[..], Compression::new(level)).read_to_end(&mut stream).unwrap();
            let mut back = Vec::new();
            read::DeflateDecoder::new(&stream[..]).read_to_end(&mut back).unwrap();
            prop_assert_eq!(back, data);
        }

        #[test]
        fn a_stream_cut_short_is_an_error(data in data(), cut in any::<prop::sample::Index>()) {
            let stream = deflated(&data, 6, &[usize::MAX]);
            let short = &stream[..cut.index(stream.len())];
            let error = inflated(short, 64, 64).unwrap_err();
            prop_assert!(
                matches!(error.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput),
                "{error}"
            );
        }
    }

    /// Streams made by zlib itself, with Python's
    /// `zlib.compressobj(level, zlib.DEFLATED, -15)`: one block with fixed
    /// codes, one with codes of its own, one stored.
    #[test]
    fn zlibs_streams_inflate() {
        let fixed = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0xc8, 0x40, 0xa2, 0x00];
        assert_eq!(inflated(&fixed, 8192, 8192).unwrap(), b"hello, hello, hello");

        let own_codes = [
            0xed, 0xcc, 0xbb, 0x0d, 0x80, 0x30, 0x10, 0x03, 0xd0, 0x55, 0x6e, 0x02, 0x24, 0x36, 0x0c, 0x01, 0x2a, 0x0a,
            0x3a, 0x2a, 0x04, 0x2b, 0x20, 0x14, 0xc4, 0x27, 0x4a, 0x66, 0xb0, 0x57, 0x60, 0x12, 0x0e, 0xc6, 0x40, 0x57,
            0xb8, 0xb2, 0xfd, 0x30, 0xd3, 0x21, 0xd3, 0x23, 0xe3, 0xd2, 0x44, 0xc1, 0x8e, 0x85, 0x15, 0x36, 0x04, 0x2c,
            0x48, 0x38, 0xd8, 0x0b, 0x46, 0x4c, 0xa2, 0x75, 0x7c, 0x1b, 0xed, 0x12, 0x3b, 0xb6, 0x42, 0xc7, 0xfa, 0xfb,
            0xac, 0x9a, 0xa0, 0x43, 0xaf, 0xa7, 0xa8, 0x39, 0xe5, 0x6e, 0x06, 0x29, 0x0b, 0x81, 0xd9, 0x66, 0x9b, 0x6d,
            0xb6, 0xd9, 0x66, 0xff, 0xc4, 0x7e, 0x00,
        ];
        let text = "Протокол заседания МО классных руководителей № 1. ".repeat(20);
        assert_eq!(inflated(&own_codes, 8192, 7).unwrap(), text.as_bytes());

        let mut stored = vec![0x01, 0x28, 0x00, 0xd7, 0xff];
        stored.extend(0..40u8);
        assert_eq!(inflated(&stored, 8192, 8192).unwrap(), (0..40u8).collect::<Vec<_>>());
    }

    #[test]
    fn damaged_stream_is_invalid_input() {
        // Block type 3 does not exist.
        let error = inflated(&[0x07, 0x00], 64, 64).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_decoder_inflates_no_further_than_it_is_read() {
        let bomb = deflated(&vec![0; 10 << 20], 9, &[usize::MAX]);
        let mut decoder = bufread::DeflateDecoder::new(BufReader::with_capacity(64, &bomb[..]));
        let mut first = Vec::new();
        (&mut decoder).take(1000).read_to_end(&mut first).unwrap();
        assert_eq!(first.len(), 1000);
        let consumed = bomb.len() - decoder.into_inner().into_inner().len();
        assert!(consumed < bomb.len() / 2, "read {consumed} of {} bytes for 1,000 out", bomb.len());
    }

    #[test]
    fn crc_is_crc32() {
        // The check value of CRC-32/ISO-HDLC.
        let mut crc = Crc::new();
        crc.update(b"1234");
        crc.update(b"56789");
        assert_eq!(crc.sum(), 0xCBF4_3926);
        assert_eq!(Crc::new().sum(), 0, "nothing in");
    }
}
