//! Command-line conventions users expect from a CLI of this family (ripgrep, cargo-deny):
//! completions that offer option values, a man page per command, exit codes in `--help`,
//! `--color` with NO_COLOR and CLICOLOR_FORCE, `-` for stdin, and `-o` that makes folders.

mod common;

use common::{gapcheck, run};

/// What bash completes after `words` (the last one being the partial word), using the
/// script `gapcheck completions bash` prints, exactly as an interactive shell would call it.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = run(&["completions", "bash"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gapcheck.bash");
    std::fs::write(&path, &script.stdout).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _gapcheck gapcheck '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    got.sort();
    got
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

#[test]
fn bash_completes_the_values_of_every_enumerated_option() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["gapcheck", "check", "-f", ""],
            &["text", "json", "markdown", "html", "sarif", "junit", "csv"],
        ),
        (
            &["gapcheck", "check", "--fail-on", ""],
            &["gap", "partial", "needs-evidence", "never"],
        ),
        (
            &["gapcheck", "check", "--min-severity", ""],
            &["low", "moderate", "high"],
        ),
        (
            &["gapcheck", "check", "--color", ""],
            &["auto", "always", "never"],
        ),
        (
            &["gapcheck", "init", "--model", ""],
            &["break-fix", "managed", "co-managed"],
        ),
        (&["gapcheck", "recommend", "-f", ""], &["text", "json"]),
        (
            &["gapcheck", "check", "--fail-on", "ne"],
            &["needs-evidence", "never"],
        ),
    ];
    for (words, want) in cases {
        assert_eq!(bash_complete(words), sorted(want), "completing {words:?}");
    }
    // A positional value: offered beside the options, and never file names.
    let got = bash_complete(&["gapcheck", "schema", ""]);
    assert!(got.contains(&"arrangement".to_owned()) && got.contains(&"catalog".to_owned()));
    assert!(!got.iter().any(|w| w == "Cargo.toml"), "{got:?}");
}

#[test]
fn a_man_page_for_every_command_with_exit_status_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mandir = dir.path().join("man/man1");
    let out = run(&["man", "--dir", mandir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&mandir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for want in [
        "gapcheck.1",
        "gapcheck-check.1",
        "gapcheck-recommend.1",
        "gapcheck-catalog.1",
        "gapcheck-catalog-import.1",
        "gapcheck-catalog-show.1",
        "gapcheck-init.1",
        "gapcheck-schema.1",
        "gapcheck-completions.1",
        "gapcheck-man.1",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    for name in &names {
        let page = std::fs::read_to_string(mandir.join(name)).unwrap();
        let title = name.trim_end_matches(".1");
        assert!(page.contains(&format!(".TH {title} 1")), "{name}: title");
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}: EXIT STATUS");
        assert!(page.contains(".SH ENVIRONMENT"), "{name}: ENVIRONMENT");
        assert!(page.contains("NO_COLOR") && page.contains("SOURCE_DATE_EPOCH"));
        // Every page a page refers to exists: `gapcheck-check(1)` is a file, not a promise.
        for (i, _) in page.match_indices("(1)") {
            let start = page[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\\'))
                .map_or(0, |s| s + 1);
            let referred = page[start..i].replace("\\-", "-");
            if referred.starts_with("gapcheck") {
                assert!(
                    names.contains(&format!("{referred}.1")),
                    "{name} refers to {referred}(1), which was not written"
                );
            }
        }
    }
    // Without --dir: the top page on stdout, as before.
    let top = run(&["man"]);
    assert_eq!(top.code, 0);
    assert_eq!(
        top.stdout,
        std::fs::read_to_string(mandir.join("gapcheck.1")).unwrap()
    );
}

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["check", "--help"]] {
        let out = run(args);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("Exit codes:"), "{args:?}");
        for code in [
            "0  no finding fails",
            "1  findings fail",
            "2  invalid input",
        ] {
            assert!(out.stdout.contains(code), "{args:?}: {code}");
        }
    }
}

fn first_line_colored(envs: &[(&str, &str)], args: &[&str]) -> bool {
    let mut cmd = gapcheck();
    cmd.env_remove("NO_COLOR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut all = vec!["check", "fixtures/managed.yaml"];
    all.extend_from_slice(args);
    let out = cmd.args(&all).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap().contains('\u{1b}')
}

#[test]
fn color_follows_the_flag_then_no_color_then_clicolor_force() {
    // stdout is a pipe here: no colour unless asked for.
    assert!(!first_line_colored(&[], &[]));
    assert!(first_line_colored(&[("CLICOLOR_FORCE", "1")], &[]));
    assert!(!first_line_colored(&[("CLICOLOR_FORCE", "0")], &[]));
    assert!(!first_line_colored(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        &[]
    ));
    assert!(first_line_colored(
        &[("NO_COLOR", "1")],
        &["--color", "always"]
    ));
    assert!(!first_line_colored(
        &[("CLICOLOR_FORCE", "1")],
        &["--color", "never"]
    ));
    let bad = run(&["check", "fixtures/managed.yaml", "--color", "sometimes"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("auto, always, never"), "{}", bad.stderr);
}

#[test]
fn dash_reads_the_arrangement_from_stdin() {
    let text = std::fs::read_to_string("fixtures/managed.yaml").unwrap();
    let from_file = run(&[
        "check",
        "fixtures/managed.yaml",
        "-f",
        "json",
        "--today",
        common::TODAY,
    ]);
    let out = gapcheck()
        .args(["check", "-", "-f", "json", "--today", common::TODAY])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file: serde_json::Value = serde_json::from_str(&from_file.stdout).unwrap();
    assert_eq!(piped["arrangement"]["path"], "<stdin>");
    assert_eq!(piped["findings"], file["findings"]);
    assert_eq!(
        piped["arrangement"]["sha256"],
        file["arrangement"]["sha256"]
    );

    let rec = gapcheck()
        .args(["recommend", "-", "-f", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(rec.status.code(), Some(0));

    // Errors in piped text are located in `<stdin>`.
    let bad = gapcheck()
        .args(["check", "-"])
        .write_stdin("gapcheck: 1\nmodle: managed\n")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("<stdin>:2:1"));

    let mixed = run(&["check", "-", "fixtures/managed.yaml"]);
    assert_eq!(mixed.code, 2);
    assert!(mixed.stderr.contains("stdin"), "{}", mixed.stderr);
}

#[test]
fn outputs_create_folders_and_a_folder_gets_the_default_set() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/report.sarif");
    let folder = dir.path().join("reports");
    let folder_arg = format!("{}/", folder.display());
    let out = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "-o",
        nested.to_str().unwrap(),
        "-o",
        &folder_arg,
    ]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert!(nested.is_file());
    let mut written: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["co-managed.html", "co-managed.json", "co-managed.md"]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("co-managed.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema"], "gapcheck/report/v1");
}

#[test]
fn an_unknown_capability_suggests_the_ids_that_contain_it() {
    let init = run(&[
        "init",
        "--model",
        "managed",
        "--framework",
        "hipaa-security",
    ]);
    assert_eq!(init.code, 0);
    let text = init.stdout.replace("  system-monitoring:", "  monitoring:");
    assert_ne!(text, init.stdout);
    let out = gapcheck()
        .args(["check", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown capability `monitoring`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`system-monitoring`") && stderr.contains("`continuous-monitoring`"),
        "{stderr}"
    );
}
