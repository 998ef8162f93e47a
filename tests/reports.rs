//! The report formats end to end: Markdown and HTML snapshots of every fixture, hostile
//! strings in every format, SARIF locations and fingerprints, JUnit and CSV structure,
//! `--template-dir` overrides and strict mode, several `-o` in one run, reproducibility.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const EPOCH: &str = "1767225600";
const TODAY: &str = "2026-11-26";
/// Extra catalogs some fixtures select (fixtures/reasons.yaml).
const FIXTURE_CATALOGS: &str = "fixtures/catalogs";

fn gapcheck() -> Command {
    let mut cmd = Command::cargo_bin("gapcheck").expect("binary builds");
    cmd.env("SOURCE_DATE_EPOCH", EPOCH).env_remove("NO_COLOR");
    cmd
}

/// Runs `check` on a fixture with the fixed date, plus `extra` arguments.
fn check(fixture: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = gapcheck();
    cmd.arg("check").arg(fixture).args(["--today", TODAY]);
    if Path::new(FIXTURE_CATALOGS).is_dir() {
        cmd.args(["-c", FIXTURE_CATALOGS]);
    }
    cmd.args(extra).output().expect("gapcheck runs")
}

/// Stdout of `check -f FORMAT`, asserting the run itself succeeded (exit 0 or 1).
fn stdout(fixture: &Path, format: &str) -> String {
    let out = check(fixture, &["-f", format]);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{}: exit {code:?}\n{}",
        fixture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("reports are UTF-8")
}

/// Every example arrangement: the top-level `fixtures/*.yaml` (bad inputs live in
/// `fixtures/bad/`).
fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .expect("fixtures/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "expected the bundled fixtures, found {v:?}");
    v
}

fn hostile() -> &'static Path {
    Path::new("fixtures/hostile.yaml")
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The HTML with its (fixture-independent) style sheet cut out, so each fixture's snapshot
/// shows its content; the style sheet is snapshotted once.
fn split_style(html: &str) -> (String, String) {
    let start = html.find("<style>").expect("inline style") + "<style>".len();
    let end = html.find("</style>").expect("style closes");
    let body = format!(
        "{}/* style: see snapshot html-style */{}",
        &html[..start],
        &html[end..]
    );
    (body, html[start..end].to_owned())
}

#[test]
fn markdown_and_html_snapshots_of_every_fixture() {
    let mut style = None;
    for f in fixtures() {
        let name = stem(&f);
        insta::assert_snapshot!(format!("md-{name}"), stdout(&f, "markdown"));
        let (body, css) = split_style(&stdout(&f, "html"));
        insta::assert_snapshot!(format!("html-{name}"), body);
        if let Some(prev) = &style {
            assert_eq!(prev, &css, "the style sheet does not depend on the fixture");
        }
        style = Some(css);
    }
    insta::assert_snapshot!("html-style", style.expect("at least one fixture"));
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "r.md", "r.html", "r.sarif", "r.xml", "r.csv", "r.json", "r.txt",
    ];
    let mut runs = Vec::new();
    for round in 0..2 {
        let sub = dir.path().join(format!("run{round}"));
        std::fs::create_dir(&sub).unwrap();
        let mut args: Vec<String> = Vec::new();
        for n in names {
            args.push("-o".into());
            args.push(sub.join(n).display().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = check(Path::new("fixtures/co-managed.yaml"), &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files: Vec<Vec<u8>> = names
            .iter()
            .map(|n| std::fs::read(sub.join(n)).expect("every -o is written"))
            .collect();
        runs.push(files);
    }
    for (i, n) in names.iter().enumerate() {
        assert!(!runs[0][i].is_empty(), "{n} is empty");
        assert_eq!(runs[0][i], runs[1][i], "{n} differs between runs");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("run0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Whether `html` contains an element named `tag` (case-insensitive), as opposed to the
/// escaped text `&lt;tag`.
fn has_element(html: &str, tag: &str) -> bool {
    html.to_ascii_lowercase().contains(&format!("<{tag}"))
}

#[test]
fn hostile_strings_stay_text_in_html() {
    let html = stdout(hostile(), "html");
    for tag in ["script", "img", "iframe", "marquee", "b>", "h1>injected"] {
        assert!(!has_element(&html, tag), "<{tag} leaked into the HTML");
    }
    // The only SVG elements are the report's own charts.
    let lower = html.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<svg").count(),
        lower.matches("<svg class=\"chart").count(),
        "an <svg> element that is not a chart"
    );
    // The running footer carries the organization name into CSS: hex-escaped, so it
    // cannot close the string, the rule or the style element.
    let head = &html[..html.find("</head>").unwrap()];
    assert_eq!(
        head.matches("</style>").count(),
        2,
        "a style element was closed early"
    );
    assert!(head.contains("content: \"\\3c script\\3e document.body.append"));
    // The strings are shown, escaped.
    assert!(
        html.contains("&lt;script&gt;document.body.append("),
        "org name missing"
    );
    assert!(html.contains("Evil MSP&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"));
    assert!(
        html.contains("{{organization.name}}"),
        "template syntax in data is not evaluated"
    );
    // No attribute takes a value from input: every link is an in-page anchor and nothing
    // is loaded from anywhere.
    for (i, _) in html.match_indices("href=\"") {
        let value = &html[i + 6..];
        assert!(
            value.starts_with('#'),
            "external link: {}",
            &value[..40.min(value.len())]
        );
    }
    assert!(!html.contains(" src="), "no element loads a resource");
    assert!(
        !html.contains("onerror="),
        "event handler attribute in the HTML"
    );
    assert_eq!(
        html.matches("<table").count(),
        html.matches("</table>").count()
    );
    assert_eq!(html.matches("<tr").count(), html.matches("</tr>").count());
}

#[test]
fn hostile_strings_stay_text_in_markdown() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let md = stdout(hostile(), "markdown");
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_MATH);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let mut header_cells = 0;
    let mut cells = 0;
    let mut in_head = false;
    let mut text = String::new();
    for event in Parser::new_ext(&md, opts) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML in the Markdown: {h}"),
            Event::InlineMath(m) | Event::DisplayMath(m) => panic!("math in the Markdown: {m}"),
            Event::Code(c) => panic!("code span from input: {c}"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                assert!(dest_url.starts_with('#'), "link from input: {dest_url}")
            }
            Event::Start(Tag::Image { dest_url, .. }) => panic!("image: {dest_url}"),
            Event::Start(Tag::Strikethrough) => panic!("strikethrough from input"),
            Event::Start(Tag::Heading { .. }) => text.push_str("\n# "),
            Event::Start(Tag::TableHead) => {
                in_head = true;
                header_cells = 0;
            }
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => cells = 0,
            Event::End(TagEnd::TableRow) => {
                assert_eq!(
                    cells, header_cells,
                    "a table row has a different cell count"
                )
            }
            Event::Start(Tag::TableCell) if in_head => header_cells += 1,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::Text(t) => text.push_str(&t),
            _ => {}
        }
    }
    // The hostile organization name comes through as literal text, in the title heading.
    assert!(text.contains(
        "<script>document.body.append('XSS'+'RAN')</script> Acme | *Bold* _it_ `code` [click](javascript:alert(1)) # & \"quoted\" {{title}}"
    ));
    assert!(!text.contains("\n# Injected"), "a heading from input");
    // Multi-line notes stay on their table row.
    assert!(text.contains("line one line two | pipe `tick` <b>bold</b> [x](y)"));
}

