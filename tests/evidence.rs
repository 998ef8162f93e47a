//! Checking an arrangement against the record of work done (`--evidence`, issue 13): each
//! rule, the map files, strict mode, bad input, the report views and the portfolio list.

mod common;

use std::path::{Path, PathBuf};

use common::{finding, run};

const ARRANGEMENT: &str = "fixtures/evidence/managed.yaml";
const DAY: &str = "2026-11-30";
const MAPS: [&str; 6] = [
    "--evidence-map",
    "fixtures/evidence/maps/backup-job-log.yaml",
    "--evidence-map",
    "fixtures/evidence/maps/patch-report.yaml",
    "--evidence-map",
    "fixtures/evidence/maps/ticket-export.yaml",
];

/// `check` of the evidence fixture against `evidence` (plus `extra`), as JSON.
fn check(evidence: &[&str], extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["check", ARRANGEMENT, "-f", "json", "--today", DAY];
    for e in evidence {
        args.extend(["--evidence", e]);
    }
    args.extend(MAPS);
    args.extend(extra);
    let out = run(&args);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    (
        out.code,
        serde_json::from_str(&out.stdout).expect("JSON"),
        out.stderr,
    )
}

fn capability<'a>(report: &'a serde_json::Value, cap: &str) -> &'a serde_json::Value {
    report["evidence"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capability"] == cap)
        .unwrap_or_else(|| panic!("no evidence entry for {cap}"))
}

