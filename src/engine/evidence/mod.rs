//! Evidence of work actually done (issue 13): records from RMM, PSA and backup exports,
//! folded per capability and checked against the arrangement's declared cadences and
//! response-time commitments.
//!
//! A declaration says what should happen; a record says what did. Records are streamed and
//! folded into one fixed-size [`Aggregate`] per declared capability as they are read, so a
//! million-row export costs the same memory as ten rows. The rules ([`Evidence::problems`])
//! only ever take satisfaction away: evidence never makes an undeclared responsibility
//! satisfied, because records for undeclared capabilities or providers are not folded at all.

pub mod map;
mod read;

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::arrangement::{Arrangement, EvidencePolicy, Responsibility};
use crate::capability::{Cadence, CapabilityKind, Duration, Vocabulary};
use crate::diag::Diagnostic;
use crate::keywords;

pub use map::Map;

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Ok,
    Partial,
    Failed,
}
keywords!(Outcome { Ok => "ok", Partial => "partial", Failed => "failed" });

/// The largest evidence file (CSV or JSON Lines) read. YAML records and maps are held in
/// memory to keep their positions, so they take the smaller YAML limit.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The most evidence files one arrangement may be checked against.
pub const MAX_FILES: usize = 10_000;
/// The most records one arrangement may be checked against.
pub const MAX_RECORDS: u64 = 100_000_000;
/// The longest single record (a CSV row or a JSON line).
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// Errors reported per file before reading it stops (the run fails anyway).
pub const MAX_ERRORS_PER_FILE: usize = 20;
/// Warnings shown per file; the rest are counted in one closing warning.
pub const MAX_WARNINGS_PER_FILE: usize = 20;
/// The SLA window when none is given (`--evidence-window`).
pub const DEFAULT_WINDOW_DAYS: u32 = 90;
/// The longest SLA window: also the length of each capability's day-by-day timeline.
pub const MAX_WINDOW_DAYS: u32 = 366;
/// The share of tickets that must be answered within the declared response time.
pub const DEFAULT_SLA_TARGET: f64 = 95.0;
/// How far past the end of the report date a record may lie before it is called "in the
/// future": the widest time-zone offset, so a record stamped in local time is not refused.
pub const FUTURE_TOLERANCE_HOURS: i64 = 14;

/// The interval a cadence promises, for staleness.
pub fn interval(c: Cadence) -> SignedDuration {
    SignedDuration::from_hours(match c {
        Cadence::Continuous => 1,
        Cadence::Daily => 24,
        Cadence::Weekly => 7 * 24,
        Cadence::Monthly => 31 * 24,
        Cadence::Quarterly => 92 * 24,
        Cadence::Semiannual => 183 * 24,
        Cadence::Annual => 366 * 24,
    })
}

/// The documented default grace on top of [`interval`]: half a day for daily work (a
/// nightly backup may be 36 h old), proportionally more for slower cadences. A
/// responsibility's `grace:` overrides it.
pub fn default_grace(c: Cadence) -> SignedDuration {
    SignedDuration::from_hours(match c {
        Cadence::Continuous => 1,
        Cadence::Daily => 12,
        Cadence::Weekly => 2 * 24,
        Cadence::Monthly => 7 * 24,
        Cadence::Quarterly => 14 * 24,
        Cadence::Semiannual => 30 * 24,
        Cadence::Annual => 30 * 24,
    })
}

/// How old the latest successful record of `r` may be, if `r` declares a cadence.
pub fn limit(r: &Responsibility) -> Option<SignedDuration> {
    let c = r.cadence?;
    let grace = r.grace.map_or_else(
        || default_grace(c),
        |g| SignedDuration::from_mins(g.minutes() as i64),
    );
    Some(interval(c) + grace)
}

/// How evidence is read and judged in one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub maps: Vec<Map>,
    /// `--evidence-lenient`: a bad row is a warning and is skipped, not an error.
    pub lenient: bool,
    /// `--require-evidence`: strict mode whatever the arrangement says.
    pub require: bool,
    /// The moment records are judged at.
    pub as_of: Timestamp,
    pub window_days: u32,
}