fn json_report(fixture: &Path) -> Value {
    serde_json::from_str(&stdout(fixture, "json")).unwrap()
}

/// The 1-based line of the first line of `path` that starts (after indentation) with `key`.
fn line_of(path: &Path, key: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{key} not in {}", path.display()))
}

#[test]
fn sarif_has_a_rule_per_control_and_located_results() {
    for f in [
        Path::new("fixtures/co-managed.yaml"),
        Path::new("fixtures/break-fix-office.yaml"),
        hostile(),
    ] {
        let report = json_report(f);
        let sarif: Value = serde_json::from_str(&stdout(f, "sarif")).unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        let findings = report["findings"].as_array().unwrap();
        let evaluated: Vec<&Value> = findings
            .iter()
            .filter(|x| x["status"] != "not-applicable")
            .collect();
        assert_eq!(rules.len(), evaluated.len(), "{}", f.display());
        let reported: Vec<&Value> = evaluated
            .iter()
            .copied()
            .filter(|x| x["failing"] == true || x["status"] == "partial")
            .collect();
        assert_eq!(results.len(), reported.len(), "{}", f.display());
        assert!(!results.is_empty());
        let mut fingerprints = std::collections::BTreeSet::new();
        for (r, x) in results.iter().zip(&reported) {
            let id = format!(
                "{}:{}",
                x["catalog"].as_str().unwrap(),
                x["control"].as_str().unwrap()
            );
            assert_eq!(r["ruleId"], id.as_str());
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], id.as_str());
            assert_eq!(
                rules[idx]["help"]["text"].as_str().unwrap().lines().next(),
                x["citation"].as_str()
            );
            let want = match x["status"].as_str().unwrap() {
                "gap" => "error",
                "partial" => "warning",
                _ => "note",
            };
            assert_eq!(r["level"], want, "{id}");
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(
                loc["artifactLocation"]["uri"],
                f.display().to_string().as_str()
            );
            assert_eq!(loc["region"]["startLine"], x["line"], "{id}");
            assert!(
                fingerprints.insert(r["partialFingerprints"]["gapcheck/control/v1"].to_string())
            );
        }
    }
    // The co-managed SM-01 gap points at the responsibility that causes it.
    let f = Path::new("fixtures/co-managed.yaml");
    let sarif: Value = serde_json::from_str(&stdout(f, "sarif")).unwrap();
    let sm01 = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "service-model:SM-01")
        .expect("SM-01 is reported");
    assert_eq!(
        sm01["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64(),
        Some(line_of(f, "responsibility-review:"))
    );
}

