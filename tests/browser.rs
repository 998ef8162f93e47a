//! The HTML report in a real browser (headless Chromium): hostile strings show as text and
//! no script runs, and the largest report prints to a multi-page PDF.
//!
//! Skipped, with a message, when no Chromium binary is found; `.ci/run` installs one. Set
//! GAPCHECK_CHROMIUM to use a specific binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GAPCHECK_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    CANDIDATES.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

macro_rules! require_chromium {
    () => {
        match chromium() {
            Some(c) => c,
            None => {
                eprintln!(
                    "SKIPPED: no chromium binary on PATH (tried {}; or set GAPCHECK_CHROMIUM); \
                     install it with `apt-get install -y --no-install-recommends chromium`",
                    CANDIDATES.join(", ")
                );
                return;
            }
        }
    };
}

/// Renders an HTML report of `fixture` into `dir`.
fn html_report(fixture: &Path, dir: &Path) -> PathBuf {
    html_report_on(fixture, dir, "letter")
}

/// Renders an HTML report of `fixture` into `dir`, laid out for `paper`.
fn html_report_on(fixture: &Path, dir: &Path, paper: &str) -> PathBuf {
    let out = dir.join(format!(
        "{}.html",
        fixture.file_stem().unwrap().to_string_lossy()
    ));
    let mut cmd = assert_cmd::Command::cargo_bin("gapcheck").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1767225600")
        .arg("check")
        .arg(fixture)
        .args([
            "--today",
            "2026-11-26",
            "--paper",
            paper,
            "-f",
            "json",
            "-o",
        ])
        .arg(&out);
    if Path::new("fixtures/catalogs").is_dir() {
        cmd.args(["-c", "fixtures/catalogs"]);
    }
    let status = cmd.output().unwrap().status.code();
    assert!(
        matches!(status, Some(0 | 1)),
        "{}: exit {status:?}",
        fixture.display()
    );
    out
}

/// Runs headless Chromium with `args` on `page`, killing it after two minutes.
fn run_chromium(bin: &Path, profile: &Path, args: &[String], page: &Path) -> String {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

#[test]
fn hostile_strings_render_as_text_and_no_script_runs() {
    let bin = require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = html_report(Path::new("fixtures/hostile.yaml"), dir.path());
    let dom = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert!(dom.contains("</html>"), "no DOM dumped: {dom:.200}");
    // Every payload appends 'XSS'+'RAN' to the page; the joined word appears only if one ran.
    assert!(!dom.contains("XSSRAN"), "a script from the input ran");
    let lower = dom.to_ascii_lowercase();
    for tag in ["<script", "<img", "<iframe", "<marquee", "<h1>injected"] {
        assert!(!lower.contains(tag), "{tag} became an element");
    }
    // The report draws its charts as inline SVG; no other <svg> may appear.
    assert_eq!(
        lower.matches("<svg").count(),
        lower.matches("<svg class=\"chart").count(),
        "an <svg> from the input became an element"
    );
    // Text `<` is serialized as `&lt;`, so every `<` left in the dump opens a real tag.
    for tag in lower
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(t))
    {
        for bad in ["onerror", "onload", "javascript:", " src="] {
            assert!(!tag.contains(bad), "`{bad}` in a real tag: <{tag}>");
        }
    }
    // And the strings are there, as text.
    assert!(
        dom.contains("&lt;script&gt;document.body.append('XSS'+'RAN')&lt;/script&gt; Acme | *Bold* _it_ `code`"),
        "organization name not shown as text"
    );
    assert!(dom.contains("Evil MSP&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;Injected"));
}

/// Page objects in a PDF (`/Type /Page`, not `/Type /Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let re = regex::bytes::Regex::new(r"/Type\s*/Page[^s]").unwrap();
    re.find_iter(pdf).count()
}

/// Prints `page` to PDF with Chromium and returns the page count.
fn print_pages(bin: &Path, dir: &Path, page: &Path) -> usize {
    let pdf_path = dir.join("report.pdf");
    let _ = std::fs::remove_file(&pdf_path);
    run_chromium(
        bin,
        &dir.join("profile"),
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".into(),
        ],
        page,
    );
    let pdf = std::fs::read(&pdf_path).expect("chromium wrote the PDF");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    pdf_pages(&pdf)
}

/// The 68-control HIPAA example (fixtures/clinic.yaml) fits in twelve Letter pages, and in
/// twelve A4 pages too; page one is a page of its own, so there are at least two.
#[test]
fn hipaa_example_prints_within_twelve_pages() {
    let bin = require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let report: serde_json::Value = {
        let out = assert_cmd::Command::cargo_bin("gapcheck")
            .unwrap()
            .args([
                "check",
                "fixtures/clinic.yaml",
                "--today",
                "2026-11-26",
                "-f",
                "json",
            ])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(report["summary"]["controls"], 68, "the example has changed");
    for paper in ["letter", "a4"] {
        let page = html_report_on(Path::new("fixtures/clinic.yaml"), dir.path(), paper);
        let pages = print_pages(&bin, dir.path(), &page);
        assert!(
            (2..=12).contains(&pages),
            "{paper}: {pages} pages; the target is at most 12"
        );
    }
}

#[test]
fn largest_report_prints_to_several_pdf_pages() {
    let bin = require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    let largest = fixtures
        .iter()
        .map(|f| html_report(f, dir.path()))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .expect("fixtures exist");
    let pages = print_pages(&bin, dir.path(), &largest);
    assert!(pages >= 5, "{}: only {pages} pages", largest.display());
}

/// The portfolio index in a browser: a hostile client's strings stay text, no script runs,
/// and the only SVG elements are the index's own charts, with their bars.
#[test]
fn portfolio_index_renders_inert_with_its_charts() {
    let bin = require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("index.html");
    let mut cmd = assert_cmd::Command::cargo_bin("gapcheck").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1767225600")
        .arg("check")
        .args([
            "fixtures/hostile.yaml",
            "fixtures/managed.yaml",
            "fixtures/defense-subcontractor.yaml",
            "--today",
            "2026-11-26",
            "-f",
            "html",
        ]);
    let out = cmd.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    std::fs::write(&page, &out.stdout).unwrap();
    let dom = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert!(dom.contains("</html>"), "no DOM dumped: {dom:.200}");
    assert!(!dom.contains("XSSRAN"), "a script from the input ran");
    let lower = dom.to_ascii_lowercase();
    for tag in ["<script", "<img", "<iframe"] {
        assert!(!lower.contains(tag), "{tag} became an element");
    }
    assert_eq!(lower.matches("<svg").count(), 2, "two charts, nothing else");
    assert_eq!(lower.matches("<svg class=\"chart\"").count(), 2);
    assert!(dom.contains("<rect data-status=\"fails\" data-count=\"1\""));
    assert!(dom.contains("data-band=\"88-109\" data-count=\"1\""));
}
