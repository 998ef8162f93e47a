//! The size budget of a report relative to its input (issue 11, round two): the per-string
//! caps bound what one finding can carry, and this bounds the whole, so no input within the
//! file limits can make a report that fills a disk or a CI artifact store.
//!
//! Measured (README, "Limits"): the fixtures' largest report is 272 KB (HTML of
//! `fixtures/hostile.yaml`, 2.8 KB); every built-in framework at once with a catch-all
//! exception carrying the longest reason and names allowed gives 2.2 MB of HTML from 5.6 KB;
//! a 341 KB user catalog of 3,000 minimal controls all waived by such an exception gives
//! 9.6 MB of HTML (28× its input). The fixed part covers the built-in catalogs' text, which
//! is not input; the factor covers what grows with the input.

/// Bytes any one report may have whatever its input: the built-in catalogs' text.
pub const MAX_REPORT_FIXED_BYTES: u64 = 16 << 20;

/// Bytes a report may add per byte of input (arrangement, user catalogs, evidence).
pub const MAX_REPORT_INPUT_FACTOR: u64 = 32;

/// The largest report allowed for `input_bytes` of input.
pub fn report_budget(input_bytes: u64) -> u64 {
    fixed_bytes().saturating_add(MAX_REPORT_INPUT_FACTOR.saturating_mul(input_bytes))
}

/// [`MAX_REPORT_FIXED_BYTES`], or in debug builds `GAPCHECK_TEST_REPORT_FIXED_BYTES`, so a
/// test can reach the limit with a small fixture. Release builds have no such knob.
fn fixed_bytes() -> u64 {
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("GAPCHECK_TEST_REPORT_FIXED_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    MAX_REPORT_FIXED_BYTES
}

/// The bytes of the input files under `paths` (a directory's regular files, recursively,
/// without following links), for the budget. Unreadable entries count nothing: reading
/// them is the loaders' business, and they report it.
pub fn input_bytes<'a>(paths: impl IntoIterator<Item = &'a std::path::Path>) -> u64 {
    let mut total = 0u64;
    let mut stack: Vec<std::path::PathBuf> = paths.into_iter().map(|p| p.to_path_buf()).collect();
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let meta = if meta.file_type().is_symlink() {
            // A path named directly may be a link; links inside directories are not
            // followed (the evidence reader does not follow them either).
            match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => m,
                _ => continue,
            }
        } else {
            meta
        };
        if meta.is_file() {
            total = total.saturating_add(meta.len());
        } else if meta.is_dir()
            && let Ok(entries) = std::fs::read_dir(&p)
        {
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| !t.is_symlink()) {
                    stack.push(e.path());
                }
            }
        }
    }
    total
}

/// The bytes `write` produces, counted without keeping them: the size of a streamed report,
/// for its budget, before any of it is written where it goes. An error (none is expected
/// from writing into nothing) counts what was written before it.
pub fn counted(write: impl FnOnce(&mut Counter) -> std::io::Result<()>) -> u64 {
    let mut count = Counter(0);
    let _ = write(&mut count);
    count.0
}

/// The sink of [`counted`]. A type of its own, not `dyn Write`: serde_json writes a report a
/// few bytes at a time, and each piece was an indirect call (issue 17: counting 65 MB of
/// JSON cost as much as writing it).
pub struct Counter(u64);

impl std::io::Write for Counter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0 += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes `write` produces when they are at most `limit`, else `None`: a small report is
/// then serialized once, and a large one is given up at its first write past the limit, so
/// it is never held whole nor produced in full an extra time (issue 17). An error from
/// `write` gives `None` too. `write` gets the concrete writer so that a serializer's many
/// small writes are inlined (through `dyn Write` they cost half as much again).
pub fn at_most(
    limit: usize,
    write: impl FnOnce(&mut AtMost) -> std::io::Result<()>,
) -> Option<Vec<u8>> {
    let mut out = AtMost {
        limit,
        bytes: Vec::new(),
    };
    write(&mut out).ok().map(|()| out.bytes)
}

/// The writer of [`at_most`]: it keeps what is written and fails past its limit.
pub struct AtMost {
    limit: usize,
    bytes: Vec<u8>,
}

impl std::io::Write for AtMost {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if buf.len() > self.limit - self.bytes.len() {
            return Err(over_the_limit());
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cold]
fn over_the_limit() -> std::io::Error {
    std::io::Error::other("over the limit")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_budget_grows_with_the_input() {
        assert_eq!(report_budget(0), fixed_bytes());
        assert_eq!(report_budget(1000), fixed_bytes() + 32_000);
        assert_eq!(report_budget(u64::MAX), u64::MAX);
    }

    #[test]
    fn counted_is_the_length_of_what_is_written() {
        let n = counted(|w| {
            w.write_all(b"abc")?;
            w.write_all("é\n".as_bytes())
        });
        assert_eq!(n, 6);
    }

    #[test]
    fn at_most_keeps_only_what_fits() {
        let calls = std::cell::Cell::new(0);
        let write = |w: &mut AtMost| {
            for part in [&b"abc"[..], "é\n".as_bytes()] {
                calls.set(calls.get() + 1);
                w.write_all(part)?;
            }
            Ok(())
        };
        assert_eq!(at_most(6, write), Some("abcé\n".as_bytes().to_vec()));
        calls.set(0);
        assert_eq!(at_most(2, write), None);
        // Given up at the first write past the limit.
        assert_eq!(calls.get(), 1);
        let failing = |w: &mut AtMost| {
            w.write_all(b"ab")?;
            Err(std::io::Error::other("x"))
        };
        assert_eq!(at_most(10, failing), None);
    }
}
