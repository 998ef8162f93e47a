//! Replays the committed fuzz corpus through the fuzz targets' own code (`fuzz/harness.rs`),
//! so every seed and every crash the fuzzer once found stays a regression test on stable
//! Rust, without libFuzzer. To keep a new crash: fix it, then copy the input from
//! `fuzz/artifacts/<target>/` into `fuzz/corpus/<target>/`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: empty corpus", dir.display());
    // The stack of a main thread (8 MiB), which the binary and libFuzzer run on: test threads
    // get 2 MiB, less than an unoptimized build needs to reach the 64-level depth limit.
    let failed = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let mut failed = Vec::new();
            for file in &files {
                let data = fs::read(file).expect("corpus file");
                if panic::catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                    failed.push(file.display().to_string());
                }
            }
            (failed, files.len())
        })
        .expect("replay thread")
        .join()
        .expect("replay thread finishes");
    let (failed, total) = failed;
    assert!(
        failed.is_empty(),
        "{} of {} inputs broke an invariant (see the panics above): {failed:#?}",
        failed.len(),
        total
    );
}

#[test]
fn arrangement_corpus() {
    replay("arrangement", harness::arrangement);
}

#[test]
fn catalog_corpus() {
    replay("catalog", harness::catalog);
}

#[test]
fn evaluate_render_corpus() {
    replay("evaluate_render", harness::evaluate_render);
}

/// The corpus holds the hostile fixtures too, so the fuzzer starts from every known way in.
#[test]
fn corpus_includes_every_bad_fixture() {
    for (fixtures, target) in [
        ("fixtures/bad", "arrangement"),
        ("fixtures/bad/catalogs", "catalog"),
    ] {
        for entry in fs::read_dir(fixtures).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                continue;
            }
            let name = path.file_name().expect("file name");
            let seed = PathBuf::from("fuzz/corpus").join(target).join(name);
            assert_eq!(
                fs::read(&path).expect("fixture"),
                fs::read(&seed).unwrap_or_default(),
                "{} is not in the corpus as {}",
                path.display(),
                seed.display()
            );
        }
    }
}

#[test]
fn oscal_import_corpus() {
    replay("oscal_import", harness::oscal_import);
}