#[test]
fn sarif_fingerprints_ignore_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("fixtures/co-managed.yaml").unwrap();
    let moved = dir.path().join("co-managed.yaml");
    let fingerprints = |path: &Path| -> Vec<(String, String, u64)> {
        let sarif: Value = serde_json::from_str(&stdout(path, "sarif")).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["partialFingerprints"]["gapcheck/control/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let local = dir.path().join("original.yaml");
    std::fs::write(&local, &original).unwrap();
    std::fs::write(&moved, format!("# a comment\n# and another\n{original}")).unwrap();
    // Same file name in the same place: rename the shifted copy over the original.
    let before = fingerprints(&local);
    std::fs::rename(&moved, &local).unwrap();
    let after = fingerprints(&local);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert_eq!(b.1, a.1, "{}: fingerprint changed when lines moved", b.0);
        assert_eq!(b.2 + 2, a.2, "{}: location follows the line", b.0);
    }
}

/// Counts `<name ` and `<name>` openings in XML.
fn count_elements(xml: &str, name: &str) -> usize {
    xml.matches(&format!("<{name} ")).count()
        + xml.matches(&format!("<{name}>")).count()
        + xml.matches(&format!("<{name}/>")).count()
}

#[test]
fn junit_has_a_suite_per_catalog_and_a_case_per_control() {
    for f in &fixtures() {
        let report = json_report(f);
        let xml = stdout(f, "junit");
        assert!(xml.starts_with("<?xml"), "{}", f.display());
        let findings = report["findings"].as_array().unwrap();
        let count = |pred: &dyn Fn(&Value) -> bool| findings.iter().filter(|x| pred(x)).count();
        assert_eq!(
            count_elements(&xml, "testsuite"),
            report["frameworks"].as_array().unwrap().len()
        );
        assert_eq!(
            count_elements(&xml, "testcase"),
            findings.len(),
            "{}",
            f.display()
        );
        assert_eq!(
            count_elements(&xml, "failure"),
            count(&|x| x["failing"] == true),
            "{}",
            f.display()
        );
        assert_eq!(
            count_elements(&xml, "skipped"),
            count(&|x| x["failing"] == false
                && (x["status"] == "not-applicable" || x["status"] == "waived")),
            "{}",
            f.display()
        );
    }
    let xml = stdout(hostile(), "junit");
    assert!(
        !xml.contains("<script"),
        "markup from input is escaped in XML"
    );
}

/// A small RFC 4180 reader, enough to check the writer: records of fields.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "CSV ends with a line break"
    );
    records
}

#[test]
fn csv_is_the_customer_responsibility_matrix() {
    for f in [Path::new("fixtures/co-managed.yaml"), hostile()] {
        let report = json_report(f);
        let rows = parse_csv(&stdout(f, "csv"));
        let header = &rows[0];
        assert_eq!(header[0], "catalog");
        assert!(
            rows.iter().all(|r| r.len() == header.len()),
            "ragged CSV for {}",
            f.display()
        );
        let evaluated: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["status"] != "not-applicable")
            .collect();
        assert_eq!(rows.len() - 1, evaluated.len());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        for (row, x) in rows[1..].iter().zip(&evaluated) {
            assert_eq!(row[col("control")], x["control"].as_str().unwrap());
            assert_eq!(row[col("status")], x["status"].as_str().unwrap());
            let who = &row[col("responsibility")];
            assert!(
                ["internal", "provider", "shared", "nobody"].contains(&who.as_str()),
                "{who}"
            );
            if x["owners"].as_array().unwrap().is_empty() && who != "internal" {
                assert_eq!(who, "nobody");
            }
        }
    }
    // The hostile provider name survives as one field, quotes and all.
    let rows = parse_csv(&stdout(hostile(), "csv"));
    assert!(rows.iter().any(|r| r.iter().any(|c| {
        c.contains("<img src=x onerror=\"document.body.append('XSS'+'RAN')\"> Internal | IT")
    })));
}

#[test]
fn reports_have_every_section_in_order() {
    let md = stdout(Path::new("fixtures/defense-subcontractor.yaml"), "markdown");
    let html = stdout(Path::new("fixtures/defense-subcontractor.yaml"), "html");
    // Page one is the answer; then the work, then the matrices, then the appendices.
    let sections = [
        "Summary",
        "Remediation priorities",
        "Findings",
        "Exceptions and attestations",
        "Responsibility matrix",
        "Customer responsibility matrix",
        "Model fit",
        "Appendix: report details and inputs",
        "Appendix: methodology",
    ];
    for doc in [&md, &html] {
        let mut at = 0;
        for s in sections {
            let heading = if doc == &md {
                format!("## {s}\n")
            } else {
                format!("\">{s}</h2>")
            };
            let i = doc[at..]
                .find(&heading)
                .unwrap_or_else(|| panic!("{s} missing or out of order"));
            at += i;
        }
    }
    // CMMC level 2 is in scope: the SPRS score is on page one, with its gauge in HTML.
    let summary = &md[..md.find("## Remediation priorities").unwrap()];
    assert!(summary.contains("**SPRS score (CMMC Level 2): 109 of 110**"));
    let page_one = &html[..html.find("id=\"remediation-priorities\"").unwrap()];
    assert!(page_one.contains("data-sprs=\"109\""));
    assert!(page_one.contains("data-mark=\"88\"") && page_one.contains("data-mark=\"110\""));
    // Where CMMC is not in scope there is no SPRS gauge, and no CMMC wording.
    let hipaa = stdout(Path::new("fixtures/clinic.yaml"), "html");
    assert!(!hipaa.contains("data-sprs"));
    assert!(!hipaa.contains("CMMC assessment"));
}

