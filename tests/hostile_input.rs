//! Every bad input under `fixtures/bad/` — and the ones too big or too strange to commit,
//! made here in a temporary directory — must be refused with exit code 2, a located message
//! and no panic. How fast and in how much memory is measured by `benches/hostile.sh`, not
//! asserted here: timing assertions make tests flaky.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{TODAY, run};

/// Files whose exact message and position `tests/cli.rs` already asserts; here they get the
/// checks every bad input gets.
const ASSERTED_IN_CLI_RS: &[&str] = &[
    "bad-duration.yaml",
    "bad-exception-pattern.yaml",
    "duplicate-key.yaml",
    "duplicated-owner.yaml",
    "empty.yaml",
    "frameworks-not-a-list.yaml",
    "impossible-date.yaml",
    "missing-required.yaml",
    "model-break-fix-with-msp.yaml",
    "model-managed-without-msp.yaml",
    "multiple-errors.yaml",
    "negative-ftes.yaml",
    "report-misspelt-key.yaml",
    "report-period-reversed.yaml",
    "syntax-error.yaml",
    "undeclared-owner.yaml",
    "unknown-cadence.yaml",
    "unknown-capability.yaml",
    "unknown-control.yaml",
    "unknown-coverage.yaml",
    "unknown-framework.yaml",
    "unknown-key.yaml",
    "unknown-profile.yaml",
    "unsupported-version.yaml",
    "wrong-type.yaml",
    "catalogs/bad-requirement-cadence.yaml",
    "catalogs/duplicate-across-files",
    "catalogs/duplicate-builtin-id.yaml",
    "catalogs/duplicate-control-id.yaml",
    "catalogs/id-pattern-mismatch.yaml",
    "catalogs/invalid-id-pattern.yaml",
    "catalogs/undeclared-profile.yaml",
    "catalogs/unknown-capability.yaml",
    "catalogs/unknown-key.yaml",
    "catalogs/unknown-severity.yaml",
];

/// The other fixtures: path under `fixtures/bad/`, the `line:column` of the first error, and
/// a piece of its message.
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "alias-bomb.yaml",
        "27:10",
        "limit exceeded: anchors would repeat",
    ),
    ("byte-order-mark.yaml", "5:1", "unknown key `modle`"),
    (
        "catalog-as-arrangement.yaml",
        "1:1",
        "this looks like a catalog, not an arrangement",
    ),
    (
        "comments-only.yaml",
        "4:1",
        "must be a mapping, found nothing",
    ),
    ("complex-key.yaml", "18:5", "a mapping key must be text"),
    ("control-characters.yaml", "19:3", "unknown capability"),
    ("cr-line-endings.yaml", "4:3", "unknown key `employes`"),
    ("crlf-line-endings.yaml", "7:30", "unknown coverage `24/7`"),
    (
        "date-wrong-format.yaml",
        "22:14",
        "invalid expiry date `31/12/2026`",
    ),
    (
        "deep-block-nesting.yaml",
        "83:129",
        "limit exceeded: nested deeper than 64 levels",
    ),
    ("deep-nesting.yaml", "5:269", "recursion limit exceeded"),
    (
        "duplicate-nested-key.yaml",
        "15:5",
        "duplicate mapping key: kind",
    ),
    ("employees-overflow.yaml", "4:14", "must be a whole number"),
    (
        "exception-control-and-pattern.yaml",
        "20:14",
        "has both `control` and `pattern`",
    ),
    ("ftes-infinite.yaml", "12:11", "non-finite float"),
    ("huge-exception-pattern.yaml", "20:14", "exceeds size limit"),
    (
        "impossible-month.yaml",
        "22:14",
        "invalid expiry date `2026-13-01`",
    ),
    ("invalid-utf8.yaml", "4:12", "not valid UTF-8"),
    (
        "misspelt-exception-key.yaml",
        "22:5",
        "unknown key `expiry` in an exception",
    ),
    (
        "misspelt-provider-key.yaml",
        "14:5",
        "unknown key `knd` in provider `msp`",
    ),
    (
        "misspelt-responsibility-key.yaml",
        "18:34",
        "unknown key `cadance`",
    ),
    ("multiple-documents.yaml", "19:1", "multiple YAML documents"),
    (
        "null-document.yaml",
        "1:1",
        "must be a mapping, found nothing",
    ),
    (
        "scalar-document.yaml",
        "1:1",
        "must be a mapping, found a string",
    ),
    ("tab-indentation.yaml", "14:2", "tabs disallowed"),
    ("unclosed-quote.yaml", "15:11", "unclosed quote"),
    (
        "wrong-type-organization.yaml",
        "3:3",
        "`organization` must be a mapping, found a list",
    ),
    ("wrong-type-owner.yaml", "18:22", "owner must be text"),
    (
        "wrong-type-tooling.yaml",
        "16:14",
        "`tooling` must be a list",
    ),
    (
        "catalogs/alias-bomb.yaml",
        "25:16",
        "limit exceeded: anchors would repeat",
    ),
    (
        "catalogs/arrangement-as-catalog.yaml",
        "1:1",
        "unknown key `gapcheck` in the catalog file",
    ),
    (
        "catalogs/byte-order-mark.yaml",
        "12:5",
        "unknown key `guidence`",
    ),
    (
        "catalogs/catastrophic-id-pattern.yaml",
        "15:5",
        "does not match the catalog's id_pattern",
    ),
    (
        "catalogs/deep-nesting.yaml",
        "13:910",
        "recursion limit exceeded",
    ),
    (
        "catalogs/duplicate-key.yaml",
        "12:5",
        "duplicate mapping key: severity",
    ),
    ("catalogs/empty-any.yaml", "12:21", "`any` is empty"),
    ("catalogs/empty.yaml", "1:1", "the file is empty"),
    (
        "catalogs/extends-unknown.yaml",
        "2:12",
        "`extends: hipaa-secruity` names no loaded catalog",
    ),
    (
        "catalogs/huge-id-pattern.yaml",
        "4:15",
        "exceeds size limit",
    ),
    (
        "catalogs/invalid-catalog-id.yaml",
        "2:7",
        "invalid catalog id",
    ),
    ("catalogs/invalid-utf8.yaml", "11:22", "not valid UTF-8"),
    (
        "catalogs/misspelt-requirement-key.yaml",
        "12:16",
        "unknown key `capabilty`",
    ),
    (
        "catalogs/requirement-both-all-and-any.yaml",
        "12:15",
        "cannot have both `all` and `any`",
    ),
    (
        "catalogs/requirement-too-deep.yaml",
        "12:134",
        "nested too deeply",
    ),
    (
        "catalogs/wrong-type-controls.yaml",
        "7:3",
        "`controls` must be a list, found a mapping",
    ),
];

