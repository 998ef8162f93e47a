//! Scale benchmarks (issue 7). `cargo bench --bench scale` runs the in-process suite and
//! prints wall times; `benches/run.sh` drives the same binary's sub-commands from hyperfine
//! and `/usr/bin/time` to add process start and peak memory. See BENCHMARKS.md.
//!
//! Sub-commands (the binary is `target/release/deps/scale-*`, or use `cargo bench --bench
//! scale -- <cmd>`):
//!   generate DIR            write the 100,000-control catalog and the 1,000 arrangements
//!   parse-floor PATH...     parse YAML with serde-saphyr into nothing (IgnoredAny); a
//!                           directory means its files; the built-ins are always included
//!   parse-tree PATH...      parse YAML into gapcheck's positioned tree (yaml::parse)
//!   portfolio DIR THREADS   check every arrangement in DIR in-process, JSON report each
//!   (no command)            all of the above on a temporary directory, timed in-process
//!
//! Inputs are generated at run time into a temporary directory, never committed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gapcheck::arrangement;
use gapcheck::catalog::{BUILTIN_CATALOGS, Registry};
use gapcheck::diag::Sink;
use gapcheck::evaluate::Options;
use gapcheck::report::{self, Format};

/// The capabilities the generated catalog requires, with the kind of cadence that makes
/// sense for each (a mix of ongoing, on-demand and organizational work).
const CAPS: &[&str] = &[
    "continuous-monitoring",
    "system-monitoring",
    "log-management",
    "log-review",
    "vulnerability-scanning",
    "patch-management",
    "malware-protection",
    "configuration-management",
    "asset-inventory",
    "access-management",
    "network-security",
    "data-protection",
    "backup",
    "recovery-testing",
    "incident-response",
    "incident-records",
    "security-awareness-training",
    "help-desk",
    "service-reporting",
    "responsibility-review",
    "penetration-testing",
    "risk-assessment",
    "repair",
    "security-official",
    "policy-management",
    "vendor-oversight",
    "physical-security",
    "workforce-security",
    "contingency-planning",
];
const CADENCES: &[&str] = &["daily", "weekly", "monthly", "quarterly", "annual"];

/// A tiny deterministic generator, so the same inputs are produced on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

/// Controls per generated catalog file: gapcheck reads at most 16 MiB and 250,000 YAML nodes
/// per file (src/input/yaml.rs), about 6,000 controls like these, so a 100,000-control catalog is
/// a directory of files, the first with the header and the rest `extends: bench-100k`.
const PER_FILE: usize = 4_000;

/// One file of the generated catalog: controls `from..to`.
fn catalog_part(from: usize, to: usize) -> String {
    let mut rng = Lcg(from as u64 + 7);
    let mut y = String::with_capacity((to - from) * 420);
    if from == 0 {
        y.push_str(
            "catalog:\n  id: bench-100k\n  title: Generated benchmark catalog\n  \
             id_pattern: '^[A-Z]{2}-\\d+$'\n  profiles:\n    core: the first half\n    \
             extended: every control\ncontrols:\n",
        );
    } else {
        y.push_str("catalog:\n  extends: bench-100k\ncontrols:\n");
    }
    for i in from..to {
        let family = [b'A' + (i % 26) as u8, b'A' + (i / 26 % 26) as u8];
        let family = std::str::from_utf8(&family).unwrap_or("AA");
        let sev = ["low", "moderate", "high"][i % 3];
        let _ = writeln!(
            y,
            "  - id: {family}-{i}\n    title: Generated control {i}\n    group: Family {family}\n    \
             citation: Bench {i}\n    statement: >-\n      The organization ensures that generated \
             requirement {i} is met by a provider with the capability and cadence required.\n    \
             severity: {sev}\n    props: {{number: {i}, generated: true}}\n    profiles: [{}]",
            if i % 2 == 0 {
                "core, extended"
            } else {
                "extended"
            }
        );
        match i % 4 {
            0 => {
                let _ = writeln!(y, "    requires: {{capability: {}}}", rng.pick(CAPS));
            }
            1 => {
                let _ = writeln!(
                    y,
                    "    requires:\n      all:\n        - {{capability: {}, cadence: {}}}\n        - {{capability: {}}}",
                    rng.pick(CAPS),
                    rng.pick(CADENCES),
                    rng.pick(CAPS)
                );
            }
            2 => {
                let _ = writeln!(
                    y,
                    "    requires:\n      any:\n        - {{capability: {}}}\n        - all: [{{capability: {}}}, {{capability: {}, coverage: 24x7}}]",
                    rng.pick(CAPS),
                    rng.pick(CAPS),
                    rng.pick(CAPS)
                );
            }
            _ => {} // met only by an attestation
        }
    }
    y
}

