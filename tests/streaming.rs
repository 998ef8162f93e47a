//! Issue 17's write paths: a portfolio written client by client into its staging directory
//! gives the same files as one rendered whole; a single check's JSON report, written from
//! the borrowed report model straight to stdout and into `-o` files, is the same document
//! everywhere and still held to its size budget before anything is written; and a template
//! that includes itself is a located error, not a stack overflow (issue 11).

mod common;

use common::{TODAY, run};

fn portfolio(dir: &std::path::Path) -> std::path::PathBuf {
    let clients = dir.join("clients");
    std::fs::create_dir(&clients).unwrap();
    // More clients than one batch of work (4 per core), so batches follow each other.
    let fixtures = [
        "managed",
        "co-managed",
        "clinic",
        "break-fix-office",
        "credit-union",
    ];
    for i in 0..23 {
        let name = fixtures[i % fixtures.len()];
        std::fs::copy(
            format!("fixtures/{name}.yaml"),
            clients.join(format!("{i:02}-{name}.yaml")),
        )
        .unwrap();
    }
    clients
}

#[test]
fn a_streamed_portfolio_matches_the_portfolio_json_and_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let clients = portfolio(dir.path());
    let out = dir.path().join("out");
    let written = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-o",
        &format!("{}/", out.display()),
        "-o",
        dir.path().join("p.json").to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(written.code, 1, "{}", written.stderr);
    let index_json = std::fs::read_to_string(out.join("index.json")).unwrap();
    assert_eq!(
        index_json, written.stdout,
        "index.json is the printed portfolio JSON"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.json")).unwrap(),
        index_json
    );
    let doc: serde_json::Value = serde_json::from_str(&index_json).unwrap();
    let reports = doc["reports"].as_array().unwrap();
    let rows = doc["index"].as_array().unwrap();
    assert_eq!((reports.len(), rows.len()), (23, 23));
    // Each client's own JSON file is its report in the portfolio JSON, in index order.
    for (report, row) in reports.iter().zip(rows) {
        let file = row["reports"][0].as_str().unwrap();
        assert!(file.ends_with(".json"), "{row}");
        let own: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(file)).unwrap()).unwrap();
        assert_eq!(&own, report, "{file}");
        assert_eq!(report["arrangement"]["path"], row["path"]);
    }
    // 23 clients × 3 formats, the index in 3 formats and the marker; no staging left.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 23 * 3 + 3 + 1);
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gapcheck"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");

    // Without a directory the JSON is built in memory: the same bytes.
    let printed = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-f",
        "json",
    ]);
    // The rows name no report files without a directory; the reports are the same.
    let printed: serde_json::Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(printed["reports"], doc["reports"]);
    assert_eq!(printed["summary"], doc["summary"]);
}

#[test]
fn a_failed_render_leaves_the_old_portfolio_and_no_staging() {
    let dir = tempfile::tempdir().unwrap();
    let clients = portfolio(dir.path());
    let out = dir.path().join("out");
    let dest = format!("{}/", out.display());
    let first = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-o",
        &dest,
    ]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let before = std::fs::read_to_string(out.join("index.md")).unwrap();
    // A Markdown template that names a field the context lacks fails at the first client.
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("report.md.hbs"), "{{no_such_field}}\n").unwrap();
    let failed = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "--template-dir",
        templates.to_str().unwrap(),
        "-o",
        &dest,
    ]);
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("index.md")).unwrap(),
        before
    );
    let staging: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(staging.is_empty(), "{staging:?}");
}

fn with_templates(files: &[(&str, &str)]) -> (tempfile::TempDir, common::Output) {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("t");
    std::fs::create_dir_all(templates.join("partials")).unwrap();
    for (name, text) in files {
        std::fs::write(templates.join(name), text).unwrap();
    }
    let report = dir.path().join("r.html");
    let out = check_with_templates(&templates, &["-o", report.to_str().unwrap()]);
    assert!(!report.exists(), "nothing is written when rendering fails");
    (dir, out)
}

