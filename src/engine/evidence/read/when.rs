//! Times and durations in evidence records: RFC 3339, dates, a map's `when_format`, and
//! the duration spellings exports use.

use jiff::{SignedDuration, Timestamp};

use super::super::map::{DurationUnit, Map};

/// A record's time. Without a map: RFC 3339 with an offset, or YYYY-MM-DD (done by the
/// end of that day, UTC). With a map: its `when_format` and `utc_offset`.
pub fn parse_when(s: &str, map: Option<&Map>) -> Result<Timestamp, String> {
    let offset = map.map_or(jiff::tz::Offset::UTC, |m| m.utc_offset);
    let end_of = |d: jiff::civil::Date| -> Result<Timestamp, String> {
        d.to_datetime(jiff::civil::time(23, 59, 59, 0))
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string())
    };
    if let Some(fmt) = map.and_then(|m| m.when_format.as_deref()) {
        let tm = jiff::fmt::strtime::parse(fmt, s).map_err(|e| e.to_string())?;
        if tm.offset().is_some() {
            return tm.to_timestamp().map_err(|e| e.to_string());
        }
        if tm.hour().is_some() {
            let dt = tm.to_datetime().map_err(|e| e.to_string())?;
            return dt
                .to_zoned(jiff::tz::TimeZone::fixed(offset))
                .map(|z| z.timestamp())
                .map_err(|e| e.to_string());
        }
        return end_of(tm.to_date().map_err(|e| e.to_string())?);
    }
    if s.len() == 10 {
        return end_of(s.parse::<jiff::civil::Date>().map_err(|e| e.to_string())?);
    }
    if let Some(t) = fast_utc(s.as_bytes()) {
        return Ok(t);
    }
    match s.parse::<Timestamp>() {
        Ok(t) => Ok(t),
        Err(e) if map.is_some() => s
            .parse::<jiff::civil::DateTime>()
            .map_err(|_| e.to_string())?
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
        Err(e) => Err(if s.parse::<jiff::civil::DateTime>().is_ok() {
            "the time has no UTC offset (add `Z` or e.g. `-05:00`)".to_owned()
        } else {
            e.to_string()
        }),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the shape nearly every export writes, without the general
/// parser: a tenth of its cost, which is most of a million-row check. Anything else (or
/// an impossible date) returns None and goes to the general parser, which also words the
/// error.
fn fast_utc(b: &[u8]) -> Option<Timestamp> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if y < 1 || d < 1 || d > days_in || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Timestamp::from_second(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// A duration: `45m`, `1h30m`, `1h 30m`, `PT45M`, `01:30:00` or `1:30`, or (with a map) a
/// bare number in the map's unit. Negative durations are refused.
pub fn parse_duration(s: &str, unit: Option<DurationUnit>) -> Option<SignedDuration> {
    let s = s.trim();
    let d = if let Some(unit) = unit.filter(|_| s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    {
        let n: f64 = s.parse().ok()?;
        let secs = match unit {
            DurationUnit::Seconds => n,
            DurationUnit::Minutes => n * 60.0,
            DurationUnit::Hours => n * 3600.0,
        };
        if !secs.is_finite() || secs > 1e12 {
            return None;
        }
        SignedDuration::from_secs(secs.round() as i64)
    } else if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        let nums: Option<Vec<i64>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let nums = nums?;
        match nums.as_slice() {
            [h, m] if *m < 60 => SignedDuration::from_secs(h * 3600 + m * 60),
            [h, m, sec] if *m < 60 && *sec < 60 => {
                SignedDuration::from_secs(h * 3600 + m * 60 + sec)
            }
            _ => return None,
        }
    } else {
        s.parse::<SignedDuration>().ok()?
    };
    (!d.is_negative()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let m = |s| parse_duration(s, None).map(|d| d.as_secs() / 60);
        assert_eq!(m("45m"), Some(45));
        assert_eq!(m("1h30m"), Some(90));
        assert_eq!(m("1h 30m"), Some(90));
        assert_eq!(m("PT45M"), Some(45));
        assert_eq!(m("01:30:00"), Some(90));
        assert_eq!(m("1:30"), Some(90));
        assert_eq!(m("45"), None);
        assert_eq!(m("-5m"), None);
        assert_eq!(m("soon"), None);
        assert_eq!(
            parse_duration("90", Some(DurationUnit::Seconds)).map(|d| d.as_secs()),
            Some(90)
        );
        assert_eq!(
            parse_duration("1.5", Some(DurationUnit::Hours)).map(|d| d.as_secs()),
            Some(5400)
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_parser() {
        for s in [
            "2026-11-28T02:00:00Z",
            "2024-02-29T23:59:59Z",
            "2000-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2026-12-31T12:34:56Z",
            "1999-03-01T00:00:01Z",
        ] {
            assert_eq!(fast_utc(s.as_bytes()), Some(s.parse().unwrap()), "{s}");
        }
        for s in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T02:00:00+01:00",
        ] {
            assert_eq!(fast_utc(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_when("2026-11-28T02:00:00Z", None).unwrap(),
            "2026-11-28T02:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_when("2026-11-28", None).unwrap(),
            "2026-11-28T23:59:59Z".parse::<Timestamp>().unwrap()
        );
        assert!(parse_when("2026-02-30", None).is_err());
        assert!(
            parse_when("2026-11-28T02:00:00", None)
                .unwrap_err()
                .contains("offset")
        );
        assert!(parse_when("yesterday", None).is_err());
    }
}
