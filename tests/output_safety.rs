//! Reports are written so that CI never reads half of one: an existing report is replaced
//! only when the whole run succeeds, a failed run leaves no temporary file behind, an output
//! path that is also an input is refused, and input files are never written.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{TODAY, run};

/// Every file under `dir` with its bytes, to compare a directory before and after a run.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                out.insert(path.clone(), b"<dir>".to_vec());
                stack.push(path);
            } else {
                out.insert(path.clone(), fs::read(&path).expect("readable file"));
            }
        }
    }
    out
}

/// A work directory holding an arrangement, a user catalog and old reports.
struct Work {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

const OLD: &[u8] = b"old report, must survive a failed run\n";
const REPORTS: &[&str] = &[
    "r.json", "r.md", "r.html", "r.sarif", "r.xml", "r.csv", "r.txt",
];

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().to_path_buf();
        fs::copy("fixtures/reasons.yaml", root.join("arrangement.yaml")).expect("copy");
        fs::create_dir(root.join("catalogs")).expect("mkdir");
        fs::copy(
            "fixtures/catalogs/reasons.yaml",
            root.join("catalogs/reasons.yaml"),
        )
        .expect("copy");
        for r in REPORTS {
            fs::write(root.join(r), OLD).expect("old report");
        }
        Work { _dir: dir, root }
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }

    /// `check` of the work arrangement with its catalog, plus `extra` arguments.
    fn check(&self, extra: &[&str]) -> common::Output {
        let arrangement = self.path("arrangement.yaml");
        let catalogs = self.path("catalogs");
        let mut args = vec![
            "check",
            arrangement.as_str(),
            "-c",
            catalogs.as_str(),
            "--today",
            TODAY,
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    fn all_reports(&self) -> Vec<String> {
        REPORTS
            .iter()
            .flat_map(|r| ["-o".to_owned(), self.path(r)])
            .collect()
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A failed run must leave the directory exactly as it was: old reports, inputs, and no
/// temporary files.
fn assert_failed_cleanly(work: &Work, extra: &[&str], expect_in_stderr: &str) {
    let before = snapshot(&work.root);
    let out = work.check(extra);
    assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
    assert!(
        out.stderr.contains(expect_in_stderr),
        "{extra:?}: expected {expect_in_stderr:?} in {}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let after = snapshot(&work.root);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or vanished"
    );
    assert!(before == after, "{extra:?}: a file changed");
}

#[test]
fn a_successful_run_replaces_every_report() {
    let work = Work::new();
    let inputs = [
        work.path("arrangement.yaml"),
        work.path("catalogs/reasons.yaml"),
    ];
    let before: Vec<Vec<u8>> = inputs.iter().map(|p| fs::read(p).unwrap()).collect();
    let out = work.check(&strs(&work.all_reports()));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    for r in REPORTS {
        let text = fs::read(work.root.join(r)).expect("report");
        assert_ne!(text, OLD, "{r} was not replaced");
        assert!(!text.is_empty(), "{r} is empty");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(work.root.join("r.json")).unwrap()).expect("JSON");
    assert_eq!(json["schema"], "gapcheck/report/v1");
    let leftovers: Vec<_> = fs::read_dir(&work.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let after: Vec<Vec<u8>> = inputs.iter().map(|p| fs::read(p).unwrap()).collect();
    assert_eq!(before, after, "an input file was written");
}

#[test]
fn a_template_error_replaces_no_report() {
    let work = Work::new();
    let templates = work.root.join("templates");
    fs::create_dir(&templates).unwrap();
    // A syntax error: found when the templates are compiled.
    fs::write(templates.join("report.html.hbs"), "{{#if}}never closed").unwrap();
    let t = templates.display().to_string();
    let mut args = work.all_reports();
    args.extend(["--template-dir".to_owned(), t]);
    assert_failed_cleanly(&work, &strs(&args), "invalid template");

    // A field the report context lacks: found only while rendering, in strict mode.
    fs::write(templates.join("report.html.hbs"), "<p>{{html}}</p>").unwrap();
    fs::write(templates.join("report.md.hbs"), "{{no_such_field}}").unwrap();
    assert_failed_cleanly(&work, &strs(&args), "no_such_field");
}

#[test]
fn an_unwritable_target_replaces_no_report_and_leaves_no_temporary_file() {
    let work = Work::new();
    // A directory where a report should go: the one failure every user, root too, can hit.
    fs::create_dir(work.root.join("taken.json")).unwrap();
    let mut args = work.all_reports();
    args.extend(["-o".to_owned(), work.path("taken.json")]);
    assert_failed_cleanly(&work, &strs(&args), "taken.json");

    // A file where a folder should be (a missing folder is created, as `mkdir -p` would).
    fs::write(work.root.join("plain"), b"").unwrap();
    let mut args = work.all_reports();
    args.extend(["-o".to_owned(), work.path("plain/r.json")]);
    assert_failed_cleanly(&work, &strs(&args), "plain");
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_replaces_no_report() {
    use std::os::unix::fs::PermissionsExt;
    let work = Work::new();
    let locked = work.root.join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("r.json"), OLD).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // Root may write anywhere: then there is nothing to test here.
    let writable = fs::write(locked.join("probe"), b"").is_ok();
    if !writable {
        let mut args = work.all_reports();
        args.extend(["-o".to_owned(), locked.join("r.json").display().to_string()]);
        assert_failed_cleanly(&work, &strs(&args), "cannot write report");
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let work = Work::new();
    // Inputs named like reports, so the extension alone does not stop the mistake.
    fs::copy("fixtures/reasons.yaml", work.root.join("arrangement.json")).unwrap();
    fs::copy(
        "fixtures/catalogs/reasons.yaml",
        work.root.join("catalogs/reasons.md"),
    )
    .unwrap();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec![
                "check".into(),
                work.path("arrangement.json"),
                "-c".into(),
                work.path("catalogs"),
            ],
            work.path("arrangement.json"),
        ),
        (
            vec![
                "check".into(),
                work.path("arrangement.json"),
                "-c".into(),
                work.path("catalogs"),
            ],
            // The same file by another spelling.
            format!("{}/./catalogs/../arrangement.json", work.root.display()),
        ),
        (
            vec![
                "check".into(),
                work.path("arrangement.json"),
                "-c".into(),
                work.path("catalogs/reasons.md"),
            ],
            work.path("catalogs/reasons.md"),
        ),
    ];
    for (mut args, output) in cases {
        let before = snapshot(&work.root);
        args.extend(["--today".into(), TODAY.into(), "-o".into(), output.clone()]);
        let out = run(&strs(&args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("refusing to write a report over an input file"),
            "{}",
            out.stderr
        );
        assert!(before == snapshot(&work.root), "{output} was written");
    }
}

#[cfg(unix)]
#[test]
fn a_hard_link_to_an_input_is_refused() {
    let work = Work::new();
    fs::hard_link(
        work.root.join("arrangement.yaml"),
        work.root.join("alias.json"),
    )
    .unwrap();
    let before = snapshot(&work.root);
    let out = work.check(&["-o", &work.path("alias.json")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("refusing"), "{}", out.stderr);
    assert!(before == snapshot(&work.root), "the input was written");
}

#[test]
fn invalid_input_writes_no_report() {
    let work = Work::new();
    fs::write(
        work.root.join("arrangement.yaml"),
        fs::read("fixtures/bad/unknown-key.yaml").unwrap(),
    )
    .unwrap();
    assert_failed_cleanly(&work, &strs(&work.all_reports()), "unknown key");
}