/// Every `data-status`/`data-count` pair of the bar chart for `catalog`.
fn chart_counts(html: &str, catalog: &str) -> Vec<(String, u64)> {
    let start = html
        .find(&format!("<svg class=\"chart\" data-catalog=\"{catalog}\""))
        .unwrap_or_else(|| panic!("no chart for {catalog}"));
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    let re = regex::Regex::new(r#"data-status="([a-z-]+)" data-count="(\d+)""#).unwrap();
    re.captures_iter(svg)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
        .collect()
}

#[test]
fn charts_show_the_json_summary() {
    for f in fixtures() {
        let report = json_report(&f);
        let html = stdout(&f, "html");
        for fw in report["frameworks"].as_array().unwrap() {
            let catalog = fw["catalog"].as_str().unwrap();
            let drawn = chart_counts(&html, catalog);
            for status in [
                "satisfied",
                "attested",
                "waived",
                "needs-evidence",
                "partial",
                "gap",
            ] {
                let want = fw[status.replace('-', "_")].as_u64().unwrap();
                let got = drawn
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                assert_eq!(got, want, "{}: {catalog} {status}", f.display());
            }
            let evaluated =
                fw["controls"].as_u64().unwrap() - fw["not_applicable"].as_u64().unwrap();
            assert_eq!(drawn.iter().map(|(_, n)| n).sum::<u64>(), evaluated);
        }
        match report["summary"]["sprs"]["score"].as_i64() {
            Some(score) => assert!(
                html.contains(&format!("data-sprs=\"{score}\"")),
                "{}",
                f.display()
            ),
            None => assert!(!html.contains("data-sprs"), "{}", f.display()),
        }
    }
}

/// Page one's "who does the ongoing work" lines against the JSON findings' `ongoing_work`,
/// and its "left uncovered" number against the rows of the break-fix section, for every
/// fixture: declared owners (a break-fix vendor, 0-FTE staff) must not count as doers.
#[test]
fn page_one_ongoing_work_follows_the_findings() {
    let doer_re = regex::Regex::new(r#"data-doer="([a-z-]+)" data-count="(\d+)""#).unwrap();
    for f in fixtures() {
        let report = json_report(&f);
        let html = stdout(&f, "html");
        let page_one = &html[..html.find("id=\"remediation-priorities\"").unwrap()];
        let mut want: std::collections::BTreeMap<String, u64> = Default::default();
        let mut uncovered = 0;
        for finding in report["findings"].as_array().unwrap() {
            if finding["status"] == "not-applicable" || finding["break_fix_incompatible"] != true {
                continue;
            }
            let doers = finding["ongoing_work"].as_array().unwrap();
            for d in doers {
                *want.entry(d.as_str().unwrap().to_owned()).or_default() += 1;
            }
            let met = ["satisfied", "attested"].contains(&finding["status"].as_str().unwrap());
            if !met && doers.iter().any(|d| d == "break-fix" || d == "nobody") {
                uncovered += 1;
            }
        }
        let got: std::collections::BTreeMap<String, u64> = doer_re
            .captures_iter(page_one)
            .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
            .collect();
        assert_eq!(got, want, "{}", f.display());
        let section = &html[html.find("id=\"break-fix\"").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        let rows = section
            .find("no one engaged does</caption>")
            .map_or(0, |i| {
                let t = &section[i..];
                t[..t.find("</tbody>").unwrap()]
                    .matches("<tr><th scope=\"row\">")
                    .count()
            });
        assert_eq!(rows, uncovered, "{}: break-fix section", f.display());
        let shown = page_one
            .split("data-uncovered=\"")
            .nth(1)
            .map_or(0, |t| t[..t.find('"').unwrap()].parse().unwrap());
        assert_eq!(shown, uncovered, "{}: page one", f.display());
    }
    // The break-fix office: its vendor and its 0-FTE owner are declared owners of ongoing
    // capabilities, yet neither does that work.
    let html = stdout(Path::new("fixtures/break-fix-office.yaml"), "html");
    let page_one = &html[..html.find("id=\"remediation-priorities\"").unwrap()];
    assert!(!page_one.contains("data-doer=\"internal\""));
    assert!(!page_one.contains("data-doer=\"msp\""));
    assert!(page_one.contains("data-doer=\"break-fix\""));
}

/// The methodology appendix defines each term once, and only the terms of the frameworks in
/// the report: a HIPAA-only report never speaks of SPRS, CMMC or POA&Ms, anywhere.
#[test]
fn methodology_defines_the_report_terms_framework_neutrally() {
    let defined = |html: &str| -> Vec<String> {
        let m = &html[html.find("id=\"methodology\"").unwrap()..];
        let m = &m[..m.find("</section>").unwrap()];
        regex::Regex::new(r"<dt[^>]*>([^<]+)</dt>")
            .unwrap()
            .captures_iter(m)
            .map(|c| c[1].to_owned())
            .collect()
    };
    let hipaa = Path::new("fixtures/clinic.yaml");
    let html = stdout(hipaa, "html");
    let md = stdout(hipaa, "markdown");
    for text in [&html, &md] {
        let lower = text.to_lowercase();
        for word in ["sprs", "cmmc", "poa&amp;m", "poa&m", "poa\\&m"] {
            assert!(!lower.contains(word), "HIPAA-only report mentions {word}");
        }
    }
    let terms = defined(&html);
    let mut unique = terms.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), terms.len(), "a term defined twice: {terms:?}");
    for t in [
        "required / addressable",
        "needs ongoing work",
        "failing",
        "remediation priority",
    ] {
        assert!(terms.iter().any(|d| d == t), "clinic methodology lacks {t}");
    }
    assert!(md.contains("- **required / addressable**: HIPAA"));
    let cmmc = defined(&stdout(
        Path::new("fixtures/defense-subcontractor.yaml"),
        "html",
    ));
    for t in ["SPRS score", "POA&amp;M", "needs ongoing work"] {
        assert!(cmmc.iter().any(|d| d == t), "CMMC methodology lacks {t}");
    }
    assert!(!cmmc.iter().any(|d| d == "required / addressable"));
}

#[test]
fn report_section_fills_page_one_and_sign_off() {
    let html = stdout(Path::new("fixtures/clinic.yaml"), "html");
    let page_one = &html[..html.find("id=\"remediation-priorities\"").unwrap()];
    for text in [
        "Prepared for</dt><dd>Maple Street Family Medicine, physician-owners",
        "Assessment period</dt><dd>2026-10-01 to 2026-11-26",
        "version 1.0",
        "Reviewed by: Dr. Alan Reyes, managing physician",
        "not a verified implementation",
        "HIPAA Security Rule</strong> (45 CFR Part 164, Subpart C): 67 controls evaluated",
    ] {
        assert!(page_one.contains(text), "page one lacks {text}");
    }
    let md = stdout(Path::new("fixtures/clinic.yaml"), "markdown");
    let summary = &md[..md.find("## Remediation priorities").unwrap()];
    assert!(summary.contains("| Prepared by | Dana Whitfield, vCISO, Harborline Advisory | | |"));
    assert!(summary.contains("```mermaid\npie showData title hipaa-security\n"));
    // Without a `report:` section there is no sign-off block to sign.
    let other = stdout(Path::new("fixtures/managed.yaml"), "html");
    assert!(!other.contains("class=\"signoff\""));
}

/// The JSON report carries the `report:` section, and says what page one of the HTML says.
#[test]
fn json_carries_the_report_section() {
    let f = Path::new("fixtures/clinic.yaml");
    let json = json_report(f);
    let r = &json["report"];
    assert_eq!(
        r["prepared_by"],
        "Dana Whitfield, vCISO, Harborline Advisory"
    );
    assert_eq!(r["period"]["from"], "2026-10-01");
    assert_eq!(r["period"]["to"], "2026-11-26");
    assert_eq!(r["version"], "1.0");
    let html = stdout(f, "html");
    let page_one = &html[..html.find("id=\"remediation-priorities\"").unwrap()];
    for key in ["prepared_by", "prepared_for", "reviewer", "version"] {
        let v = r[key].as_str().unwrap();
        assert!(page_one.contains(v), "page one lacks {key} {v}");
    }
    let scope = r["scope"].as_str().unwrap().replace('\'', "&#x27;");
    assert!(page_one.contains(&scope), "page one lacks the scope");
    assert!(page_one.contains(&format!(
        "{} to {}",
        r["period"]["from"].as_str().unwrap(),
        r["period"]["to"].as_str().unwrap()
    )));
    // Without a `report:` section the key is absent, not null.
    assert!(
        json_report(Path::new("fixtures/managed.yaml"))
            .get("report")
            .is_none()
    );
}

#[test]
fn paper_size_is_letter_unless_asked() {
    let f = Path::new("fixtures/managed.yaml");
    assert!(stdout(f, "html").contains("@page { size: letter;"));
    let out = check(f, &["-f", "html", "--paper", "a4"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("@page { size: A4;")
    );
    let out = check(f, &["-f", "html", "--paper", "legal"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn findings_filter_without_scripts() {
    let html = stdout(Path::new("fixtures/co-managed.yaml"), "html");
    assert!(!html.contains("<script"), "no script");
    // Every filter control has a label, and every status a finding can have a rule.
    let re = regex::Regex::new(r#"<input class="fi" type="radio" name="[a-z]+" id="([a-z0-9-]+)""#)
        .unwrap();
    let ids: Vec<String> = re.captures_iter(&html).map(|c| c[1].to_owned()).collect();
    assert!(ids.len() >= 15, "{ids:?}");
    for id in &ids {
        assert!(
            html.contains(&format!("<label for=\"{id}\">")),
            "no label for {id}"
        );
        assert!(html.contains(&format!("#{id}:checked")), "no rule for {id}");
    }
    // Each finding is a <details> carrying the classes the rules select on; those that
    // need work are open, the rest closed.
    let re = regex::Regex::new(r#"<details id="[a-z0-9-]+" class="finding [a-z0-9-]+ st-([a-z-]+) sv-[a-z]+( failing)?"( open)?>"#).unwrap();
    let mut seen = 0;
    for c in re.captures_iter(&html) {
        seen += 1;
        let open = c.get(3).is_some();
        match &c[1] {
            "gap" | "partial" | "needs-evidence" | "waived" => assert!(open, "{}", &c[0]),
            _ => assert_eq!(open, c.get(2).is_some(), "{}", &c[0]),
        }
    }
    let report = json_report(Path::new("fixtures/co-managed.yaml"));
    let evaluated = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] != "not-applicable")
        .count();
    assert_eq!(seen, evaluated, "one <details> per evaluated control");
}

#[test]
fn html_shows_no_markdown_syntax() {
    for f in fixtures().iter().filter(|f| !f.ends_with("hostile.yaml")) {
        let html = stdout(f, "html");
        let body = &html[html.find("<body>").unwrap()..];
        assert!(
            !body.contains('`') && !body.contains("&#x60;"),
            "{}: a backtick in the HTML",
            f.display()
        );
        assert!(
            !body.contains("**"),
            "{}: Markdown emphasis in the HTML",
            f.display()
        );
    }
}

#[test]
fn remediation_priorities_rank_by_weighted_failing_controls() {
    let f = Path::new("fixtures/break-fix-office.yaml");
    let md = stdout(f, "markdown");
    let section =
        &md[md.find("## Remediation priorities").unwrap()..md.find("## Findings").unwrap()];
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && l.split('|')
                    .nth(1)
                    .is_some_and(|c| c.trim().parse::<u32>().is_ok())
        })
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    assert!(rows.len() >= 2, "{section}");
    let header: Vec<&str> = section
        .lines()
        .find(|l| l.starts_with("| Rank |"))
        .unwrap()
        .split('|')
        .map(str::trim)
        .collect();
    let weighted = header.iter().position(|h| *h == "Weighted").unwrap();
    let scores: Vec<u32> = rows.iter().map(|r| r[weighted].parse().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not ranked: {scores:?}"
    );
    // The top capability is at fault for at least as many failing controls as any other.
    let report = json_report(f);
    let failing: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["failing"] == true)
        .collect();
    let top = rows[0][2].split(' ').next().unwrap();
    let at_fault = failing
        .iter()
        .filter(|x| {
            x["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["capability"] == top)
        })
        .count();
    assert!(
        at_fault > 0,
        "{top} is not at fault for any failing control"
    );
}

#[test]
fn template_dir_overrides_partials_by_file_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("summary.md.hbs"),
        "## Board summary\n\nCUSTOM for {{organization.name}}: {{summary.gap}} gaps.\n{{> extra}}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("partials")).unwrap();
    std::fs::write(
        dir.path().join("partials/extra.md.hbs"),
        "EXTRA {{model}}\n",
    )
    .unwrap();
    let out = check(
        hostile(),
        &[
            "-f",
            "markdown",
            "--template-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("CUSTOM for \\<script\\>"),
        "override renders with the Markdown escape"
    );
    assert!(md.contains("EXTRA co-managed"));
    assert!(!md.contains("## Summary"));
    assert!(md.contains("## Model fit"), "other partials stay built in");
    // The HTML report is untouched by Markdown overrides.
    let out = check(
        hostile(),
        &["-f", "html", "--template-dir", dir.path().to_str().unwrap()],
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(">Summary</h2>")
    );
}

#[test]
fn template_errors_exit_2_and_write_nothing() {
    let cases = [
        (
            "report.html.hbs",
            "<p>{{organisation.name}}</p>",
            "organisation",
        ),
        (
            "fit.html.hbs",
            "{{#each fit.variables}}{{varible}}{{/each}}",
            "varible",
        ),
        (
            "report.html.hbs",
            "{{#if passed}}unclosed",
            "report.html.hbs",
        ),
    ];
    for (file, text, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file), text).unwrap();
        let out_dir = tempfile::tempdir().unwrap();
        let json = out_dir.path().join("r.json");
        let html = out_dir.path().join("r.html");
        let out = check(
            Path::new("fixtures/co-managed.yaml"),
            &[
                "--template-dir",
                dir.path().to_str().unwrap(),
                "-o",
                json.to_str().unwrap(),
                "-o",
                html.to_str().unwrap(),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(needle),
            "{file}: error does not name {needle}: {err}"
        );
        assert!(
            !json.exists() && !html.exists(),
            "{file}: a report was written"
        );
        assert!(
            out.stdout.is_empty(),
            "{file}: something was printed to stdout"
        );
    }
    let out = check(
        Path::new("fixtures/co-managed.yaml"),
        &["-f", "html", "--template-dir", "no/such/dir"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let out = check(
        Path::new("fixtures/managed.yaml"),
        &[
            "-o",
            p("a.sarif").to_str().unwrap(),
            "-o",
            p("a.xml").to_str().unwrap(),
            "-o",
            p("a.csv").to_str().unwrap(),
            "-o",
            p("a.md").to_str().unwrap(),
            "-o",
            p("a.html").to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |n: &str| std::fs::read_to_string(p(n)).unwrap();
    assert!(read("a.sarif").contains("\"version\": \"2.1.0\""));
    assert!(read("a.xml").contains("<testsuites"));
    assert!(read("a.csv").starts_with("catalog,control,"));
    assert!(read("a.md").starts_with("# Compliance gap report: Cedar Ridge"));
    assert!(read("a.html").starts_with("<!DOCTYPE html>"));
    let out = check(
        Path::new("fixtures/managed.yaml"),
        &["-o", p("a.pdf").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// The portfolio index over every fixture: `(-f html, -f json)`.
fn portfolio(format: &str) -> String {
    let mut cmd = gapcheck();
    cmd.arg("check").args(fixtures()).args(["--today", TODAY]);
    if Path::new(FIXTURE_CATALOGS).is_dir() {
        cmd.args(["-c", FIXTURE_CATALOGS]);
    }
    let out = cmd.args(["-f", format]).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The portfolio index's charts and cross-client tables, read back from the HTML and
/// recomputed from the JSON `index` rows: clients by status, SPRS bands, the most common
/// controls needing work and the capabilities that alone would close the most.
#[test]
fn portfolio_charts_show_the_json_rows() {
    use std::collections::BTreeMap;
    let json: Value = serde_json::from_str(&portfolio("json")).unwrap();
    let rows = json["index"].as_array().unwrap();
    assert!(rows.len() >= 4);
    let html = portfolio("html");
    let svg = |name: &str| -> String {
        let start = html
            .find(&format!("data-chart=\"{name}\""))
            .unwrap_or_else(|| panic!("no {name} chart"));
        html[start..start + html[start..].find("</svg>").unwrap()].to_owned()
    };
    let read = |svg: &str, attr: &str| -> BTreeMap<String, u64> {
        regex::Regex::new(&format!(r#"{attr}="([a-z0-9-]+)" data-count="(\d+)""#))
            .unwrap()
            .captures_iter(svg)
            .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
            .collect()
    };
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows {
        *want
            .entry(r["status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(read(&svg("clients-by-status"), "data-status"), want);
    // Every status is one the rows' pass/fail agrees with.
    for r in rows {
        assert_eq!(r["status"] == "fails", r["passed"] == false, "{r}");
    }

    let scores: Vec<i64> = rows.iter().filter_map(|r| r["sprs"].as_i64()).collect();
    assert!(!scores.is_empty(), "a CMMC fixture is in the portfolio");
    let band = |lo: i64, hi: i64| scores.iter().filter(|s| (lo..=hi).contains(*s)).count() as u64;
    let want: BTreeMap<String, u64> = [
        ("110", band(110, 110)),
        ("88-109", band(88, 109)),
        ("0-87", band(0, 87)),
        ("below-0", band(i64::MIN, -1)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(read(&svg("sprs"), "data-band"), want);

    // The tables: each listed count is the rows' count.
    let mut common: BTreeMap<&str, u64> = BTreeMap::new();
    let mut closes: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for r in rows {
        for c in r["needing_work"].as_array().unwrap() {
            *common.entry(c.as_str().unwrap()).or_default() += 1;
        }
        for x in r["resolves_alone"].as_array().unwrap() {
            let e = closes.entry(x["capability"].as_str().unwrap()).or_default();
            e.0 += x["controls"].as_u64().unwrap();
            e.1 += 1;
        }
    }
    let section = |h: &str| -> String {
        let s = &html[html.find(h).unwrap()..];
        s[..s.find("</table>").unwrap()].to_owned()
    };
    let cell_re = regex::Regex::new(
        r#"<tr><td class="mono">([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)"#,
    )
    .unwrap();
    let listed: Vec<(String, u64)> = cell_re
        .captures_iter(&section("Controls needing work at the most clients"))
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
        .collect();
    assert!(!listed.is_empty());
    let top = *common.values().max().unwrap();
    assert_eq!(listed[0].1, top, "the most common control comes first");
    for (control, n) in &listed {
        assert_eq!(common[control.as_str()], *n, "{control}");
        assert!(*n >= 2);
    }
    let listed: Vec<(String, u64, u64)> = cell_re
        .captures_iter(&section(
            "Capabilities whose change would close the most controls",
        ))
        .map(|c| {
            (
                c[1].to_owned(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
            )
        })
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(listed[0].1, closes.values().map(|v| v.0).max().unwrap());
    for (cap, controls, clients) in &listed {
        assert_eq!(closes[cap.as_str()], (*controls, *clients), "{cap}");
    }
    assert!(
        html.contains("only capability that control"),
        "the rule is stated"
    );

    // Markdown: the same status counts in a Mermaid pie, with nothing but fixed labels.
    let md = portfolio("markdown");
    let pie = &md[md
        .find("```mermaid\npie showData title Clients by status\n")
        .unwrap()..];
    let pie = &pie[..pie[3..].find("```").unwrap()];
    let fails = rows.iter().filter(|r| r["status"] == "fails").count();
    assert!(
        pie.contains(&format!("\"fails the policy\" : {fails}\n")),
        "{pie}"
    );
}

/// Bare URLs and e-mail addresses in user strings stay text in GitHub-rendered Markdown:
/// every autolink trigger (`://`, `www.`, `@`) reaches the report escaped (issue 11 item 12).
#[test]
fn markdown_never_autolinks_user_strings() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/managed.yaml")
        .unwrap()
        .replace(
            "name: BluePeak Managed IT",
            "name: BluePeak https://evil.example/pay www.evil.example ops@evil.example",
        );
    let path = dir.path().join("managed.yaml");
    std::fs::write(&path, text).unwrap();
    let md = stdout(&path, "markdown");
    assert!(
        md.contains("BluePeak https\\://evil.example/pay www\\.evil.example ops\\@evil.example")
    );
    for (i, _) in md.match_indices("evil.example") {
        let before = &md[..i];
        assert!(
            before.ends_with("https\\://")
                || before.ends_with("www\\.")
                || before.ends_with("ops\\@"),
            "unescaped autolink before {:?}",
            &md[i.saturating_sub(30)..i + 12]
        );
    }
}

/// Control ids whose readable slugs agree (`T-1`, `T.1`, `t-1`) still get distinct HTML
/// anchors, and every `id` in the report is unique (issue 11 item 12).
#[test]
fn html_anchors_are_unique_when_control_ids_slug_alike() {
    let mut controls = String::new();
    for id in ["T-1", "T.1", "t-1", "T(1)"] {
        controls.push_str(&format!(
            "  - id: '{id}'\n    title: Control {id}\n    citation: test {id}\n    statement: Monitored.\n    severity: high\n    rationale: test\n    requires: {{capability: system-monitoring}}\n"
        ));
    }
    let html = check_with_catalog(
        "slugs",
        &format!(
            "catalog:\n  id: slugs\n  title: Slug test\n  version: \"1\"\ncontrols:\n{controls}"
        ),
        "html",
    );
    let ids: Vec<&str> = regex::Regex::new(r#" id="([^"]+)""#)
        .unwrap()
        .captures_iter(&html)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let finding_ids: Vec<&&str> = ids
        .iter()
        .filter(|i| i.starts_with("finding-slugs-"))
        .collect();
    assert_eq!(finding_ids.len(), 4, "{ids:?}");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
}

/// Checks a one-provider managed arrangement selecting `framework` against a user catalog
/// written from `catalog_yaml`, and returns the report in `format` (exit 0 or 1 required).
fn check_with_catalog(framework: &str, catalog_yaml: &str, format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.yaml");
    std::fs::write(&catalog, catalog_yaml).unwrap();
    let arrangement = dir.path().join("a.yaml");
    std::fs::write(
        &arrangement,
        format!("gapcheck: 1\norganization:\n  name: Test Co\n  employees: 5\nmodel: managed\nframeworks:\n  - {framework}\nproviders:\n  msp:\n    kind: msp\n    name: MSP\n    coverage: 24x7\nresponsibilities:\n  system-monitoring: {{owner: msp, cadence: continuous}}\n"),
    )
    .unwrap();
    let out = gapcheck()
        .arg("check")
        .arg(&arrangement)
        .args([
            "-c",
            catalog.to_str().unwrap(),
            "--today",
            TODAY,
            "-f",
            format,
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// SARIF `helpUri` comes only from an absolute http(s) catalog `url`; free text and
/// `javascript:` are left out (issue 11 item 12).
#[test]
fn sarif_help_uri_only_from_http_urls() {
    let sarif_with = |url: &str| -> Value {
        let catalog = format!(
            "catalog:\n  id: urls\n  title: URL test\n  version: \"1\"\n  url: '{url}'\ncontrols:\n  - id: U-1\n    title: One\n    citation: test\n    statement: Monitored.\n    severity: high\n    rationale: test\n    requires: {{capability: system-monitoring}}\n"
        );
        serde_json::from_str(&check_with_catalog("urls", &catalog, "sarif")).unwrap()
    };
    let rule = |v: &Value| v["runs"][0]["tool"]["driver"]["rules"][0].clone();
    let good = sarif_with("https://example.org/controls");
    assert_eq!(rule(&good)["helpUri"], "https://example.org/controls");
    for bad in [
        "javascript:alert(1)",
        "see the eCFR, part 164",
        "/docs/x.html",
    ] {
        let v = sarif_with(bad);
        assert!(rule(&v).get("helpUri").is_none(), "{bad}: {}", rule(&v));
    }
}