/// The instant evidence is judged at: now when the report date is today, else the end of
/// the report date (so `--today` gives the same answer whenever it is run).
pub fn as_of(today: Date, now: Timestamp) -> Timestamp {
    let now_date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    if now_date == today {
        now
    } else {
        end_of_day(today)
    }
}

/// 24:00 UTC of `d`. A record dated without a time counts as done by then.
pub fn end_of_day(d: Date) -> Timestamp {
    d.saturating_add(1.day())
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// One evidence file as read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileInfo {
    pub path: String,
    pub format: &'static str,
    /// The map file that described its columns, if one did.
    pub map: Option<String>,
    pub sha256: String,
    /// Records folded into the check.
    pub records: u64,
    /// Records not folded: undeclared capability or provider, or (lenient) a bad row.
    pub skipped: u64,
}

/// The latest record of one capability, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    pub when: Timestamp,
    pub outcome: Outcome,
    pub reference: Option<String>,
    pub file: usize,
    pub line: u64,
}

/// Everything kept about one capability's records: fixed size whatever their number.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    pub records: u64,
    /// Outcomes within the window.
    pub ok: u64,
    pub failed: u64,
    pub partial: u64,
    pub last: Option<Last>,
    pub last_ok: Option<Timestamp>,
    /// Ticket records within the window that carry `responded_after`, and how many of them
    /// were answered within the declared `response`.
    pub tickets: u64,
    pub answered_in_time: u64,
    /// Resolution times seen in the window (sum in seconds, count), for the summary.
    pub resolved_secs: i64,
    pub resolved: u64,
    /// One cell per day of the window, oldest first: [`DAY_OK`], [`DAY_FAILED`],
    /// [`DAY_PARTIAL`] bits.
    pub days: Vec<u8>,
}

pub const DAY_OK: u8 = 1;
pub const DAY_FAILED: u8 = 2;
pub const DAY_PARTIAL: u8 = 4;

/// One record, already validated, as the readers hand it to the fold.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub when: Timestamp,
    pub outcome: Outcome,
    pub reference: Option<&'a str>,
    pub responded_after: Option<SignedDuration>,
    pub resolved_after: Option<SignedDuration>,
}

/// A rule an evidence record set breaks, for one capability.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The latest successful record is older than cadence plus grace (or there is none).
    Stale {
        last_ok: Option<Timestamp>,
        limit: SignedDuration,
        overdue: Option<SignedDuration>,
    },
    /// The latest record failed.
    Failed { last: Last },
    /// Too few tickets were answered within the declared response time.
    SlaMissed {
        answered: u64,
        tickets: u64,
        share: f64,
        target: f64,
        response: Duration,
    },
    /// Strict mode: a declared ongoing responsibility with no record at all.
    Missing,
}

/// The evidence of one arrangement: per declared capability, what its records say.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub as_of: Timestamp,
    pub window_days: u32,
    pub strict: bool,
    pub files: Vec<FileInfo>,
    pub caps: BTreeMap<String, Aggregate>,
}

impl Evidence {
    /// The first moment inside the SLA window.
    pub fn window_start(&self) -> Timestamp {
        self.as_of
            .checked_sub(SignedDuration::from_hours(24 * i64::from(self.window_days)))
            .unwrap_or(Timestamp::MIN)
    }

