//! The district overview's lines, one per school, computed from the
//! school's three documents and kept on the device between starts, so the
//! overview draws before any document is loaded.

use std::collections::{HashMap, HashSet};

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use super::{Effect, Engine, Now, Timer, school_document_ids};
use crate::link::{self, Beside, FromEngine, SchoolLine};
use crate::overview::SchoolSummary;
use crate::{AcademicYear, AssociationDoc, Date, DocKind, DocumentId, LibraryDoc, YearDoc};

/// How long after a school's document is saved the overview is kept again.
const KEEP_AFTER_SAVES_MS: u32 = 1_000;

/// A school's line on one day of one academic year.
type SummaryKey = (DocumentId, AcademicYear, Date);

/// A school's line as the engine keeps it between starts: computed on
/// `day` from its documents at `heads`, which were stored as the chunks
/// `chunks` (sorted; empty when not known). A chunk is never overwritten,
/// so while exactly those chunks are stored the line holds.
#[derive(Serialize, Deserialize)]
struct KeptLine {
    school: DocumentId,
    day: Date,
    heads: Vec<[u8; 32]>,
    chunks: Vec<String>,
    summary: SchoolSummary,
}

/// Where the overview of `year` is kept; the layout's version first, so a
/// build never reads lines another build laid out differently.
pub fn overview_key(year: AcademicYear) -> String {
    format!("v5/{}", year.0)
}

/// A school's line in the summaries' cache.
struct Line {
    /// The heads of its three documents it was computed from.
    heads: Vec<ChangeHash>,
    /// The stored chunks those heads were read from, when known (see [`KeptLine`]).
    chunks: Vec<String>,
    /// Whether exactly those chunks were found stored at this start: then
    /// the line is shown while its documents are still loading.
    checked: bool,
    summary: SchoolSummary,
}

/// Summaries by school, year and day, with the heads of the three
/// documents they were computed from: a change to one school's records
/// re-reads only that school.
#[derive(Default)]
pub(super) struct Overview {
    lines: HashMap<SummaryKey, Line>,
    /// Whether keeping the overview is already set for later.
    keep_scheduled: bool,
    /// The lines read back, while the chunks they name are listed.
    recalling: Option<(AcademicYear, Vec<KeptLine>)>,
}

impl Engine {
    /// Asks for the overview kept for `year`.
    pub(super) fn recall_overview(&mut self, year: AcademicYear) {
        self.effects.push(Effect::ReadOverview { key: overview_key(year), year });
    }

    /// The kept overview arrived: today's lines wait while their chunks are listed.
    pub(super) fn overview_read(&mut self, year: AcademicYear, bytes: Option<Vec<u8>>, now: Now) {
        // A damaged or outdated copy is only a slower start: the lines are computed again.
        let Some(Ok(lines)) = bytes.map(|b| link::decode::<Vec<KeptLine>>(&b)) else { return };
        let lines: Vec<KeptLine> = lines.into_iter().filter(|l| l.day == now.today).collect();
        let docs = lines.iter().flat_map(|l| school_document_ids(l.school, year)).collect();
        self.overview.recalling = Some((year, lines));
        self.effects.push(Effect::ListChunks { year, docs });
    }

    /// Puts the recalled lines into the cache, marking those whose
    /// documents are stored exactly as they were then, and shows them.
    pub(super) fn chunks_listed(&mut self, year: AcademicYear, stored: Vec<Vec<String>>, now: Now) {
        let Some((recalled, lines)) = self.overview.recalling.take() else { return };
        if recalled != year {
            return;
        }
        for (n, line) in lines.into_iter().enumerate() {
            let mut found: Vec<String> = stored.get(3 * n..3 * n + 3).map(<[_]>::concat).unwrap_or_default();
            found.sort();
            let checked = !line.chunks.is_empty() && found == line.chunks;
            let heads = line.heads.into_iter().map(ChangeHash).collect();
            let kept = Line { heads, chunks: line.chunks, checked, summary: line.summary };
            self.overview.lines.entry((line.school, year, now.today)).or_insert(kept);
        }
        if self.view.summaries {
            self.unsent.summaries = true;
            self.flush(now);
        }
    }

    pub(super) fn send_summaries(&mut self, now: Now) {
        let Some(year) = self.view.year else { return };
        let mut keep = false;
        let schools = self
            .view
            .schools
            .clone()
            .into_iter()
            .filter_map(|school| {
                let (line, changed) = self.summary_of(school, year, now.today)?;
                keep |= changed;
                Some(line)
            })
            .collect();
        self.tell(FromEngine::Summaries { year, schools });
        if keep {
            self.keep_overview(year, now.today);
        }
    }

