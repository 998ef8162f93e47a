//! `check` of several arrangements: each client checked and written as it is produced into a
//! staging directory, then the index, then the swap.

use super::*;

/// One client's work: its arrangement, its evidence and its own baseline, if any.
type Job<'a> = (
    &'a Arrangement,
    Option<&'a crate::evidence::Evidence>,
    Option<&'a crate::baseline::Baseline>,
    // Bytes of its input, for the report size budget.
    u64,
);

/// The formats written per arrangement, and for the index, with `-o DIR/`.
pub(super) const PORTFOLIO_FORMATS: [Format; 3] = [Format::Json, Format::Markdown, Format::Html];

pub(super) fn check_portfolio(args: CheckArgs) -> Result<u8, Error> {
    let index_format = |f: Format| {
        matches!(
            f,
            Format::Json
                | Format::Markdown
                | Format::Html
                | Format::Text
                | Format::Sarif
                | Format::Junit
        )
    };
    if !index_format(args.format) {
        return Err(Error::Usage(format!(
            "a portfolio prints text, json, markdown, html, sarif or junit, not {}",
            args.format
        )));
    }
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for o in &args.outputs {
        if is_output_dir(o) {
            dirs.push(o.clone());
        } else {
            let f = output_formats(std::slice::from_ref(o))?[0].1;
            if !index_format(f) || f == Format::Text {
                return Err(Error::Usage(format!(
                    "{}: a portfolio writes .json, .md, .html, .sarif or .xml (JUnit) files, or a directory (`-o reports/`)",
                    o.display()
                )));
            }
            files.push((o.clone(), f));
        }
    }
    let registry = load_registry(&args.catalogs)?;
    let mut paths = Vec::new();
    let mut diags = Vec::new();
    for p in &args.arrangements {
        if p.is_dir() {
            let (found, skipped, errors) = crate::portfolio::discover(p);
            if args.verbose {
                for s in &skipped {
                    term::eprintln(&format!(
                        "gapcheck: skipping {} (no top-level `gapcheck:` key: not an arrangement)",
                        s.display()
                    ));
                }
            }
            paths.extend(found);
            diags.extend(errors);
        } else {
            paths.push(p.clone());
        }
    }
    if paths.is_empty() {
        return Err(Error::Usage(
            "no arrangement files found (YAML files with a top-level `gapcheck:` key)".into(),
        ));
    }
    let threads = crate::parallel::threads();
    let loaded = crate::parallel::map(&paths, threads, |p| {
        let text = catalog::read_text(p).map_err(|d| vec![d])?;
        arrangement::load(&p.display().to_string(), &text, &registry)
    });
    // Names come from every path, valid or not, so a client's report keeps its name when
    // another client's file breaks.
    let all_names = crate::portfolio::report_names(&paths);
    let mut arrangements = Vec::new();
    let mut names = Vec::new();
    let mut invalid: Vec<(PathBuf, Vec<Diagnostic>)> = Vec::new();
    for ((r, p), name) in loaded.into_iter().zip(&paths).zip(all_names) {
        match r {
            Ok((a, warnings)) => {
                print_warnings(&warnings);
                arrangements.push(a);
                names.push(name);
            }
            Err(d) => invalid.push((p.clone(), d)),
        }
    }
    // One broken client file no longer costs every other client its report (issue 12):
    // unless --fail-fast, invalid arrangements are reported and the others still checked.
    if args.fail_fast || arrangements.is_empty() || diags.iter().any(|d| d.level == Level::Error) {
        diags.extend(invalid.iter().flat_map(|(_, d)| d.iter().cloned()));
        if diags.iter().any(|d| d.level == Level::Error) {
            return Err(Error::Invalid(diags));
        }
    }
    for (_, d) in &invalid {
        let mut err = String::new();
        for x in d {
            err.push_str(&format!("{x}\n\n"));
        }
        term::eprint(&err);
    }
    // Every input by the path it was read from: the arrangements, each catalog file (a `-c`
    // directory's files one by one) and the baseline.
    let mut inputs = paths.clone();
    inputs.extend(args.catalogs.catalogs.iter().cloned());
    inputs.extend(args.evidence.paths.iter().cloned());
    inputs.extend(args.evidence.maps.iter().cloned());
    inputs.extend(catalog_files(&registry));
    inputs.extend(args.baseline.iter().cloned());
    for (o, _) in &files {
        atomic::refuse_inputs(o, &inputs)?;
    }
    let settings = Settings::from_args_without_baseline(&args)?;
    let baselines = match &args.baseline {
        None => Vec::new(),
        Some(b) => client_baselines(b, &arrangements, args.baseline_other_organization)?,
    };
    let emptied: Vec<Diagnostic> = arrangements
        .iter()
        .flat_map(|a| evaluate::emptied_frameworks(&registry, a, &settings.opts))
        .collect();
    if !emptied.is_empty() {
        return Err(Error::Invalid(emptied));
    }
    // Each client's records live under DIR/<its file stem>/ of every --evidence DIR (README,
    // "Portfolios"): the stem, not the report name, which carries a hash of the path.
    let stems: Vec<String> = arrangements
        .iter()
        .map(|a| {
            Path::new(&a.path)
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        })
        .collect();
    let evidence: Vec<Option<crate::evidence::Evidence>> = match &settings.evidence {
        None => arrangements.iter().map(|_| None).collect(),
        Some(es) => {
            if let Some(p) = es.paths.iter().find(|p| !p.is_dir()) {
                return Err(Error::Usage(format!(
                    "{}: with several arrangements, --evidence names a directory holding one subdirectory per arrangement, named by its file stem",
                    p.display()
                )));
            }
            let jobs: Vec<(&Arrangement, &String)> = arrangements.iter().zip(&stems).collect();
            let loaded = crate::parallel::map(&jobs, threads, |(a, name)| {
                let own = crate::evidence::Settings {
                    paths: es
                        .paths
                        .iter()
                        .map(|d| d.join(name.as_str()))
                        .filter(|d| d.is_dir())
                        .collect(),
                    ..es.clone()
                };
                load_evidence(&own, a, &registry)
            });
            let mut out = Vec::new();
            for r in loaded {
                match r {
                    Ok((ev, warnings)) => {
                        print_warnings(&warnings);
                        out.push(Some(ev));
                    }
                    Err(d) => diags.extend(d),
                }
            }
            if diags.iter().any(|d| d.level == Level::Error) {
                return Err(Error::Invalid(diags));
            }
            out
        }
    };
    let render_opts = report::RenderOptions {
        color: false,
        template_dir: args.template_dir.as_deref(),
        paper: args.paper,
        sarif_root: args.sarif_root.as_deref(),
    };
    let per_file: &[Format] = if dirs.is_empty() {
        &[]
    } else {
        &PORTFOLIO_FORMATS
    };
    let generated_at = settings.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    // Each client's reports are written into the staging directories as soon as they are
    // rendered, and its report into the portfolio JSON, so memory holds a few clients and
    // the index rows, not the portfolio (issue 17). A failure or an interrupt drops the
    // staging directories: the old portfolio stays, as before.
    let staged = dirs
        .iter()
        .map(|d| atomic::StagedDir::begin(d, &inputs))
        .collect::<Result<Vec<_>, _>>()?;
    let sarif_wanted =
        args.format == Format::Sarif || files.iter().any(|(_, f)| *f == Format::Sarif);
    let junit_wanted =
        args.format == Format::Junit || files.iter().any(|(_, f)| *f == Format::Junit);
    let mut sarif_runs = Vec::new();
    let mut junit_suites = Vec::new();
    let json_wanted = !staged.is_empty()
        || args.format == Format::Json
        || files.iter().any(|(_, f)| *f == Format::Json);
    // The portfolio JSON goes straight into the first directory's index.json; without a
    // directory it is built in memory (it is printed or written whole at the end).
    enum JsonOut {
        File(PathBuf, std::io::BufWriter<std::fs::File>),
        Memory(Vec<u8>),
    }
    impl std::io::Write for JsonOut {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self {
                JsonOut::File(_, f) => f.write(buf),
                JsonOut::Memory(v) => v.write(buf),
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            match self {
                JsonOut::File(_, f) => f.flush(),
                JsonOut::Memory(_) => Ok(()),
            }
        }
    }
    let json_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| atomic::OutputError::Io { path, source }
    };
    let mut json = match (json_wanted, staged.first()) {
        (false, _) => None,
        (true, Some(first)) => {
            let (p, f) = first.create("index.json")?;
            let out = JsonOut::File(p.clone(), std::io::BufWriter::new(f));
            Some(crate::portfolio::JsonWriter::begin(out, &generated_at).map_err(json_err(&p))?)
        }
        (true, None) => Some(
            crate::portfolio::JsonWriter::begin(JsonOut::Memory(Vec::new()), &generated_at)
                .map_err(json_err(Path::new("<memory>")))?,
        ),
    };
    // Each client's input for the size budget: its file, every catalog file, its evidence.
    let shared_input = crate::output::budget::input_bytes(
        catalog_files(&registry)
            .collect::<Vec<_>>()
            .iter()
            .chain(&args.evidence.maps)
            .map(PathBuf::as_path),
    );
    let client_input = |a: &Arrangement, stem: &String| {
        let own: Vec<PathBuf> = args
            .evidence
            .paths
            .iter()
            .map(|d| d.join(stem.as_str()))
            .chain([PathBuf::from(&a.path)])
            .collect();
        shared_input + crate::output::budget::input_bytes(own.iter().map(PathBuf::as_path))
    };
    let jobs: Vec<Job> = arrangements
        .iter()
        .zip(evidence.iter().map(Option::as_ref))
        .zip(&stems)
        .enumerate()
        .map(|(i, ((a, ev), stem))| {
            (
                a,
                ev,
                baselines.get(i).and_then(Option::as_ref),
                client_input(a, stem),
            )
        })
        .collect();
    // A file about every client (the portfolio JSON, SARIF log, JUnit file) may be as large
    // as their reports together: the sum of their budgets.
    let total_budget = jobs.iter().fold(0u64, |t, j| {
        t.saturating_add(crate::output::budget::report_budget(j.3))
    });
    let mut rows = Vec::with_capacity(jobs.len());
    // A few clients per core at a time: enough to keep the cores busy, few enough that
    // memory does not grow with the portfolio.
    let chunk = threads * 4;
    let json_part = json.is_some();
    for (jobs, names) in jobs.chunks(chunk).zip(names.chunks(chunk)) {
        if atomic::interrupted() {
            return Err(atomic::OutputError::Interrupted.into());
        }
        let batch: Vec<(&Job, &String)> = jobs.iter().zip(names).collect();
        // Each worker writes its client's files itself, so rendering and writing overlap.
        let checked = crate::parallel::map(&batch, threads, |((a, ev, baseline, input), name)| {
            let parts = Parts {
                baseline: *baseline,
                sarif: sarif_wanted.then_some(name.as_str()),
                junit: junit_wanted.then_some(name.as_str()),
                parallel: false,
                stream_json: false,
                exiting: false,
            };
            // The client's JSON text is made here, while its report (which borrows from the
            // check) lives: its own file's text when it has one, so the report is serialized
            // once. The texts are joined into the portfolio JSON in order below.
            check_one(
                &registry,
                a,
                &settings,
                per_file,
                &render_opts,
                *ev,
                parts,
                |mut c, prepared| {
                    let mut row = crate::portfolio::Row::new(prepared.run(), &prepared.report);
                    let mut rendered: Vec<String> = c.rendered.drain(..).flatten().collect();
                    for (text, f) in rendered.iter().zip(per_file) {
                        over_budget(&a.path, *f, text.len() as u64, *input)?;
                    }
                    if !staged.is_empty() {
                        row.reports = PORTFOLIO_FORMATS
                            .iter()
                            .map(|f| format!("{name}.{}", f.extension()))
                            .collect();
                        for dir in &staged {
                            for (f, text) in PORTFOLIO_FORMATS.iter().zip(&rendered) {
                                dir.write(&format!("{name}.{}", f.extension()), text.as_bytes())?;
                            }
                        }
                    }
                    let part = json_part.then(|| {
                        let mut text = match per_file.first() {
                            Some(Format::Json) => rendered.swap_remove(0),
                            _ => prepared.report.to_json(),
                        };
                        // Held until the batch is joined: without the slack of its growth.
                        text.shrink_to_fit();
                        text
                    });
                    Ok::<_, Error>((c, row, part))
                },
            )
        });
        for c in checked {
            let (mut c, row, part) = c?;
            sarif_runs.extend(c.sarif.take());
            junit_suites.extend(c.junit.take());
            if let (Some(w), Some(part)) = (&mut json, part) {
                w.report_text(&part)
                    .map_err(json_err(Path::new("index.json")))?;
            }
            rows.push(row);
        }
    }
    let index = crate::portfolio::Index::new(
        generated_at,
        rows,
        invalid
            .iter()
            .map(|(p, d)| crate::portfolio::Invalid::new(p, d))
            .collect(),
    );
    // The finished portfolio JSON: in the first directory (copied into the others), or in
    // memory; read back only when it must also go to a file or stdout.
    let mut json_bytes: Option<Vec<u8>> = None;
    if let Some(w) = json {
        match w
            .finish(&index)
            .map_err(json_err(Path::new("index.json")))?
        {
            JsonOut::File(p, f) => {
                let f = f.into_inner().map_err(|e| json_err(&p)(e.into_error()))?;
                let len = f.metadata().map_err(json_err(&p))?.len();
                portfolio_over_budget("portfolio JSON", len, total_budget, jobs.len())?;
                staged[0].close(&p, f)?;
                for dir in &staged[1..] {
                    std::fs::copy(&p, dir.staged_path("index.json"))
                        .map_err(json_err(&dir.staged_path("index.json")))?;
                }
                if args.format == Format::Json || files.iter().any(|(_, f)| *f == Format::Json) {
                    json_bytes = Some(std::fs::read(&p).map_err(json_err(&p))?);
                }
            }
            JsonOut::Memory(v) => {
                portfolio_over_budget("portfolio JSON", v.len() as u64, total_budget, jobs.len())?;
                json_bytes = Some(v);
            }
        }
    }
    // One SARIF log with a run per client, one JUnit file with a suite per client, in the
    // order of the index rows.
    let sarif_log = sarif_wanted.then(|| report::sarif::log(sarif_runs));
    let junit_doc = if junit_wanted {
        Some(report::junit::document(junit_suites)?)
    } else {
        None
    };
    for (what, bytes) in [
        ("SARIF log", sarif_log.as_ref().map(String::len)),
        ("JUnit file", junit_doc.as_ref().map(String::len)),
    ] {
        portfolio_over_budget(what, bytes.unwrap_or(0) as u64, total_budget, jobs.len())?;
    }
    let render_index = |f: Format| -> String {
        match f {
            Format::Sarif => sarif_log.clone().unwrap_or_default(),
            Format::Junit => junit_doc.clone().unwrap_or_default(),
            Format::Json => {
                String::from_utf8_lossy(json_bytes.as_deref().unwrap_or_default()).into_owned()
            }
            Format::Markdown => crate::portfolio::markdown(&index),
            Format::Html => crate::portfolio::html(&index),
            _ => crate::portfolio::text(&index, color_stdout()),
        }
    };
    for dir in &staged {
        for f in [Format::Markdown, Format::Html] {
            dir.write(
                &format!("index.{}", f.extension()),
                render_index(f).as_bytes(),
            )?;
        }
    }
    for dir in staged {
        dir.commit()?;
    }
    let out: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(o, f)| (o.clone(), render_index(*f)))
        .collect();
    let refs: Vec<(&std::path::Path, &[u8])> = out
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_bytes()))
        .collect();
    atomic::write_all_atomic(&refs)?;
    let content = match args.format {
        Format::Text if color_stdout() => Content::Colored,
        Format::Text => Content::Text,
        _ => Content::Data,
    };
    term::print(&render_index(args.format), content)?;
    if !invalid.is_empty() {
        term::eprintln(&format!(
            "gapcheck: {} arrangement(s) invalid and not checked (listed above and in the index); the other {} were checked",
            invalid.len(),
            index.rows.len()
        ));
        return Ok(2);
    }
    Ok(if index.summary.failed == 0 { 0 } else { 1 })
}