/// One arrangement of the portfolio: models, owners, cadences and frameworks vary.
fn arrangement_text(i: usize, frameworks: &str) -> String {
    let mut rng = Lcg(i as u64 + 1);
    let model = ["managed", "co-managed", "break-fix"][i % 3];
    let providers = match model {
        "managed" => {
            "  internal: {kind: internal, name: Management, ftes: 0}\n  msp: {kind: msp, name: Example MSP, coverage: 24x7}\n"
        }
        "co-managed" => {
            "  internal: {kind: internal, name: Internal IT, ftes: 2, coverage: business-hours}\n  msp: {kind: msp, name: Example MSP, coverage: 24x7}\n"
        }
        _ => {
            "  internal: {kind: internal, name: Office manager, ftes: 0}\n  shop: {kind: break-fix, name: Repair shop}\n"
        }
    };
    let external = if model == "break-fix" { "shop" } else { "msp" };
    let mut rows = String::new();
    for (k, cap) in CAPS.iter().enumerate() {
        if rng.next().is_multiple_of(7) {
            continue; // some work unassigned
        }
        // Organizational capabilities (the last six) stay with the organization; in a
        // co-managed arrangement internal IT keeps about a third of the rest.
        let internal = k >= 23 || (model == "co-managed" && rng.next().is_multiple_of(3));
        let owner = if internal { "internal" } else { external };
        let cadence = rng.pick(&["daily", "weekly", "monthly", "quarterly"]);
        let _ = writeln!(
            rows,
            "  {cap}: {{owner: {owner}, cadence: {cadence}, coverage: 24x7, response: 4h}}"
        );
    }
    format!(
        "gapcheck: 1\norganization:\n  name: Client {i:04}\n  employees: {}\n  budget: {}\n  \
         after_hours_required: {}\n  scalability: moderate\nmodel: {model}\nframeworks:\n{frameworks}\
         providers:\n{providers}responsibilities:\n{rows}",
        5 + i % 300,
        if model == "break-fix" {
            "variable"
        } else {
            "fixed"
        },
        i.is_multiple_of(2),
    )
}

/// Every built-in catalog, with a profile where the catalog has profiles.
const ALL_BUILTINS: &str = "  - hipaa-security\n  - {catalog: nist-800-53-conmon, profile: high}\n  - {catalog: glba-safeguards, profile: standard}\n  - {catalog: cmmc, profile: level-2}\n  - nist-csf-2.0\n  - {catalog: nydfs-500, profile: standard}\n  - service-model\n";

fn generate(dir: &Path) -> std::io::Result<()> {
    let catalog = dir.join("catalog-100k");
    std::fs::create_dir_all(&catalog)?;
    for from in (0..100_000).step_by(PER_FILE) {
        std::fs::write(
            catalog.join(format!("part-{:03}.yaml", from / PER_FILE)),
            catalog_part(from, from + PER_FILE),
        )?;
    }
    std::fs::write(
        dir.join("check-100k.yaml"),
        arrangement_text(1, "  - {catalog: bench-100k, profile: extended}\n"),
    )?;
    generate_portfolio(dir, 1000)
}

