//! CI workflow features: baselines, portfolios, expiring exceptions, the example CI files.

mod common;

use common::{TODAY, check_json, finding, run};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn baseline_fails_only_on_regressions_and_lists_improvements() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let out = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "-o",
        base.to_str().unwrap(),
    ]);
    assert_eq!(
        out.code, 1,
        "the co-managed fixture has gaps: {}",
        out.stdout
    );

    // Same arrangement: its known gaps are not regressions, so the run passes.
    let same = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--baseline",
        base.to_str().unwrap(),
    ]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert!(same.stdout.contains("0 regressions"), "{}", same.stdout);

    // Drop log review entirely and fix the review cadence: regressions and an improvement.
    let text = std::fs::read_to_string("fixtures/co-managed.yaml").unwrap();
    let worse: String = text
        .lines()
        .filter(|l| !l.contains("log-review") && !l.contains("log-management"))
        .map(|l| l.replace("cadence: semiannual", "cadence: quarterly") + "\n")
        .collect();
    let changed = write(dir.path(), "changed.yaml", &worse);
    let (code, r) = check_json(&[&changed, "--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1);
    let b = &r["baseline"];
    let regressed: Vec<&str> = b["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["control"].as_str().unwrap())
        .collect();
    assert!(regressed.contains(&"AU-6"), "{regressed:?}");
    assert!(
        b["regressions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["failing"] == true)
    );
    let improved: Vec<&str> = b["improvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["control"].as_str().unwrap())
        .collect();
    assert_eq!(improved, ["SM-01"]);
    assert_eq!(r["summary"]["passed"], false);

    // Every human and machine format lists the comparison.
    for (format, needle) in [
        ("markdown", "## Changes since the baseline"),
        ("html", "<h2>Changes since the baseline</h2>"),
        ("sarif", "\"baselineState\": \"updated\""),
        ("junit", "[regression since baseline]"),
        ("text", "Since baseline"),
    ] {
        let args = [
            "check",
            &changed,
            "--today",
            TODAY,
            "--baseline",
            base.to_str().unwrap(),
            "-f",
            format,
        ];
        let out = run(&args);
        assert!(out.stdout.contains(needle), "{format}: {needle}");
    }

    // Without --baseline nothing changes.
    let (_, plain) = check_json(&["fixtures/co-managed.yaml"]);
    assert!(plain.get("baseline").is_none());

    // A file that is not a report is invalid input.
    let bad = write(
        dir.path(),
        "bad.json",
        "{\"schema\": \"something/else\", \"findings\": []}",
    );
    let out = run(&["check", "fixtures/co-managed.yaml", "--baseline", &bad]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("gapcheck/report/v1"), "{}", out.stderr);
}

#[test]
fn portfolio_checks_every_arrangement_and_writes_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let clients = dir.path().join("clients");
    std::fs::create_dir_all(clients.join("nested")).unwrap();
    for f in ["managed", "clinic"] {
        std::fs::copy(
            format!("fixtures/{f}.yaml"),
            clients.join(format!("{f}.yaml")),
        )
        .unwrap();
    }
    std::fs::copy(
        "fixtures/break-fix-office.yaml",
        clients.join("nested/office.yaml"),
    )
    .unwrap();
    std::fs::copy("controls/service-model.yaml", clients.join("catalog.yaml")).unwrap();
    let out_dir = dir.path().join("reports");
    let out = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-v",
        "-o",
        &format!("{}/", out_dir.display()),
    ]);
    assert_eq!(out.code, 1, "the break-fix office fails: {}", out.stderr);
    assert!(
        out.stderr.contains("skipping") && out.stderr.contains("catalog.yaml"),
        "{}",
        out.stderr
    );
    // Report names are STEM-HASH (README, "Portfolios"): compare the stems.
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".gapcheck-portfolio")
        .map(|n| {
            let (stem, ext) = n.rsplit_once('.').unwrap();
            match stem.rsplit_once('-') {
                Some((s, h)) if h.len() == 10 => format!("{s}.{ext}"),
                _ => n.clone(),
            }
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "clinic.html",
            "clinic.json",
            "clinic.md",
            "index.html",
            "index.json",
            "index.md",
            "managed.html",
            "managed.json",
            "managed.md",
            "office.html",
            "office.json",
            "office.md"
        ]
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index["schema"], "gapcheck/portfolio/v1");
    assert_eq!(index["reports"].as_array().unwrap().len(), 3);
    assert_eq!(index["summary"]["arrangements"], 3);
    assert_eq!(index["summary"]["failed"], 1);
    let md = std::fs::read_to_string(out_dir.join("index.md")).unwrap();
    assert!(
        md.contains("| Birch Lane Bookkeeping | break-fix | misfit (best: managed) |"),
        "{md}"
    );
    // Each per-arrangement JSON is the same report a single check writes.
    let single = run(&[
        "check",
        "fixtures/managed.yaml",
        "--today",
        TODAY,
        "-f",
        "json",
    ]);
    let row = index["index"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("managed.yaml"))
        .unwrap();
    let name = row["reports"][0].as_str().unwrap();
    assert!(
        name.starts_with("managed-") && name.ends_with(".json"),
        "{name}"
    );
    let from_dir: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join(name)).unwrap()).unwrap();
    let alone: serde_json::Value = serde_json::from_str(&single.stdout).unwrap();
    assert_eq!(from_dir["findings"], alone["findings"]);

    // JSON to stdout, deterministic across runs (parallel evaluation keeps the order).
    let json_args = [
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-f",
        "json",
    ];
    assert_eq!(run(&json_args).stdout, run(&json_args).stdout);
    // All passing: exit 0.
    std::fs::remove_dir_all(clients.join("nested")).unwrap();
    assert_eq!(
        run(&["check", clients.to_str().unwrap(), "--today", TODAY]).code,
        0
    );
    // With --fail-fast, an invalid arrangement in the portfolio is exit 2 and nothing is
    // written.
    std::fs::copy("fixtures/bad/unknown-key.yaml", clients.join("zz-bad.yaml")).unwrap();
    let fresh = dir.path().join("fresh");
    let fresh_dir = format!("{}/", fresh.display());
    let out = run(&[
        "check",
        clients.to_str().unwrap(),
        "--fail-fast",
        "-o",
        &fresh_dir,
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("zz-bad.yaml:5:1:"), "{}", out.stderr);
    assert!(!fresh.exists());
    // By default the valid ones are still checked and written, the invalid one is named on
    // stderr and in the index, and the run exits 2 (issue 12).
    let out = run(&[
        "check",
        clients.to_str().unwrap(),
        "-o",
        &fresh_dir,
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("zz-bad.yaml:5:1:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("1 arrangement(s) invalid"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("INVALID"), "{}", out.stdout);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fresh.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["summary"]["arrangements"], 2);
    assert_eq!(index["summary"]["invalid"], 1);
    assert!(
        index["invalid"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("zz-bad.yaml")
    );
    assert!(
        index["invalid"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("zz-bad.yaml:5:1:"),
        "{index}"
    );
    let md = std::fs::read_to_string(fresh.join("index.md")).unwrap();
    assert!(md.contains("Invalid arrangements"), "{md}");
    assert_eq!(index["reports"].as_array().unwrap().len(), 2);
}

#[test]
fn expiring_exceptions_are_called_out_within_the_window() {
    // The co-managed fixture's exception expires 2026-12-15: 19 days after TODAY.
    let (_, r) = check_json(&["fixtures/co-managed.yaml"]);
    let codes: Vec<&str> = r["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"exception-expiring"));
    let (_, r) = check_json(&["fixtures/co-managed.yaml", "--warn-expiring-days", "10"]);
    let codes: Vec<&str> = r["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"exception-expiring"), "{codes:?}");
    // Unmatched exceptions and attestations are warnings naming their line.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/managed.yaml")
        .unwrap()
        .replace("profile: under-5000-consumers", "profile: standard")
        + "  - pattern: '^cmmc:'\n    reason: not in scope\n    owner: CFO\n    expires: 2027-12-31\n";
    let p = write(dir.path(), "a.yaml", &text);
    let (_, r) = check_json(&[&p]);
    let unmatched: Vec<&serde_json::Value> = r["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["code"] == "exception-unmatched")
        .collect();
    assert_eq!(unmatched.len(), 1, "{r}");
    assert!(unmatched[0]["line"].as_u64().unwrap() > 60);
    assert_eq!(
        finding(&r, "glba-safeguards", "314.4(j)")["status"],
        "satisfied"
    );
}

/// The example CI files parse, and the gapcheck commands they run work on a real checkout.
#[test]
fn example_ci_files_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("fixtures/managed.yaml", dir.path().join("arrangement.yaml")).unwrap();
    std::fs::create_dir(dir.path().join("catalogs")).unwrap();
    std::fs::copy(
        "fixtures/catalogs/reasons.yaml",
        dir.path().join("catalogs/reasons.yaml"),
    )
    .unwrap();
    let mut commands = Vec::new();
    for (file, key) in [
        ("examples/github-actions.yml", "run"),
        ("examples/gitlab-ci.yml", "script"),
    ] {
        let yaml: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(file).unwrap())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut found = Vec::new();
        collect(&yaml, key, &mut found);
        // gapcheck is not on crates.io: an example that installs it by name cannot work.
        // Each builds it from a checkout of its source, the way README.md and .ci/run do.
        let installs: Vec<&String> = found
            .iter()
            .filter(|c| c.contains("cargo install"))
            .collect();
        assert_eq!(installs.len(), 1, "{file} installs gapcheck once");
        let words: Vec<&str> = installs[0].split_whitespace().collect();
        assert_eq!(
            words[..4],
            ["cargo", "install", "--locked", "--path"],
            "{file}: {}",
            installs[0]
        );
        assert_eq!(words.len(), 5, "{file}: only the path follows --path");
        assert!(
            found.iter().any(|c| c.contains(words[4]))
                || std::fs::read_to_string(file)
                    .unwrap()
                    .contains(&format!("path: {}", words[4])),
            "{file}: the source checkout lands in {}",
            words[4]
        );
        let checks: Vec<String> = found
            .into_iter()
            .filter(|c| c.trim_start().starts_with("gapcheck check"))
            .collect();
        assert!(!checks.is_empty(), "{file} runs gapcheck check");
        commands.extend(checks);
    }
    for cmd in commands {
        let words: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        let out = common::gapcheck()
            .current_dir(dir.path())
            .args(&words)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for w in words.windows(2).filter(|w| w[0] == "-o") {
            assert!(dir.path().join(w[1]).is_file(), "{cmd} writes {}", w[1]);
        }
    }
}

fn collect(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k == key, x) {
                    (true, serde_json::Value::String(s)) => out.push(s.clone()),
                    (true, serde_json::Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_owned)))
                    }
                    _ => collect(x, key, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
        _ => {}
    }
}

#[test]
fn portfolio_index_escapes_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let clients = dir.path().join("clients");
    std::fs::create_dir(&clients).unwrap();
    std::fs::copy("fixtures/hostile.yaml", clients.join("hostile.yaml")).unwrap();
    std::fs::copy("fixtures/managed.yaml", clients.join("managed.yaml")).unwrap();
    let html = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-f",
        "html",
    ]);
    assert!(html.code == 0 || html.code == 1, "{}", html.stderr);
    assert!(
        !html.stdout.to_lowercase().contains("<script"),
        "{}",
        html.stdout
    );
    assert!(!html.stdout.contains("<img"), "{}", html.stdout);
    let md = run(&[
        "check",
        clients.to_str().unwrap(),
        "--today",
        TODAY,
        "-f",
        "markdown",
    ]);
    // Every row of the clients table keeps its 10 cells: no `|` in a name splits a cell.
    let clients_table = &md.stdout[md.stdout.find("\n## Clients\n").unwrap()..];
    for line in clients_table
        .lines()
        .take_while(|l| !l.starts_with("## Evidence"))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Organization"))
    {
        let cells = line.split(" | ").count();
        assert_eq!(cells, 10, "{line}");
    }
}
