//! Shared helpers for the CLI tests: run the real binary with a fixed clock.
#![allow(dead_code)]

use assert_cmd::Command;

/// A fixed "now" (2026-01-01T00:00:00Z) so reports are byte-stable.
pub const EPOCH: &str = "1767225600";
pub const TODAY: &str = "2026-11-26";

/// The gapcheck binary with a deterministic environment.
pub fn gapcheck() -> Command {
    let mut cmd = Command::cargo_bin("gapcheck").expect("binary builds");
    cmd.env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs gapcheck with `args` and returns its exit code and output, whatever they are.
pub fn run(args: &[&str]) -> Output {
    output(gapcheck().args(args))
}

fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("gapcheck runs");
    Output {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `gapcheck check --today TODAY ARGS…` with every report's size budget fixed at `fixed`
/// bytes (`GAPCHECK_TEST_REPORT_FIXED_BYTES`, honoured by debug builds only), so a test can
/// sit exactly at the budget and one byte past it.
pub fn check_with_budget(fixed: i64, args: &[&str]) -> Output {
    output(
        gapcheck()
            .env("GAPCHECK_TEST_REPORT_FIXED_BYTES", fixed.to_string())
            .args(["check", "--today", TODAY])
            .args(args),
    )
}

/// Asserts that `past` refused `arrangement`'s `format` report of `bytes` bytes against a
/// budget one byte smaller, naming the arrangement, and printed nothing.
pub fn assert_one_byte_over_budget(past: &Output, arrangement: &str, format: &str, bytes: u64) {
    assert_eq!(past.code, 2, "{}", past.stderr);
    assert!(
        past.stderr.contains(&format!(
            "{arrangement}:1:1: error: the {format} report would be {bytes} bytes, over its budget of {} bytes",
            bytes - 1
        )),
        "{}",
        past.stderr
    );
    assert!(past.stdout.is_empty(), "nothing printed");
}

/// `check` of a fixture as JSON with the fixed date.
pub fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json", "--today", TODAY]);
    let out = run(&all);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    (
        out.code,
        serde_json::from_str(&out.stdout).expect("stdout is JSON"),
    )
}

/// The finding for `catalog:control` in a JSON report.
pub fn finding<'a>(
    report: &'a serde_json::Value,
    catalog: &str,
    control: &str,
) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .find(|f| f["catalog"] == catalog && f["control"] == control)
        .unwrap_or_else(|| panic!("no finding {catalog}:{control}"))
}

pub fn codes(f: &serde_json::Value) -> Vec<String> {
    f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// NIST's OSCAL files, kept in the repository (tests/data/nist-800-53-rev5/README.md names
/// their source) so that `cargo test` passes on a clone with nothing beside it.
pub fn nist_data(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nist-800-53-rev5")
        .join(file)
}

/// The team's source copy of the same files, when one is beside the clone
/// (`GAPCHECK_NIST_REFERENCE` names another place). Absent on a fresh clone: then the
/// repository copy is all there is, and the comparison with the source is skipped.
pub fn nist_source_copy() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("GAPCHECK_NIST_REFERENCE") {
        return Some(dir.into());
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/nist-800-53-rev5");
    dir.is_dir().then_some(dir)
}