    /// The sorted keys of the stored chunks of a school's three documents,
    /// if all are open and stored exactly at `heads`.
    fn stored_chunks(&mut self, school: DocumentId, year: AcademicYear, heads: &[ChangeHash]) -> Option<Vec<String>> {
        let held = [
            self.held_of(DocKind::Association, school)?,
            self.held_of(DocKind::Year(year), school)?,
            self.held_of(DocKind::Library, school)?,
        ];
        let saved: Vec<ChangeHash> = held.iter().flat_map(|&n| self.docs[n].saved.clone()).collect();
        if saved != heads || !held.iter().all(|&n| self.docs[n].is_saved()) {
            return None;
        }
        let mut keys: Vec<String> = held.iter().flat_map(|&n| self.docs[n].stored.clone()).collect();
        keys.sort();
        Some(keys)
    }

    /// Keeps the overview a little later: a school's document was saved, so
    /// lines computed before it was may now be known by their stored
    /// chunks. One write for a burst of saves.
    pub(super) fn keep_soon(&mut self) {
        if !std::mem::replace(&mut self.overview.keep_scheduled, true) {
            self.effects.push(Effect::After { ms: KEEP_AFTER_SAVES_MS, timer: Timer::KeepOverview });
        }
    }

    /// Keeps every overview computed today (none on a device without one).
    pub(super) fn keep_overviews(&mut self, now: Now) {
        self.overview.keep_scheduled = false;
        let years: HashSet<AcademicYear> =
            self.overview.lines.keys().filter(|(_, _, day)| *day == now.today).map(|(_, y, _)| *y).collect();
        for year in years {
            self.keep_overview(year, now.today);
        }
    }

    /// Keeps the overview of `year` as computed `today`, each line with the
    /// stored chunks it was read from where they are known.
    fn keep_overview(&mut self, year: AcademicYear, today: Date) {
        let keys: Vec<SummaryKey> =
            self.overview.lines.keys().filter(|(_, y, day)| *y == year && *day == today).copied().collect();
        let mut lines = Vec::new();
        for key in keys {
            let heads = self.overview.lines[&key].heads.clone();
            let known = self.stored_chunks(key.0, year, &heads);
            let Some(line) = self.overview.lines.get_mut(&key) else { continue };
            if let Some(chunks) = known {
                line.chunks = chunks;
            }
            lines.push(KeptLine {
                school: key.0,
                day: key.2,
                heads: line.heads.iter().map(|h| h.0).collect(),
                chunks: line.chunks.clone(),
                summary: line.summary.clone(),
            });
        }
        self.effects.push(Effect::KeepOverview { key: overview_key(year), bytes: link::encode(&lines) });
    }

    /// A school's summary from its open documents, and whether the overview
    /// should be kept again (the line was computed now, or is newly known by
    /// its stored chunks). Until the documents are open, the line kept from
    /// exactly the chunks stored now, if there is one.
    fn summary_of(&mut self, school: DocumentId, year: AcademicYear, today: Date) -> Option<(SchoolLine, bool)> {
        let key = (school, year, today);
        let held = [
            self.held_of(DocKind::Association, school),
            self.held_of(DocKind::Year(year), school),
            self.held_of(DocKind::Library, school),
        ];
        let [Some(association), Some(year_doc), Some(library)] = held else {
            let line = self.overview.lines.get(&key).filter(|l| l.checked)?;
            return Some((
                SchoolLine { school, summary: line.summary.clone(), arrived: !line.heads.is_empty() },
                false,
            ));
        };
        let heads: Vec<ChangeHash> = held.iter().flatten().flat_map(|&n| self.docs[n].heads()).collect();
        let arrived = !heads.is_empty();
        if let Some(line) = self.overview.lines.get(&key).filter(|l| l.heads == heads) {
            let (summary, chunks) = (line.summary.clone(), line.chunks.clone());
            let newly_stored = self.stored_chunks(school, year, &heads).is_some_and(|k| k != chunks);
            return Some((SchoolLine { school, summary, arrived }, newly_stored));
        }
        let summary = SchoolSummary::of(
            &self.docs[association].records::<AssociationDoc>().ok()?,
            &self.docs[year_doc].records::<YearDoc>().ok()?,
            &Beside::of(&self.docs[year_doc].doc),
            &self.docs[library].records::<LibraryDoc>().ok()?,
            today,
        );
        let line = Line { heads, chunks: Vec::new(), checked: false, summary: summary.clone() };
        self.overview.lines.insert(key, line);
        Some((SchoolLine { school, summary, arrived }, true))
    }
}
