//! The fold: each record checked against the arrangement and added to its capability's
//! fixed-size aggregate as it is read.

use super::*;

/// Why one row was not folded. `Warning`: a well-formed record that does not belong to the
/// arrangement (skipped). `Error`: a malformed record (exit 2, or skipped when lenient).
pub struct Issue {
    pub level: Level,
    pub field: Option<Field>,
    pub message: String,
    pub help: Option<String>,
}

impl Issue {
    pub(super) fn error(field: Field, message: String, help: &str) -> Issue {
        Issue {
            level: Level::Error,
            field: Some(field),
            message,
            help: Some(help.to_owned()),
        }
    }
    pub(super) fn warning(field: Field, message: String, help: String) -> Issue {
        Issue {
            level: Level::Warning,
            field: Some(field),
            message,
            help: Some(help),
        }
    }
}

/// Folds records into per-capability aggregates as they are read.
pub struct Fold<'a> {
    pub(super) a: &'a Arrangement,
    pub(super) vocab: &'a Vocabulary,
    pub(super) as_of: Timestamp,
    pub(super) window_start: Timestamp,
    /// Unix second at which the first timeline day starts.
    pub(super) first_day: i64,
    pub(super) future_limit: Timestamp,
    pub(super) window_days: u32,
    pub lenient: bool,
    pub(super) caps: BTreeMap<String, Aggregate>,
    pub(super) files: Vec<FileInfo>,
    pub(super) total: u64,
}