/// The portfolio of `clients` arrangements (`DIR/portfolio/`) and `DIR/all-builtins.yaml`,
/// without the 42 MB catalog: what the start-up and portfolio benchmarks need.
fn generate_portfolio(dir: &Path, clients: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("portfolio"))?;
    std::fs::write(
        dir.join("all-builtins.yaml"),
        arrangement_text(1, ALL_BUILTINS),
    )?;
    let sets = [
        ALL_BUILTINS,
        "  - hipaa-security\n  - {catalog: nist-800-53-conmon, profile: moderate}\n  - service-model\n",
        "  - {catalog: glba-safeguards, profile: standard}\n  - {catalog: nist-800-53-conmon, profile: moderate}\n",
        "  - {catalog: cmmc, profile: level-2}\n",
    ];
    for i in 0..clients {
        std::fs::write(
            dir.join("portfolio").join(format!("client-{i:04}.yaml")),
            arrangement_text(i, sets[i % sets.len()]),
        )?;
    }
    Ok(())
}

fn yaml_options() -> serde_saphyr::Options {
    // The same limits gapcheck reads with (src/input/yaml.rs), so the floor parses the same way.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = gapcheck::yaml::MAX_DEPTH;
    budget.max_aliases = gapcheck::yaml::MAX_ALIASES;
    budget.max_nodes = gapcheck::yaml::MAX_NODES;
    budget.max_events = gapcheck::yaml::MAX_NODES * 2;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.strict_booleans = true;
    options
}

/// The texts a check of `files` parses: the built-in catalogs plus the files.
fn texts(files: &[PathBuf]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = BUILTIN_CATALOGS
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
    let mut expanded = Vec::new();
    for f in files {
        match std::fs::read_dir(f) {
            Ok(entries) => {
                let mut inner: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                inner.sort();
                expanded.extend(inner);
            }
            Err(_) => expanded.push(f.clone()),
        }
    }
    for f in &expanded {
        let text =
            std::fs::read_to_string(f).unwrap_or_else(|e| fail(&format!("{}: {e}", f.display())));
        out.push((f.display().to_string(), text));
    }
    out
}

fn parse_floor(texts: &[(String, String)]) {
    for (path, text) in texts {
        if let Err(e) =
            serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, yaml_options())
        {
            fail(&format!("{path}: {e}"));
        }
    }
}

fn parse_tree(texts: &[(String, String)]) {
    for (path, text) in texts {
        let mut sink = Sink::new(path.as_str(), text);
        if gapcheck::yaml::parse(text, &mut sink).is_none() {
            fail(&format!("{path}: {:?}", sink.diagnostics));
        }
    }
}

/// Checks one arrangement against `registry` and renders the JSON report, as `check -f json`.
fn check_one(registry: &Registry, path: &Path) -> usize {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let (a, _) = arrangement::load(&path.display().to_string(), &text, registry)
        .unwrap_or_else(|d| fail(&format!("{d:?}")));
    let opts = Options::new(jiff::civil::date(2026, 11, 26));
    let assessment = report::Assessment::new(registry, &a, &opts);
    let run = assessment.run(&a, registry, &opts, "2026-01-01T00:00:00Z".into(), None);
    report::render(Format::Json, &run, &report::RenderOptions::default())
        .unwrap_or_else(|e| fail(&e.to_string()))
        .len()
}

/// Checks every arrangement in `dir` on `threads` threads; returns the bytes of JSON made.
fn portfolio(dir: &Path, threads: usize) -> usize {
    let registry = Registry::load(true, &[]).unwrap_or_else(|e| fail(&format!("{:?}", e.0)));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let chunk = files.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let registry = &registry;
                s.spawn(move || part.iter().map(|f| check_one(registry, f)).sum::<usize>())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| fail("a worker panicked")))
            .sum()
    })
}

fn fail(message: &str) -> ! {
    eprintln!("scale: {message}");
    std::process::exit(2)
}