const BAD: &str = "fixtures/bad";

/// Every case under `fixtures/bad/`, relative to it: arrangement files at the top, catalog
/// files and catalog directories under `catalogs/`.
fn fixture_cases() -> Vec<String> {
    let mut out = Vec::new();
    for (dir, prefix) in [
        (BAD.to_owned(), ""),
        (format!("{BAD}/catalogs"), "catalogs/"),
    ] {
        for entry in fs::read_dir(&dir).expect("fixtures/bad is readable") {
            let entry = entry.expect("directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().expect("file type").is_dir();
            if prefix.is_empty() && name == "catalogs" {
                continue;
            }
            if is_dir && prefix.is_empty() {
                panic!("unexpected directory {dir}/{name}: arrangement cases are files");
            }
            out.push(format!("{prefix}{name}"));
        }
    }
    out.sort();
    out
}

fn args_for(case: &str) -> Vec<String> {
    let path = format!("{BAD}/{case}");
    if case.starts_with("catalogs/") {
        vec!["catalog".into(), "validate".into(), path]
    } else {
        vec!["check".into(), path, "--today".into(), TODAY.into()]
    }
}

/// Runs gapcheck and checks what every refusal must show: exit 2, no panic, nothing on
/// stdout, and a summary line saying nothing was written.
fn refused(args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 2, "{args:?} should exit 2:\n{}", out.stderr);
    assert!(
        !out.stderr.contains("panicked"),
        "{args:?}:\n{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{args:?} printed:\n{}", out.stdout);
    assert!(
        out.stderr.contains("error"),
        "{args:?} gave no error:\n{}",
        out.stderr
    );
    out.stderr
}

/// The `line:column` of the first located error about a file under `prefix`, if any.
fn first_position(stderr: &str, prefix: &str) -> Option<String> {
    stderr.lines().find_map(|line| {
        let rest = line.strip_prefix(prefix)?;
        // `<file>:<line>:<column>: error: ...`, where <file> may continue below a directory.
        let colon = rest.find(':')?;
        let mut parts = rest[colon + 1..].splitn(3, ':');
        let (l, c) = (parts.next()?, parts.next()?);
        let is_num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (is_num(l) && is_num(c) && parts.next()?.starts_with(" error:")).then(|| format!("{l}:{c}"))
    })
}