fn codes(f: &serde_json::Value) -> Vec<String> {
    f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A file in a fresh temporary directory.
fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    (dir, p)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_year_of_plausible_records_passes() {
    let (code, r, stderr) = check(&["fixtures/evidence/passing"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "no warnings expected: {stderr}");
    let ev = &r["evidence"];
    assert_eq!(ev["records"], 1565);
    assert_eq!(ev["stale"], 0);
    assert_eq!(ev["failed"], 0);
    assert_eq!(ev["sla_missed"], 0);
    assert_eq!(capability(&r, "backup")["status"], "ok");
    assert_eq!(capability(&r, "backup")["limit"], "1d 12h");
    let hd = capability(&r, "help-desk");
    assert_eq!(hd["status"], "ok");
    assert!(hd["sla"]["attainment"].as_f64().unwrap() >= 95.0);
    // Declared but without records: not a problem unless evidence is required.
    assert_eq!(capability(&r, "log-review")["status"], "no-records");
    // Every file is listed with its digest and the map that read it.
    let files = ev["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
    let backup = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("backup-jobs.csv"))
        .unwrap();
    assert_eq!(backup["map"], "fixtures/evidence/maps/backup-job-log.yaml");
}

#[test]
fn a_backup_gap_a_slipped_patch_cadence_and_a_missed_sla_are_each_caught() {
    let (code, r, _) = check(&["fixtures/evidence/failing"], &[]);
    assert_eq!(code, 1);
    // Backups stopped three weeks ago: stale, with how overdue (21d 17h old, 36 h allowed).
    let b = capability(&r, "backup");
    assert_eq!(b["status"], "stale");
    assert_eq!(b["overdue"], "20d 5h");
    assert_eq!(b["overdue_hours"], 20 * 24 + 5);
    let cp9 = finding(&r, "nist-800-53-conmon", "CP-9");
    assert_eq!(cp9["status"], "gap");
    assert_eq!(codes(cp9), ["evidence-stale"]);
    assert!(
        cp9["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("20d 5h overdue")
    );
    // Weekly patching whose last window was 20 days ago: 11 days past the 9-day limit.
    let p = capability(&r, "patch-management");
    assert_eq!(p["status"], "stale");
    assert_eq!(p["overdue"], "11d");
    assert!(codes(finding(&r, "nist-800-53-conmon", "SI-2(2)")).contains(&"evidence-stale".into()));
    // The help desk answered 88 % of tickets within the hour over the last 90 days.
    let hd = capability(&r, "help-desk");
    assert_eq!(hd["status"], "sla-missed");
    assert_eq!(hd["sla"]["attainment"], 88.0);
    assert_eq!(hd["sla"]["target"], 95.0);
    let sm06 = finding(&r, "service-model", "SM-06");
    assert_eq!(codes(sm06), ["sla-missed"]);
    assert!(
        sm06["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("88.0 % of 225 tickets within 1h")
    );
    // Per finding reason: which capabilities and how many controls.
    let reasons = r["evidence"]["reasons"].as_array().unwrap();
    let stale = reasons
        .iter()
        .find(|x| x["code"] == "evidence-stale")
        .unwrap();
    assert_eq!(
        stale["capabilities"],
        serde_json::json!(["backup", "patch-management"])
    );
    assert!(stale["failing"].as_u64().unwrap() >= 2);
}

#[test]
fn the_latest_record_failing_is_evidence_failed() {
    let (_d, p) = temp_file(
        "records.csv",
        b"capability,when,outcome,reference\nbackup,2026-11-28T02:00:00Z,ok,J1\nbackup,2026-11-29T02:00:00Z,ok,J2\nbackup,2026-11-30T02:00:00Z,failed,J3\n",
    );
    let (code, r, _) = check(&[s(&p)], &[]);
    assert_eq!(code, 1);
    let b = capability(&r, "backup");
    assert_eq!(b["status"], "failed");
    assert_eq!(b["last"]["reference"], "J3");
    assert_eq!(b["last"]["line"], 4);
    let cp9 = finding(&r, "nist-800-53-conmon", "CP-9");
    assert_eq!(codes(cp9), ["evidence-failed"]);
    let msg = cp9["reasons"][0]["message"].as_str().unwrap();
    assert!(msg.contains("J3") && msg.contains("records.csv:4"), "{msg}");
}

#[test]
fn a_same_minute_failure_is_not_hidden_by_a_success() {
    let (_d, p) = temp_file(
        "records.csv",
        b"capability,when,outcome\nbackup,2026-11-30T02:00:00Z,failed\nbackup,2026-11-30T02:00:00Z,ok\n",
    );
    let (_, r, _) = check(&[s(&p)], &[]);
    assert_eq!(capability(&r, "backup")["status"], "failed");
}

#[test]
fn fresh_records_keep_a_leaf_met_and_a_per_responsibility_grace_applies() {
    // 30 h old: within the default 36 h of a daily backup.
    let (_d, p) = temp_file(
        "r.csv",
        b"capability,when,outcome\nbackup,2026-11-29T18:00:00Z,ok\n",
    );
    let (_, r, _) = check(&[s(&p)], &[]);
    assert_eq!(capability(&r, "backup")["status"], "ok");
    assert_eq!(
        finding(&r, "nist-800-53-conmon", "CP-9")["status"],
        "satisfied"
    );
    // The same record against a declared 2 h grace (26 h limit) is stale.
    let text = std::fs::read_to_string(ARRANGEMENT).unwrap().replace(
        "backup: {owner: bluepeak, cadence: daily}",
        "backup: {owner: bluepeak, cadence: daily, grace: 2h}",
    );
    let (_d2, a) = temp_file("a.yaml", text.as_bytes());
    let out = run(&[
        "check",
        s(&a),
        "-f",
        "json",
        "--today",
        DAY,
        "--evidence",
        s(&p),
    ]);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let b = capability(&r, "backup");
    assert_eq!(b["limit"], "1d 2h");
    assert_eq!(b["status"], "stale");
    assert_eq!(b["overdue"], "4h");
}

#[test]
fn an_sla_target_can_be_declared_per_responsibility() {
    let text = std::fs::read_to_string(ARRANGEMENT)
        .unwrap()
        .replace("sla_target: 95", "sla_target: 85");
    let (_d, a) = temp_file("a.yaml", text.as_bytes());
    let mut args = vec![
        "check",
        s(&a),
        "-f",
        "json",
        "--today",
        DAY,
        "--evidence",
        "fixtures/evidence/failing/tickets.csv",
    ];
    args.extend(MAPS);
    let out = run(&args);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let hd = capability(&r, "help-desk");
    assert_eq!(hd["status"], "ok");
    assert_eq!(hd["sla"]["attainment"], 88.0);
    assert_eq!(hd["sla"]["target"], 85.0);
}

#[test]
fn records_outside_the_arrangement_are_warnings_and_never_count() {
    let (_d, p) = temp_file(
        "records.csv",
        b"capability,provider,when,outcome\n\
          backup,bluepeak,2026-11-30T01:00:00Z,ok\n\
          penetration-tests,bluepeak,2026-11-30T01:00:00Z,ok\n\
          backup,acme,2026-11-30T01:00:00Z,ok\n\
          backup,leadership,2026-11-30T01:00:00Z,ok\n",
    );
    let (_, r, stderr) = check(&[s(&p)], &[]);
    assert!(
        stderr.contains(
            "records.csv:3:1: warning: record for unknown capability `penetration-tests`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `penetration-testing`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "records.csv:4:8: warning: record by `acme`, which is not a declared provider"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("records.csv:5:8: warning: record of `backup` by `leadership`, which does not own `backup`"),
        "{stderr}"
    );
    assert_eq!(capability(&r, "backup")["records"], 1);
    let file = &r["evidence"]["files"][0];
    assert_eq!(file["records"], 1);
    assert_eq!(file["skipped"], 3);
}

#[test]
fn evidence_never_satisfies_an_undeclared_responsibility() {
    let text = std::fs::read_to_string(ARRANGEMENT)
        .unwrap()
        .replace("  backup: {owner: bluepeak, cadence: daily}\n", "");
    let (_d, a) = temp_file("a.yaml", text.as_bytes());
    let out = run(&[
        "check",
        s(&a),
        "-f",
        "json",
        "--today",
        DAY,
        "--evidence",
        "fixtures/evidence/passing/backup-jobs.csv",
        "--evidence-map",
        "fixtures/evidence/maps/backup-job-log.yaml",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("record for `backup`, which the arrangement does not declare"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("more warning(s) in this file not shown")
    );
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        codes(finding(&r, "nist-800-53-conmon", "CP-9")),
        ["unassigned"]
    );
}

#[test]
fn strict_mode_makes_an_ongoing_responsibility_without_records_needs_evidence() {
    let (_d, p) = temp_file(
        "r.csv",
        b"capability,when,outcome\nbackup,2026-11-30T01:00:00Z,ok\n",
    );
    // Optional (the default): no record for log-review is not a problem.
    let (_, r, _) = check(&[s(&p)], &[]);
    assert_eq!(r["evidence"]["strict"], false);
    assert_eq!(
        finding(&r, "nist-800-53-conmon", "AU-6")["status"],
        "satisfied"
    );
    // --require-evidence: it is.
    let (code, r, _) = check(
        &[s(&p)],
        &["--require-evidence", "--fail-on", "needs-evidence"],
    );
    assert_eq!(code, 1);
    assert_eq!(r["evidence"]["strict"], true);
    let au6 = finding(&r, "nist-800-53-conmon", "AU-6");
    assert_eq!(au6["status"], "needs-evidence");
    assert!(codes(au6).iter().all(|c| c == "needs-evidence"));
    assert_eq!(capability(&r, "log-review")["status"], "needs-evidence");
    // A backup record exists, so CP-9 stays satisfied.
    assert_eq!(
        finding(&r, "nist-800-53-conmon", "CP-9")["status"],
        "satisfied"
    );
    // Organizational capabilities are the organization's own: never needs-evidence.
    assert_eq!(capability(&r, "policy-management")["status"], "no-records");
    // `evidence: required` in the arrangement is the same switch.
    let text = std::fs::read_to_string(ARRANGEMENT).unwrap() + "evidence: required\n";
    let (_d2, a) = temp_file("a.yaml", text.as_bytes());
    let out = run(&[
        "check",
        s(&a),
        "-f",
        "json",
        "--today",
        DAY,
        "--evidence",
        s(&p),
    ]);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        finding(&r, "nist-800-53-conmon", "AU-6")["status"],
        "needs-evidence"
    );
}

#[test]
fn without_evidence_nothing_changes() {
    let out = run(&["check", ARRANGEMENT, "-f", "json", "--today", DAY]);
    assert_eq!(out.code, 0);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(r.get("evidence").is_none());
    for flag in [
        &["--evidence-map", "fixtures/evidence/maps/patch-report.yaml"][..],
        &["--require-evidence"],
        &["--evidence-lenient"],
    ] {
        let mut args = vec!["check", ARRANGEMENT];
        args.extend(flag);
        let out = run(&args);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("add --evidence PATH"), "{}", out.stderr);
    }
}

#[test]
fn json_lines_and_yaml_records_are_read() {
    let (_d, p) = temp_file(
        "r.jsonl",
        br#"{"capability":"backup","when":"2026-11-30T01:00:00-05:00","outcome":"ok","reference":"J9"}

{"capability":"help-desk","when":"2026-11-30","outcome":"ok","responded_after":"PT20M","resolved_after":"2h"}
"#,
    );
    let (_, r, stderr) = check(&[s(&p)], &[]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(
        capability(&r, "backup")["last"]["when"],
        "2026-11-30T06:00Z"
    );
    assert_eq!(capability(&r, "help-desk")["sla"]["attainment"], 100.0);
    let (_d2, y) = temp_file(
        "r.yaml",
        b"- {capability: recovery-testing, when: 2026-09-11, outcome: ok}\n- {capability: recovery-testing, when: 2026-10-11, outcome: partial}\n",
    );
    let (_, r, _) = check(&[s(&y)], &[]);
    let rt = capability(&r, "recovery-testing");
    assert_eq!(rt["records"], 2);
    assert_eq!(rt["last"]["outcome"], "partial");
    assert_eq!(rt["status"], "ok");
}

/// Runs a check that must fail on input, and returns stderr.
fn bad(evidence: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "check",
        ARRANGEMENT,
        "--today",
        DAY,
        "--evidence",
        s(evidence),
    ];
    args.extend(extra);
    let out = run(&args);
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "no partial report: {}", out.stdout);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out.stderr
}

#[test]
fn malformed_csv_is_located_by_line_and_column() {
    let cases: &[(&[u8], &str)] = &[
        // A ragged row.
        (
            b"capability,when,outcome\nbackup,2026-11-30,ok\nbackup,2026-11-30\n",
            "r.csv:3:18: error: row has 2 field(s); the header has 3",
        ),
        // An unclosed quote swallows the rest of the file.
        (
            b"capability,when,outcome\nbackup,\"2026-11-29,ok\nbackup,2026-11-30,ok\n",
            "the row runs over",
        ),
        // Latin-1 bytes.
        (
            b"capability,when,outcome,reference\nbackup,2026-11-30,ok,caf\xe9\n",
            "r.csv:2:22: error: value is not UTF-8 text",
        ),
        // UTF-16.
        (b"\xff\xfec\x00a\x00", "r.csv: error: file is UTF-16 text"),
        // A column the native format does not have.
        (
            b"capability,when,outcome,refrence\nbackup,2026-11-30,ok,x\n",
            "r.csv:1:25: error: unknown column `refrence`",
        ),
        (
            b"capability,outcome\nbackup,ok\n",
            "the header has no `when` column",
        ),
        // An impossible date, a future one, a time without an offset.
        (
            b"capability,when,outcome\nbackup,2026-02-30,ok\n",
            "r.csv:2:8: error: impossible or malformed date `2026-02-30`",
        ),
        (
            b"capability,when,outcome\nbackup,2027-01-05T00:00:00Z,ok\n",
            "r.csv:2:8: error: record is dated `2027-01-05T00:00:00Z`, after the report date",
        ),
        (
            b"capability,when,outcome\nbackup,2026-11-30T01:00:00,ok\n",
            "no UTC offset",
        ),
        // Durations and outcomes that do not parse.
        (
            b"capability,when,outcome,responded_after\nhelp-desk,2026-11-30,ok,soon\n",
            "r.csv:2:25: error: `soon` is not a duration",
        ),
        (
            b"capability,when,outcome\nbackup,2026-11-30,done\n",
            "r.csv:2:19: error: unknown outcome `done`",
        ),
    ];
    for (content, want) in cases {
        let (_d, p) = temp_file("r.csv", content);
        let stderr = bad(&p, &[]);
        assert!(stderr.contains(want), "want {want:?} in:\n{stderr}");
        assert!(
            stderr.contains("help:"),
            "every error says what to do:\n{stderr}"
        );
    }
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let (_d, p) = temp_file(
        "r.csv",
        b"\xef\xbb\xbfcapability,when,outcome\nbackup,2026-11-30T01:00:00Z,ok\n",
    );
    let (_, r, stderr) = check(&[s(&p)], &[]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(capability(&r, "backup")["records"], 1);
}

#[test]
fn lenient_mode_skips_a_bad_row_with_a_warning() {
    let (_d, p) = temp_file(
        "r.csv",
        b"capability,when,outcome\nbackup,2026-02-30,ok\nbackup,2026-11-30T01:00:00Z,ok\n",
    );
    let (code, r, stderr) = check(&[s(&p)], &["--evidence-lenient"]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("r.csv:2:8: warning: impossible or malformed date")
            && stderr.contains("row skipped"),
        "{stderr}"
    );
    assert_eq!(r["evidence"]["files"][0]["skipped"], 1);
    assert_eq!(capability(&r, "backup")["records"], 1);
    // A bad header is not a bad row: still an error.
    let (_d2, h) = temp_file("h.csv", b"capability,wen,outcome\nbackup,2026-11-30,ok\n");
    let stderr = bad(&h, &["--evidence-lenient"]);
    assert!(stderr.contains("unknown column `wen`"), "{stderr}");
}

#[test]
fn bad_json_lines_are_located() {
    let (_d, p) = temp_file(
        "r.jsonl",
        b"{\"capability\":\"backup\",\"when\":\"2026-11-30\",\"outcome\":\"ok\"}\n{\"capability\":\"backup\",\"wen\":\"2026-11-30\"}\n{\"capability\": \"backup\", \"when\": \"2026-11-30\", \"outcome\": \"ok\",\n",
    );
    let stderr = bad(&p, &[]);
    assert!(
        stderr.contains("r.jsonl:2:24: error: unknown key `wen`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `when`?"), "{stderr}");
    assert!(
        stderr.contains("r.jsonl:3:") && stderr.contains("invalid JSON record"),
        "{stderr}"
    );
}

#[test]
fn budgets_refuse_a_huge_file_and_a_flood_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    // Sparse: 2 GB on paper, nothing on disk.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let stderr = bad(&big, &[]);
    assert!(
        stderr.contains("gapcheck reads evidence files of at most 1073741824 bytes"),
        "{stderr}"
    );

    let many = tempfile::tempdir().unwrap();
    for i in 0..10_001 {
        std::fs::write(many.path().join(format!("{i:05}.csv")), "").unwrap();
    }
    let stderr = bad(many.path(), &[]);
    assert!(
        stderr.contains("more than 10000 evidence files"),
        "{stderr}"
    );
}

#[test]
fn maps_are_validated() {
    let (_d, m) = temp_file(
        "m.yaml",
        b"evidence-map: 1\nfiles: '.*'\ncapability: backups\ncolumns: {when: Date, outcome: Status, capability: Kind}\noutcomes: {ok: [Done], failed: [Done]}\n",
    );
    let out = run(&[
        "check",
        ARRANGEMENT,
        "--evidence",
        "fixtures/evidence/passing",
        "--evidence-map",
        s(&m),
    ]);
    assert_eq!(out.code, 2);
    for want in [
        "m.yaml:3:13: error: unknown capability `backups`",
        "did you mean `backup`?",
        "outcome word `Done` is given two meanings",
    ] {
        assert!(
            out.stderr.contains(want),
            "want {want:?} in:\n{}",
            out.stderr
        );
    }
    // A map naming a column the export lacks.
    let (_d2, m2) = temp_file(
        "m2.yaml",
        b"evidence-map: 1\nfiles: '^backup'\ncapability: backup\ncolumns: {when: Started, outcome: Status}\n",
    );
    let out = run(&[
        "check",
        ARRANGEMENT,
        "--today",
        DAY,
        "--evidence",
        "fixtures/evidence/passing/backup-jobs.csv",
        "--evidence-map",
        s(&m2),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the header has no column `Started`")
            && out.stderr.contains("did you mean `Status`?")
            || out.stderr.contains("Start Time"),
        "{}",
        out.stderr
    );
}

#[test]
fn reports_show_the_evidence_view() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let md = dir.path().join("r.md");
    let mut args = vec![
        "check",
        ARRANGEMENT,
        "--today",
        DAY,
        "--evidence",
        "fixtures/evidence/failing",
        "-o",
        s(&html),
        "-o",
        s(&md),
    ];
    args.extend(MAPS);
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // Text: one line per capability whose records break a rule.
    assert!(
        out.stdout.contains("stale            backup"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("88 % of 225 tickets answered within 1h; target 95 %")
    );
    let html = std::fs::read_to_string(html).unwrap();
    let start = html
        .find("<section id=\"evidence\">")
        .expect("evidence section");
    let end = start + html[start..].find("</section>").unwrap() + "</section>".len();
    let section = &html[start..end];
    assert!(section.contains("<svg") && !section.contains("<script"));
    assert!(html.contains("<a href=\"#evidence\">"));
    insta::assert_snapshot!("html-evidence-section", section);
    let md = std::fs::read_to_string(md).unwrap();
    let start = md
        .find("## Evidence of work done")
        .expect("evidence section");
    let end = start + md[start..].find("\n## ").unwrap();
    insta::assert_snapshot!("md-evidence-section", &md[start..end]);
}

#[test]
fn json_evidence_summary_snapshot() {
    let (_, mut r, _) = check(&["fixtures/evidence/failing"], &[]);
    let ev = r["evidence"].take();
    insta::assert_json_snapshot!("json-evidence-summary", ev);
}

#[test]
fn a_portfolio_lists_clients_with_stale_or_failed_evidence_worst_first() {
    let root = tempfile::tempdir().unwrap();
    let clients = root.path().join("clients");
    let evidence = root.path().join("evidence");
    std::fs::create_dir_all(&clients).unwrap();
    let text = std::fs::read_to_string(ARRANGEMENT).unwrap();
    for (name, org, src) in [
        ("alpha", "Alpha Dental", "passing"),
        ("bravo", "Bravo Credit Union", "failing"),
        ("charlie", "Charlie Clinic", "only-patches"),
    ] {
        std::fs::write(
            clients.join(format!("{name}.yaml")),
            text.replace("Cedar Ridge Financial Advisors", org),
        )
        .unwrap();
        let to = evidence.join(name);
        std::fs::create_dir_all(&to).unwrap();
        let from = if src == "only-patches" {
            "failing"
        } else {
            src
        };
        for f in std::fs::read_dir(format!("fixtures/evidence/{from}")).unwrap() {
            let f = f.unwrap().path();
            let fname = f.file_name().unwrap().to_str().unwrap().to_owned();
            if src == "only-patches" && fname != "patch-report.csv" {
                continue;
            }
            std::fs::copy(&f, to.join(fname)).unwrap();
        }
    }
    let mut args = vec![
        "check",
        s(&clients),
        "--today",
        DAY,
        "--evidence",
        s(&evidence),
    ];
    args.extend(MAPS);
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let list = &out.stdout[out.stdout.find("Evidence: 2 client(s)").expect(&out.stdout)..];
    let bravo = list.find("Bravo Credit Union").unwrap();
    let charlie = list.find("Charlie Clinic").unwrap();
    assert!(
        bravo < charlie,
        "two stale capabilities before one:\n{list}"
    );
    assert!(!list.contains("Alpha Dental"));
    assert!(list.contains("backup (stale, 20d 5h overdue)"), "{list}");
    // The JSON index carries the same per client.
    args.extend(["-f", "json"]);
    let out = run(&args);
    let p: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = p["index"].as_array().unwrap();
    let bravo = rows
        .iter()
        .find(|r| r["organization"] == "Bravo Credit Union")
        .unwrap();
    assert_eq!(bravo["evidence"]["stale"], 2);
    assert_eq!(bravo["evidence"]["sla_missed"], 1);
}

/// The nightly recipe of examples/nightly-evidence.yml, run as written on a checkout with
/// the fixture exports: green on the good year, red when backups stop.
#[test]
fn the_nightly_example_goes_red_when_backups_stop() {
    let yaml: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string("examples/nightly-evidence.yml").unwrap())
            .unwrap();
    let steps = yaml["jobs"]["evidence"]["steps"].as_array().unwrap();
    let cmd = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.starts_with("gapcheck check"))
        .expect("a gapcheck step")
        .to_owned();
    let words: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    for (exports, want) in [("passing", 0), ("failing", 1)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(ARRANGEMENT, dir.path().join("arrangement.yaml")).unwrap();
        for (from, to) in [
            (format!("fixtures/evidence/{exports}"), "exports"),
            ("fixtures/evidence/maps".to_owned(), "maps"),
        ] {
            std::fs::create_dir(dir.path().join(to)).unwrap();
            for f in std::fs::read_dir(from).unwrap() {
                let f = f.unwrap().path();
                std::fs::copy(&f, dir.path().join(to).join(f.file_name().unwrap())).unwrap();
            }
        }
        // The night after the fixtures' last day, without --today: the clock decides.
        let out = common::gapcheck()
            .env("SOURCE_DATE_EPOCH", "1796040000")
            .current_dir(dir.path())
            .args(&words)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(want),
            "{exports}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.path().join("evidence.html").is_file());
        let json = std::fs::read_to_string(dir.path().join("evidence.json")).unwrap();
        let r: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(r["evidence"]["as_of"], "2026-11-30T12:00:00Z");
    }
}