/// Checks the co-managed fixture with the templates of `dir` and the other `args`.
fn check_with_templates(dir: &std::path::Path, args: &[&str]) -> common::Output {
    let mut all = vec![
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--template-dir",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn a_section_that_includes_itself_is_a_located_error() {
    let (_dir, out) = with_templates(&[
        ("report.html.hbs", "<p>{{section \"loop\"}}</p>\n"),
        ("partials/loop.html.hbs", "x\n{{section \"loop\"}}\n"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("is nested more than 16 deep"),
        "{}",
        out.stderr
    );
    // The message names the template and the line of the call.
    assert!(out.stderr.contains("loop"), "{}", out.stderr);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
}

#[test]
fn sections_nested_to_the_limit_still_render() {
    // Sixteen levels: report -> s1 -> ... -> s16 (each a section of the one above).
    let mut files = vec![(
        "report.html.hbs".to_owned(),
        "{{section \"s1\"}}\n".to_owned(),
    )];
    for i in 1..=16 {
        let body = if i < 16 {
            format!("{i} {{{{section \"s{}\"}}}}", i + 1)
        } else {
            "16".to_owned()
        };
        files.push((format!("partials/s{i}.html.hbs"), body));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("t");
    std::fs::create_dir_all(templates.join("partials")).unwrap();
    for (name, text) in &refs {
        std::fs::write(templates.join(name), text).unwrap();
    }
    let report = dir.path().join("r.html");
    let ok = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--template-dir",
        templates.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    assert!(std::fs::read_to_string(&report).unwrap().contains("15 16"));
    // One more level is one past the limit.
    std::fs::write(
        templates.join("partials/s16.html.hbs"),
        "16 {{section \"s17\"}}",
    )
    .unwrap();
    std::fs::write(templates.join("partials/s17.html.hbs"), "17").unwrap();
    let past = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--template-dir",
        templates.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(past.code, 2, "{}", past.stderr);
    assert!(
        past.stderr.contains("nested more than 16 deep"),
        "{}",
        past.stderr
    );
}

#[test]
fn partials_that_include_each_other_are_a_located_error() {
    let (_dir, out) = with_templates(&[
        ("report.html.hbs", "{{> ping}}\n"),
        ("partials/ping.html.hbs", "ping {{> pong}}"),
        ("partials/pong.html.hbs", "pong\n{{> ping}}"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("pong.html.hbs:2:"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("includes `ping`, which leads back to `pong`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("closes a cycle"), "{}", out.stderr);
}

#[test]
fn blocks_nested_past_the_limit_are_a_located_error_not_a_stack_overflow() {
    // 30,000 nested blocks overflowed the stack (exit 134) in handlebars' parser; 65 are
    // refused at the 65th, in a partial as in a main template.
    let deep = |n: usize| "{{#if title}}".repeat(n) + "x" + &"{{/if}}".repeat(n);
    let (_dir, out) =
        with_templates(&[("partials/extra.html.hbs", &format!("<p>\n{}", deep(30_000)))]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let column = 64 * "{{#if title}}".len() + 1;
    assert!(
        out.stderr.contains(&format!("extra.html.hbs:2:{column}:")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("more than 64 levels"), "{}", out.stderr);
    // A chain of `{{else if}}` nests as deep in handlebars' template, and overflowed too.
    let chain = "{{#if title}}".to_owned() + &"{{else if title}}x".repeat(30_000) + "{{/if}}";
    let (_dir, out) = with_templates(&[("report.html.hbs", &chain)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("more than 64 levels"), "{}", out.stderr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.md.hbs"), deep(64)).unwrap();
    let markdown = ["-f", "markdown", "--fail-on", "never"];
    let out = check_with_templates(dir.path(), &markdown);
    assert_eq!(out.code, 0, "64 levels are allowed: {}", out.stderr);
    assert_eq!(out.stdout, "x");
}

const ONE: &str = "fixtures/co-managed.yaml";

#[test]
fn a_streamed_json_report_is_the_same_on_stdout_and_in_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("sub/b.json"));
    let md = dir.path().join("r.md");
    let out = run(&[
        "check",
        ONE,
        "--today",
        TODAY,
        "-f",
        "json",
        "-o",
        a.to_str().unwrap(),
        "-o",
        md.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
    ]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert!(out.stdout.ends_with("}\n"));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), out.stdout);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), out.stdout);
    // The Markdown beside them is rendered from the same report.
    let alone = run(&["check", ONE, "--today", TODAY, "-f", "markdown"]);
    assert_eq!(std::fs::read_to_string(&md).unwrap(), alone.stdout);
    // No temporary file is left beside the reports.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_streamed_json_report_that_cannot_be_written_fails_the_run() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gapcheck"))
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .args(["check", ONE, "--today", TODAY, "-f", "json"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The report size budget holds for a streamed JSON report as for a rendered one: its size
/// is known before any report is written or printed. Debug builds lower the fixed part.
#[cfg(debug_assertions)]
mod json_budget {
    use super::*;

    fn with_fixed(fixed: i64, args: &[&str]) -> common::Output {
        let mut all = vec![ONE];
        all.extend_from_slice(args);
        common::check_with_budget(fixed, &all)
    }

    /// The fixed part that makes the budget exactly the JSON report's size.
    fn exact() -> (i64, usize) {
        let report = run(&["check", ONE, "--today", TODAY, "-f", "json"]);
        let bytes = report.stdout.len();
        let input = std::fs::metadata(ONE).unwrap().len() as i64;
        let fixed = bytes as i64 - 32 * input;
        assert!(fixed > 0, "the fixed part decides");
        (fixed, bytes)
    }

    #[test]
    fn a_json_file_at_the_budget_is_written_and_one_byte_past_it_is_refused() {
        let (fixed, bytes) = exact();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        let file = file.to_str().unwrap();

        let at = with_fixed(fixed, &["-o", file]);
        assert!(matches!(at.code, 0 | 1), "{}", at.stderr);
        assert_eq!(std::fs::metadata(file).unwrap().len() as usize, bytes);
        std::fs::remove_file(file).unwrap();

        let past = with_fixed(fixed - 1, &["-o", file]);
        common::assert_one_byte_over_budget(&past, ONE, "json", bytes as u64);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn json_over_budget_on_stdout_writes_no_file_either() {
        let (fixed, bytes) = exact();
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("r.md");
        let past = with_fixed(fixed - 1, &["-f", "json", "-o", md.to_str().unwrap()]);
        assert_eq!(past.code, 2, "{}", past.stderr);
        assert!(
            past.stderr
                .contains(&format!("error: the json report would be {bytes} bytes")),
            "{}",
            past.stderr
        );
        assert!(past.stdout.is_empty(), "nothing printed");
        assert!(
            !md.exists(),
            "the Markdown report, within its budget, is not written"
        );
    }
}