    /// Which rules the records of `cap` break, given its declared responsibility.
    pub fn problems(&self, cap: &str, resp: &Responsibility, kind: CapabilityKind) -> Vec<Problem> {
        let mut out = Vec::new();
        let agg = self.caps.get(cap);
        let records = agg.map_or(0, |g| g.records);
        if records == 0 {
            if self.strict && kind == CapabilityKind::Ongoing {
                out.push(Problem::Missing);
            }
            return out;
        }
        let agg = agg.expect("records > 0");
        if let Some(limit) = limit(resp) {
            match &agg.last {
                Some(last) if last.outcome == Outcome::Failed => {
                    out.push(Problem::Failed { last: last.clone() })
                }
                _ => {
                    let age = agg.last_ok.map(|t| self.as_of.duration_since(t));
                    if age.is_none_or(|a| a > limit) {
                        out.push(Problem::Stale {
                            last_ok: agg.last_ok,
                            limit,
                            overdue: age.map(|a| a - limit),
                        });
                    }
                }
            }
        }
        if let (Some(response), true) = (resp.response, agg.tickets > 0) {
            let target = resp.sla_target.unwrap_or(DEFAULT_SLA_TARGET);
            let share = agg.answered_in_time as f64 * 100.0 / agg.tickets as f64;
            if share < target {
                out.push(Problem::SlaMissed {
                    answered: agg.answered_in_time,
                    tickets: agg.tickets,
                    share,
                    target,
                    response,
                });
            }
        }
        out
    }

    /// Where a record came from, as `file:line`.
    pub fn origin(&self, last: &Last) -> String {
        let file = self.files.get(last.file).map_or("?", |f| f.path.as_str());
        format!("{file}:{}", last.line)
    }
}

/// A duration for people: `3d 4h`, `5h 10m`, `12m`.
pub fn human(d: SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, hours, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// An RFC 3339 UTC time to the minute, as reports print record times.
pub fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%MZ").to_string()
}

/// Reads every evidence file for one arrangement and folds it. Errors come back together
/// (exit 2, no report); warnings come back with the result.
pub fn load(
    settings: &Settings,
    a: &Arrangement,
    vocab: &Vocabulary,
) -> Result<(Evidence, Vec<Diagnostic>), Vec<Diagnostic>> {
    let window_days = settings.window_days.clamp(1, MAX_WINDOW_DAYS);
    let mut fold = read::Fold::new(a, vocab, settings.as_of, window_days, settings.lenient);
    let files = read::discover(&settings.paths)?;
    let mut diags = Vec::new();
    for path in &files {
        read::read_file(path, &settings.maps, &mut fold, &mut diags);
        if fold.over_budget() {
            break;
        }
    }
    if fold.over_budget() {
        diags.push(Diagnostic {
            level: crate::diag::Level::Error,
            file: settings
                .paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            pos: None,
            message: format!("more than {MAX_RECORDS} evidence records for one arrangement"),
            help: Some(
                "check the arrangement against the last year or so of records, not the whole history"
                    .into(),
            ),
            source_line: None,
        });
    }
    if diags.iter().any(|d| d.level == crate::diag::Level::Error) {
        return Err(diags);
    }
    let (files, caps) = fold.finish();
    Ok((
        Evidence {
            as_of: settings.as_of,
            window_days,
            strict: settings.require || a.evidence_policy == EvidencePolicy::Required,
            files,
            caps,
        },
        diags,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_limit_is_36_hours() {
        let r = Responsibility {
            capability: "backup".into(),
            owners: vec!["msp".into()],
            cadence: Some(Cadence::Daily),
            coverage: None,
            response: None,
            escalation: Default::default(),
            notes: None,
            sla_target: None,
            grace: None,
            pos: Default::default(),
        };
        assert_eq!(limit(&r), Some(SignedDuration::from_hours(36)));
        let r = Responsibility {
            grace: Some(Duration::from_minutes(60)),
            ..r
        };
        assert_eq!(limit(&r), Some(SignedDuration::from_hours(25)));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(SignedDuration::from_mins(12)), "12m");
        assert_eq!(human(SignedDuration::from_mins(130)), "2h 10m");
        assert_eq!(human(SignedDuration::from_hours(24 * 21 + 5)), "21d 5h");
        assert_eq!(human(SignedDuration::from_hours(48)), "2d");
    }

    #[test]
    fn as_of_is_end_of_an_earlier_report_date() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let today: Date = "2026-11-29".parse().unwrap();
        assert_eq!(as_of(today, now), now);
        let earlier: Date = "2026-11-01".parse().unwrap();
        assert_eq!(
            as_of(earlier, now),
            "2026-11-02T00:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