/// Best of `n` runs: the least disturbed by the other work on a shared machine.
fn best<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn suite() {
    let dir = std::env::temp_dir().join(format!("gapcheck-bench-{}", std::process::id()));
    let t = Instant::now();
    generate(&dir).unwrap_or_else(|e| fail(&e.to_string()));
    println!("generated inputs in {:?} ({})", t.elapsed(), dir.display());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ms = |d: Duration| format!("{:>10.2} ms", d.as_secs_f64() * 1e3);

    let builtin = Registry::load(true, &[]).unwrap_or_else(|e| fail(&format!("{:?}", e.0)));
    println!(
        "{} load built-in catalogs",
        ms(best(20, || Registry::load(true, &[]).is_ok()))
    );
    for f in [
        "break-fix-office",
        "clinic",
        "co-managed",
        "credit-union",
        "defense-subcontractor",
        "managed",
    ] {
        let path = root.join("fixtures").join(format!("{f}.yaml"));
        println!(
            "{} check fixtures/{f}.yaml to JSON (catalogs loaded)",
            ms(best(20, || check_one(&builtin, &path)))
        );
    }
    let all = dir.join("all-builtins.yaml");
    println!(
        "{} check one arrangement against every built-in catalog to JSON",
        ms(best(20, || check_one(&builtin, &all)))
    );

    let high = root.join("tests/data/nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json");
    if high.exists() {
        let opts = gapcheck::oscal::ImportOptions {
            id: Some("nist-high".into()),
        };
        println!(
            "{} import NIST 800-53 HIGH (OSCAL JSON) and validate the result",
            ms(best(5, || {
                let imported = gapcheck::oscal::import_file(&high, None, &opts)
                    .unwrap_or_else(|e| fail(&e.to_string()));
                Registry::load_text(false, "high.yaml", &imported.yaml).is_ok()
            }))
        );
    }

    let big = dir.join("catalog-100k");
    let big_texts = texts(&[big.clone(), dir.join("check-100k.yaml")]);
    println!(
        "{} parse floor: serde-saphyr into IgnoredAny (100k catalog + built-ins + arrangement)",
        ms(best(3, || parse_floor(&big_texts)))
    );
    println!(
        "{} parse into gapcheck's positioned tree (same files)",
        ms(best(3, || parse_tree(&big_texts)))
    );
    let mut registry = None;
    println!(
        "{} load and validate the 100k catalog with the built-ins",
        ms(best(3, || {
            registry = Some(
                Registry::load(true, std::slice::from_ref(&big))
                    .unwrap_or_else(|e| fail(&format!("{:?}", &e.0[..e.0.len().min(3)]))),
            );
        }))
    );
    if let Some(registry) = &registry {
        let arr = dir.join("check-100k.yaml");
        println!(
            "{} evaluate + JSON report of the 100k catalog (catalog loaded)",
            ms(best(3, || check_one(registry, &arr)))
        );
    }
    let port = dir.join("portfolio");
    println!(
        "{} portfolio: 1,000 arrangements, 1 thread, JSON each",
        ms(best(2, || portfolio(&port, 1)))
    );
    println!(
        "{} portfolio: 1,000 arrangements, 2 threads, JSON each",
        ms(best(2, || portfolio(&port, 2)))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let files = |from: usize| args[from..].iter().map(PathBuf::from).collect::<Vec<_>>();
    match args.first().map(String::as_str) {
        None => suite(),
        Some("generate") if args.len() == 2 => {
            generate(Path::new(&args[1])).unwrap_or_else(|e| fail(&e.to_string()))
        }
        Some("generate-portfolio") if args.len() == 3 => {
            let clients = args[2]
                .parse()
                .unwrap_or_else(|_| fail("CLIENTS must be a number"));
            generate_portfolio(Path::new(&args[1]), clients)
                .unwrap_or_else(|e| fail(&e.to_string()))
        }
        Some("parse-floor") => parse_floor(&texts(&files(1))),
        Some("parse-tree") => parse_tree(&texts(&files(1))),
        Some("portfolio") if args.len() == 3 => {
            let threads = args[2]
                .parse()
                .unwrap_or_else(|_| fail("THREADS must be a number"));
            let bytes = portfolio(Path::new(&args[1]), threads);
            eprintln!("{bytes} bytes of JSON");
        }
        _ => fail(
            "usage: scale [generate DIR | generate-portfolio DIR CLIENTS | parse-floor FILE... | parse-tree FILE... | portfolio DIR THREADS]",
        ),
    }
}