/// Each client's baseline from a portfolio's `--baseline`: a portfolio JSON
/// (`gapcheck/portfolio/v1`) of an earlier run, whose `reports` hold each client's full
/// report. A client is matched with the report whose `arrangement.path` is its path as given
/// or found (the path its report name is made from); a client without one is compared with
/// nothing (judged as without `--baseline`) and said so on stderr.
fn client_baselines(
    path: &Path,
    arrangements: &[Arrangement],
    other_organization: bool,
) -> Result<Vec<Option<crate::baseline::Baseline>>, Error> {
    let shown = path.display().to_string();
    let text = catalog::read_text(path).map_err(|d| Error::Invalid(vec![d]))?;
    let fail = |line: usize, column: usize, message: String| {
        let mut sink = crate::diag::Sink::new(shown.as_str(), &text);
        let pos = (line > 0).then(|| crate::diag::Pos::new(line as u32, column as u32));
        sink.push(
            Level::Error,
            pos,
            message,
            Some("with several arrangements, pass the portfolio JSON of an earlier run (`-o reports/` writes it as index.json, `-f json` prints it)".into()),
        );
        Error::Invalid(sink.diagnostics)
    };
    let old: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        // The position is the diagnostic's; serde_json's message repeats it.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        fail(e.line(), e.column(), format!("not valid JSON: {message}"))
    })?;
    if old["schema"] != crate::portfolio::SCHEMA {
        return Err(fail(
            1,
            1,
            format!(
                "baseline is not a portfolio JSON (`schema` is not `{}`)",
                crate::portfolio::SCHEMA
            ),
        ));
    }
    let Some(reports) = old["reports"].as_array() else {
        return Err(fail(1, 1, "baseline has no `reports` list".into()));
    };
    let mut by_path = std::collections::HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Some(p) = r["arrangement"]["path"].as_str() {
            by_path.entry(p.to_owned()).or_insert(i);
        }
    }
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for a in arrangements {
        let Some(&i) = by_path.get(&a.path) else {
            term::eprintln(&format!(
                "gapcheck: {}: not in the baseline {shown}; compared with nothing (judged as without --baseline)",
                a.path
            ));
            out.push(None);
            continue;
        };
        // The entry alone, re-printed: messages about it name the entry, and their lines
        // count within it.
        let entry = serde_json::to_string_pretty(&reports[i]).expect("JSON value serializes");
        let b = crate::baseline::Baseline::parse(format!("{shown} (reports[{i}])"), entry)
            .map_err(|d| Error::Invalid(vec![d]))?;
        if let Some(d) = b.check_organization(&a.organization.name, other_organization) {
            match d.level {
                Level::Error => diags.push(d),
                _ => print_warnings(&[d]),
            }
        }
        out.push(Some(b));
    }
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    Ok(out)
}

/// Refuses a file about every client over the sum of their budgets (`output::budget`).
/// Nothing is written: the staging directories are dropped, the files not yet written.
fn portfolio_over_budget(what: &str, bytes: u64, budget: u64, clients: usize) -> Result<(), Error> {
    if bytes <= budget {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the {what} would be {bytes} bytes, over the {budget} bytes its {clients} arrangements' report budgets allow together (README, \"Limits\"); nothing was written"
    )))
}
