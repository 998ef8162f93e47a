//! Portfolio mode: many arrangements in one run, as an MSP checks all its clients. Files
//! are discovered under a directory, checked in parallel on every core, and summarized one
//! row per organization.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::{Diagnostic, Level};

/// The arrangement files under `dir`: YAML files whose top level has a `gapcheck:` key,
/// sorted by path, symlinks not followed. Other YAML files are returned as skipped, so `-v`
/// can say which were passed over.
pub fn discover(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic {
                    level: Level::Error,
                    file: e.path().unwrap_or(dir).display().to_string(),
                    pos: None,
                    message: format!("cannot read directory entry: {e}"),
                    help: Some(
                        "check permissions, or pass the arrangement files one by one".into(),
                    ),
                    source_line: None,
                });
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file()
            || !path.extension().is_some_and(|x| x == "yaml" || x == "yml")
        {
            continue;
        }
        if is_arrangement(path) {
            found.push(path.to_path_buf());
        } else {
            skipped.push(path.to_path_buf());
        }
    }
    (found, skipped, errors)
}

/// A cheap test for a top-level `gapcheck:` key: a line starting with it, outside any
/// indentation. Full parsing happens when the file is checked.
fn is_arrangement(path: &Path) -> bool {
    use std::io::{BufRead, BufReader};
    let Ok(f) = std::fs::File::open(path) else {
        return true;
    };
    // Arrangements put `gapcheck:` first; reading a bounded prefix keeps discovery cheap on
    // huge non-arrangement files.
    BufReader::new(f.take(1 << 20))
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim_start_matches('\u{feff}').starts_with("gapcheck:"))
}

/// Maps `f` over `items` on up to `threads` threads, keeping the input order. Work is
/// handed out item by item, so one slow arrangement does not idle the other cores.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    let results = std::sync::Mutex::new(slots);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results
                        .lock()
                        .expect("no worker panics while holding the lock")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("workers finished")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// One organization's line in the portfolio index.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub path: String,
    pub organization: String,
    pub model: crate::arrangement::Model,
    pub recommended: crate::arrangement::Model,
    pub model_fits: bool,
    pub controls: usize,
    pub gaps: usize,
    pub partial: usize,
    pub failing: usize,
    pub sprs: Option<i64>,
    pub passed: bool,
    /// The per-arrangement report files written with `-o DIR/`, relative to DIR.
    pub reports: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub arrangements: usize,
    pub passed: usize,
    pub failed: usize,
    pub gaps: usize,
    pub failing: usize,
    pub misfits: usize,
    pub rows: Vec<Row>,
}

impl Summary {
    pub fn new(rows: Vec<Row>) -> Summary {
        Summary {
            arrangements: rows.len(),
            passed: rows.iter().filter(|r| r.passed).count(),
            failed: rows.iter().filter(|r| !r.passed).count(),
            gaps: rows.iter().map(|r| r.gaps).sum(),
            failing: rows.iter().map(|r| r.failing).sum(),
            misfits: rows.iter().filter(|r| !r.model_fits).count(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_order_on_several_threads() {
        let items: Vec<u64> = (0..1000).collect();
        let out = par_map(&items, 4, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(par_map(&Vec::<u8>::new(), 2, |x| *x).is_empty());
    }

    #[test]
    fn discovers_only_arrangements() {
        let (found, skipped, errors) = discover(Path::new("fixtures"));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(found.iter().any(|p| p.ends_with("managed.yaml")));
        assert!(
            skipped.iter().any(|p| p.ends_with("reasons.yaml")
                && p.parent().is_some_and(|d| d.ends_with("catalogs")))
        );
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(found, sorted);
    }
}