impl<'a> Fold<'a> {
    pub fn new(
        a: &'a Arrangement,
        vocab: &'a Vocabulary,
        as_of: Timestamp,
        window_days: u32,
        lenient: bool,
    ) -> Self {
        let last = (as_of - SignedDuration::from_secs(1))
            .as_second()
            .div_euclid(86_400);
        let first_day = (last - i64::from(window_days) + 1) * 86_400;
        let future_limit = Timestamp::from_second((last + 1) * 86_400)
            .unwrap_or(Timestamp::MAX)
            .checked_add(FUTURE_TOLERANCE_HOURS.hours())
            .unwrap_or(Timestamp::MAX);
        let caps = a
            .responsibilities
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    Aggregate {
                        days: vec![0; window_days as usize],
                        ..Aggregate::default()
                    },
                )
            })
            .collect();
        Fold {
            a,
            vocab,
            as_of,
            window_start: as_of - SignedDuration::from_hours(24 * i64::from(window_days)),
            first_day,
            future_limit,
            window_days,
            lenient,
            caps,
            files: Vec::new(),
            total: 0,
        }
    }

    pub fn over_budget(&self) -> bool {
        self.total > MAX_RECORDS
    }

    pub fn finish(self) -> (Vec<FileInfo>, BTreeMap<String, Aggregate>) {
        (self.files, self.caps)
    }

    /// Checks one row's values (indexed by [`Field::index`]) and folds it.
    pub fn row(
        &mut self,
        vals: &[Option<&str>; Field::COUNT],
        map: Option<&Map>,
        file: usize,
        line: u64,
    ) -> Result<(), Issue> {
        let get = |f: Field| vals[f.index()].map(str::trim).filter(|s| !s.is_empty());
        let cap_raw = match map.and_then(|m| m.capability.as_deref()) {
            Some(c) => c,
            None => get(Field::Capability).ok_or_else(|| {
                Issue::error(
                    Field::Capability,
                    "record names no capability".into(),
                    "every record needs the capability it is evidence for, e.g. `backup`",
                )
            })?,
        };
        let cap = map.map_or(cap_raw, |m| m.capability_of(cap_raw));
        let when_s = get(Field::When).ok_or_else(|| {
            Issue::error(
                Field::When,
                "record has no date".into(),
                "write when the work was done: YYYY-MM-DD or an RFC 3339 time such as 2026-11-28T02:00:00Z",
            )
        })?;
        let when = parse_when(when_s, map).map_err(|e| {
            Issue::error(
                Field::When,
                format!("impossible or malformed date `{}`: {e}", shorten(when_s)),
                match map.and_then(|m| m.when_format.as_deref()) {
                    Some(_) => "write the date as the map's `when_format` says, with a real calendar date",
                    None => "write a real date as YYYY-MM-DD or an RFC 3339 time with an offset, e.g. 2026-11-28T02:00:00Z (or give the map a `when_format`)",
                },
            )
        })?;
        if when > self.future_limit {
            return Err(Issue::error(
                Field::When,
                format!(
                    "record is dated `{}`, after the report date",
                    shorten(when_s)
                ),
                "a record of work done cannot lie in the future: check the export's date format and time zone, or pass the right --today",
            ));
        }
        let outcome = match map.and_then(|m| m.outcome) {
            Some(o) => o,
            None => {
                let w = get(Field::Outcome).ok_or_else(|| {
                    Issue::error(
                        Field::Outcome,
                        "record has no outcome".into(),
                        "write ok, failed or partial",
                    )
                })?;
                let o = match map {
                    Some(m) => m.outcome_of(w),
                    None => Outcome::ALL
                        .iter()
                        .copied()
                        .find(|o| o.as_str().eq_ignore_ascii_case(w)),
                };
                o.ok_or_else(|| {
                    Issue::error(
                        Field::Outcome,
                        format!("unknown outcome `{}`", shorten(w)),
                        if map.is_some() {
                            "list this word under `outcomes:` in the evidence map (ok, failed or partial)"
                        } else {
                            "write ok, failed or partial (or describe the export's words in an --evidence-map)"
                        },
                    )
                })?
            }
        };
        let unit = map.map(|m| m.durations);
        let duration = |f: Field| -> Result<Option<SignedDuration>, Issue> {
            let Some(s) = get(f) else { return Ok(None) };
            parse_duration(s, unit).map(Some).ok_or_else(|| {
                Issue::error(
                    f,
                    format!("`{}` is not a duration", shorten(s)),
                    if unit.is_some() {
                        "write a duration such as 45m, 1h30m, 01:30:00, PT45M, or a number in the map's `durations` unit"
                    } else {
                        "write a duration such as 45m, 1h30m, 01:30:00 or PT45M"
                    },
                )
            })
        };
        let responded_after = duration(Field::RespondedAfter)?;
        let resolved_after = duration(Field::ResolvedAfter)?;
        let reference = get(Field::Reference);
        let provider = map
            .and_then(|m| m.provider.as_deref())
            .or_else(|| get(Field::Provider));

        // Well-formed; does it belong to this arrangement?
        let Some(resp) = self.a.responsibilities.get(cap) else {
            let message = if self.vocab.get(cap).is_some() {
                format!(
                    "record for `{cap}`, which the arrangement does not declare: ignored (evidence never makes an undeclared responsibility satisfied)"
                )
            } else {
                format!("record for unknown capability `{}`: ignored", shorten(cap))
            };
            let ids: Vec<&str> = self.a.responsibilities.keys().map(String::as_str).collect();
            let help = match did_you_mean(cap, ids.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "declare the responsibility in the arrangement, or map the export's value to a declared capability".into(),
            };
            return Err(Issue::warning(Field::Capability, message, help));
        };
        if let Some(p) = provider {
            if self.a.provider(p).is_none() {
                let ids: Vec<&str> = self.a.providers.keys().map(String::as_str).collect();
                return Err(Issue::warning(
                    Field::Provider,
                    format!(
                        "record by `{}`, which is not a declared provider: ignored",
                        shorten(p)
                    ),
                    choose_help(p, &ids),
                ));
            }
            if !resp.owners.iter().any(|o| o == p) {
                return Err(Issue::warning(
                    Field::Provider,
                    format!(
                        "record of `{cap}` by `{p}`, which does not own `{cap}` (owners: {}): ignored",
                        resp.owners.join(", ")
                    ),
                    "work done by a party the arrangement does not make responsible is not evidence of the responsibility; fix the owner in the arrangement or the provider in the export".into(),
                ));
            }
        }
        let response = resp.response;
        let agg = self.caps.get_mut(cap).expect("declared capability");
        self.total += 1;
        let rec = Record {
            when,
            outcome,
            reference,
            responded_after,
            resolved_after,
        };
        add(
            agg,
            &rec,
            file,
            line,
            (self.window_start, self.as_of),
            self.first_day,
            self.window_days,
            response,
        );
        self.files[file].records += 1;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn add(
    agg: &mut Aggregate,
    r: &Record,
    file: usize,
    line: u64,
    (start, end): (Timestamp, Timestamp),
    first_day: i64,
    window_days: u32,
    response: Option<crate::capability::Duration>,
) {
    agg.records += 1;
    let newer = match &agg.last {
        None => true,
        // Ties go to the worse outcome: a failure logged at the same minute as a success is
        // not hidden by it.
        Some(l) => r.when > l.when || (r.when == l.when && r.outcome > l.outcome),
    };
    if newer {
        match &mut agg.last {
            Some(l) => {
                l.when = r.when;
                l.outcome = r.outcome;
                l.file = file;
                l.line = line;
                match (&mut l.reference, r.reference) {
                    (Some(s), Some(new)) => {
                        s.clear();
                        s.push_str(new);
                    }
                    (slot, new) => *slot = new.map(str::to_owned),
                }
            }
            None => {
                agg.last = Some(Last {
                    when: r.when,
                    outcome: r.outcome,
                    reference: r.reference.map(str::to_owned),
                    file,
                    line,
                })
            }
        }
    }
    if r.outcome == Outcome::Ok && agg.last_ok.is_none_or(|t| r.when > t) {
        agg.last_ok = Some(r.when);
    }
    if r.when > start && r.when <= end {
        match r.outcome {
            Outcome::Ok => agg.ok += 1,
            Outcome::Failed => agg.failed += 1,
            Outcome::Partial => agg.partial += 1,
        }
        if let Some(d) = r.responded_after {
            agg.tickets += 1;
            if response.is_some_and(|limit| d.as_secs() <= limit.minutes() as i64 * 60) {
                agg.answered_in_time += 1;
            }
        }
        if let Some(d) = r.resolved_after {
            agg.resolved += 1;
            agg.resolved_secs = agg.resolved_secs.saturating_add(d.as_secs());
        }
    }
    let day = (r.when.as_second() - first_day).div_euclid(86_400);
    if (0..i64::from(window_days)).contains(&day) {
        agg.days[day as usize] |= match r.outcome {
            Outcome::Ok => DAY_OK,
            Outcome::Failed => DAY_FAILED,
            Outcome::Partial => DAY_PARTIAL,
        };
    }
}

/// At most 60 characters of an input value, for messages.
pub(super) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