#[test]
fn every_fixture_has_an_expectation() {
    let cases = fixture_cases();
    for case in &cases {
        let known = ASSERTED_IN_CLI_RS.contains(&case.as_str())
            || EXPECTED.iter().any(|(name, _, _)| name == case);
        assert!(
            known,
            "fixtures/bad/{case} has no expectation: add it to EXPECTED"
        );
    }
    for (name, _, _) in EXPECTED {
        assert!(
            cases.iter().any(|c| c == name),
            "EXPECTED names missing {name}"
        );
    }
    assert!(cases.len() >= 40, "only {} bad inputs", cases.len());
}

#[test]
fn every_bad_fixture_is_refused_with_a_position() {
    for case in fixture_cases() {
        let stderr = refused(&args_for(&case));
        let shown = format!("{BAD}/{case}");
        let position = first_position(&stderr, &shown)
            .unwrap_or_else(|| panic!("{case}: no file:line:column in\n{stderr}"));
        if let Some((_, want, message)) = EXPECTED.iter().find(|(name, _, _)| *name == case) {
            assert_eq!(&position, want, "{case}: first error at\n{stderr}");
            assert!(
                stderr.contains(message),
                "{case}: expected {message:?} in\n{stderr}"
            );
        }
        // What reaches the terminal carries no escape sequences or stray carriage returns.
        assert!(
            !stderr
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{case}: control characters on stderr: {stderr:?}"
        );
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn a_file_of_hundreds_of_megabytes_is_refused_before_reading() {
    let dir = tempdir();
    let huge = dir.path().join("huge.yaml");
    // Sparse: 300 MB long without using the disk.
    fs::File::create(&huge)
        .and_then(|f| f.set_len(300 << 20))
        .expect("sparse file");
    for args in [
        vec!["check".to_owned(), s(&huge)],
        vec!["catalog".into(), "validate".into(), s(&huge)],
        vec![
            "check".into(),
            "fixtures/managed.yaml".into(),
            "-c".into(),
            s(dir.path()),
        ],
    ] {
        let stderr = refused(&args);
        assert!(stderr.contains("314572800 bytes"), "{stderr}");
        assert!(stderr.contains("at most 16777216 bytes"), "{stderr}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_endless_stream_is_cut_at_the_size_limit() {
    // A pipe reports no size, so only a bounded read stops it: standard input fed by
    // /dev/zero. (Named on the command line, a device is refused before it is opened.)
    let zero = fs::File::open("/dev/zero").expect("/dev/zero");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gapcheck"))
        .args(["check", "-"])
        .stdin(std::process::Stdio::from(zero))
        .output()
        .expect("gapcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("larger than 16777216 bytes"), "{stderr}");
    let stderr = refused(&["check".into(), "/dev/zero".into()]);
    assert!(
        stderr.contains("/dev/zero: error: is not a regular file (a character device)"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_refused_without_blocking() {
    let dir = tempdir();
    let fifo = dir.path().join("pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    // Nothing ever writes to it: opening it would block forever.
    for args in [
        vec!["check".to_owned(), s(&fifo)],
        vec![
            "check".to_owned(),
            "fixtures/managed.yaml".to_owned(),
            "-c".to_owned(),
            s(&fifo),
        ],
        vec![
            "check".to_owned(),
            "fixtures/managed.yaml".to_owned(),
            "--baseline".to_owned(),
            s(&fifo),
        ],
        vec!["catalog".to_owned(), "import".to_owned(), s(&fifo)],
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains("pipe.yaml: error: is not a regular file (a FIFO)"),
            "{args:?}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_named_as_evidence_is_refused_without_blocking() {
    let dir = tempdir();
    // Each evidence format: CSV and JSON Lines are streamed by the evidence reader, YAML
    // records are read like the other YAML inputs.
    for name in ["pipe.csv", "pipe.jsonl", "pipe.yaml"] {
        let fifo = dir.path().join(name);
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        // Nothing ever writes to it: opening it would block forever.
        let stderr = refused(&[
            "check".to_owned(),
            "fixtures/managed.yaml".to_owned(),
            "--evidence".to_owned(),
            s(&fifo),
        ]);
        assert!(
            stderr.contains(&format!("{name}: error: is not a regular file (a FIFO)")),
            "{name}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_in_a_catalog_directory_are_errors() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let root = dir.path().join("catalogs");
    fs::create_dir(&root).expect("mkdir");
    fs::copy("fixtures/catalogs/reasons.yaml", root.join("reasons.yaml")).expect("copy");
    symlink(&root, root.join("loop")).expect("directory loop");
    symlink("self.yaml", root.join("self.yaml")).expect("file loop");
    symlink("missing.yaml", root.join("dangling.yaml")).expect("dangling link");
    let stderr = refused(&["catalog".into(), "validate".into(), s(&root)]);
    // Links are not followed (issue 2): each is named as an error, so the loop cannot hang
    // the walk and nothing is skipped silently.
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert!(stderr.contains("loop"), "{stderr}");
    assert!(stderr.contains("self.yaml"), "{stderr}");
    assert!(stderr.contains("dangling.yaml"), "{stderr}");
    assert!(stderr.contains("3 error(s)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_catalog_in_a_directory_is_named_not_skipped() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let target = fs::canonicalize("fixtures/catalogs/reasons.yaml").expect("fixture");
    symlink(&target, dir.path().join("linked.yaml")).expect("link");
    let stderr = refused(&["catalog".into(), "validate".into(), s(dir.path())]);
    assert!(
        stderr.contains("linked.yaml") && stderr.contains("is a symbolic link"),
        "{stderr}"
    );
    // Named directly, the link is followed.
    let out = run(&["catalog", "validate", &s(&dir.path().join("linked.yaml"))]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let locked = dir.path().join("locked.yaml");
    fs::copy("fixtures/managed.yaml", &locked).expect("copy");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root reads any file whatever its mode; /proc/self/mem then stands in for an unreadable
    // file: it opens, but reading from offset 0 fails with an I/O error.
    let path: PathBuf = if fs::read(&locked).is_err() {
        locked
    } else if cfg!(target_os = "linux") {
        PathBuf::from("/proc/self/mem")
    } else {
        return;
    };
    for args in [
        vec!["check".to_owned(), s(&path)],
        vec![
            "check".into(),
            "fixtures/managed.yaml".into(),
            "-c".into(),
            s(&path),
        ],
    ] {
        let stderr = refused(&args);
        assert!(stderr.contains("cannot read file"), "{stderr}");
    }
}

#[test]
fn catastrophic_regexes_that_are_valid_simply_work() {
    let dir = tempdir();
    let catalog = dir.path().join("nested.yaml");
    let long_id = format!("{}-1", "B".repeat(5_000));
    fs::write(
        &catalog,
        format!(
            "catalog:\n  id: nested\n  title: Nested quantifiers\n  id_pattern: '^(B+)+-\\d+$'\n\
             controls:\n  - id: {long_id}\n    title: One\n    citation: n 1\n    statement: S.\n    severity: low\n"
        ),
    )
    .expect("write catalog");
    let arrangement = dir.path().join("arrangement.yaml");
    fs::write(
        &arrangement,
        "gapcheck: 1\norganization: {name: Regex Co}\nmodel: managed\n\
         frameworks: [nested, service-model]\nproviders:\n  msp: {kind: msp}\n\
         exceptions:\n  - pattern: '^(a|a?)+$|^(x+x+)+y$'\n    reason: r\n    owner: o\n    expires: 2026-12-31\n",
    )
    .expect("write arrangement");
    let out = run(&[
        "check",
        &s(&arrangement),
        "-c",
        &s(&catalog),
        "--select",
        "^(.*a){20}|(x+x+)+y|.",
        "--today",
        TODAY,
        "-f",
        "json",
    ]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["control"] == long_id.as_str()),
        "the long id was evaluated"
    );
}

#[test]
fn a_long_unknown_word_gets_no_suggestion_and_costs_little() {
    // "Did you mean" compares with every known value in a table of the product of the
    // lengths: for a 4 MB word that would be gigabytes.
    let dir = tempdir();
    let path = dir.path().join("long.yaml");
    let word = "x".repeat(4 << 20);
    fs::write(
        &path,
        format!(
            "gapcheck: 1\norganization: {{name: X}}\nmodel: managed\nframeworks: [service-model]\n\
             providers:\n  msp: {{kind: msp, coverage: {word}}}\n"
        ),
    )
    .expect("write");
    let stderr = refused(&["check".into(), s(&path)]);
    assert!(
        stderr.contains("6:30: error: unknown coverage"),
        "{}",
        &stderr[..200]
    );
    assert!(
        !stderr.contains("did you mean"),
        "a suggestion for a 4 MB word"
    );
}

#[test]
fn node_and_alias_limits_hold_for_generated_inputs() {
    let dir = tempdir();
    // One node past the limit, written as a flat list of tools.
    let many = dir.path().join("many.yaml");
    let tools = vec!["t"; 250_001].join(",");
    let text = fs::read_to_string("fixtures/managed.yaml").expect("fixture");
    fs::write(
        &many,
        text.replacen("tooling: [", &format!("tooling: [{tools},"), 1),
    )
    .expect("write");
    let stderr = refused(&["check".into(), s(&many)]);
    assert!(stderr.contains("limit exceeded: more than"), "{stderr}");
    assert!(stderr.contains("250000 nodes"), "{stderr}");
}
