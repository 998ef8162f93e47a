//! Catalog files: discovery in -c directories, reading with the size budget, the built-ins
//! compiled at build time.

use super::*;

/// The text of every catalog file under `paths`, in order; unreadable files become errors.
pub(super) fn read_sources(
    paths: &[PathBuf],
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    let mut sources = Vec::new();
    for path in paths {
        for file in discover(path, diags) {
            match read_text(&file) {
                Ok(text) => sources.push((file.display().to_string(), text)),
                Err(d) => diags.push(d),
            }
        }
    }
    sources
}

/// Parses and validates the built-in catalog files exactly as user catalogs are, and returns
/// their compiled form. Run by `build.rs`: a built-in catalog with any error or warning fails
/// the build, with the diagnostics.
pub fn compile_builtin(files: &[(&str, &str)]) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let inputs: Vec<(&str, &str, bool)> = files.iter().map(|(p, t)| (*p, *t, true)).collect();
    let registry = Registry::load_yaml(&inputs).map_err(|e| e.0)?;
    if !registry.warnings.is_empty() {
        return Err(registry.warnings);
    }
    Ok(compiled::encode(registry.catalogs.values()))
}

/// Reads an input file as UTF-8 text with the size limit applied before reading.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let shown = path.display().to_string();
    let fail = |message: String, help: &str| Diagnostic {
        level: crate::diag::Level::Error,
        file: shown.clone(),
        pos: None,
        message,
        help: Some(help.to_owned()),
        source_line: None,
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    if meta.is_dir() {
        return Err(fail(
            "is a directory, not a file".into(),
            "name a YAML file",
        ));
    }
    if let Some(why) = crate::regular::refusal(&meta) {
        return Err(fail(why, crate::regular::HELP));
    }
    if meta.len() > yaml::MAX_FILE_BYTES {
        return Err(fail(
            format!(
                "file is {} bytes; gapcheck reads at most {} bytes",
                meta.len(),
                yaml::MAX_FILE_BYTES
            ),
            "split the file, or check that this is the file you meant",
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        fail(
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    read_reader(&shown, file)
}

/// Reads UTF-8 text from a file or a pipe (`-` for stdin) under the same size limit as
/// [`read_text`]; `shown` names it in messages.
pub fn read_reader(shown: &str, reader: impl std::io::Read) -> Result<String, Diagnostic> {
    let fail = |message: String, help: &str| Diagnostic {
        level: crate::diag::Level::Error,
        file: shown.to_owned(),
        pos: None,
        message,
        help: Some(help.to_owned()),
        source_line: None,
    };
    // The size in the metadata is only a hint: pipes and devices such as /dev/zero report 0,
    // and a file can grow while it is read. The read itself stops one byte past the limit.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(reader, yaml::MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| {
        fail(
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    if bytes.len() as u64 > yaml::MAX_FILE_BYTES {
        return Err(fail(
            format!(
                "file is larger than {} bytes, the most gapcheck reads",
                yaml::MAX_FILE_BYTES
            ),
            "split the file, or check that this is the file you meant",
        ));
    }
    // `read_to_end` grows its buffer by doubling; a catalog's text is kept until it is
    // parsed, beside every other file's (issue 17).
    bytes.shrink_to_fit();
    String::from_utf8(bytes).map_err(|e| {
        let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        // Columns count characters, as in every other message; `before` is valid UTF-8.
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column =
            std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count()) as u32 + 1;
        let mut d = fail("file is not valid UTF-8".into(), "save the file as UTF-8");
        d.pos = Some(Pos::new(line, column));
        d
    })
}

/// The catalog files under `path`: the file itself, or every `*.yaml`/`*.yml` below a
/// directory, sorted. Links inside a directory are not followed (a loop cannot hang the
/// walk, and a catalog cannot be pulled in from elsewhere unseen); each is an error naming
/// it, so nothing is skipped silently. A link named directly with `-c` is followed.
pub(super) fn discover(path: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let error = |file: String, message: String, help: &str| Diagnostic {
        level: crate::diag::Level::Error,
        file,
        pos: None,
        message,
        help: Some(help.to_owned()),
        source_line: None,
    };
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) if e.path_is_symlink() && e.depth() > 0 => diags.push(error(
                e.path().display().to_string(),
                "is a symbolic link; gapcheck does not follow links inside a catalog directory"
                    .into(),
                "pass the link's target with its own `-c`, or copy the catalog into the directory",
            )),
            Ok(e) if e.file_type().is_file() => {
                let yaml = e
                    .path()
                    .extension()
                    .is_some_and(|x| x == "yaml" || x == "yml");
                // A catalog directory may also hold the capability vocabulary or
                // arrangements (a client repository often does); those are not catalogs.
                if yaml && !is_other_format(e.path()) {
                    out.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(e) => diags.push(error(
                e.path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| path.display().to_string()),
                format!("cannot read catalog directory: {e}"),
                "check the directory's permissions",
            )),
        }
    }
    out
}

/// Whether a file is the vocabulary (`capabilities:`) or an arrangement (`gapcheck:`), by its
/// top-level keys; `catalog:` or `controls:` wins (so a catalog is never skipped).
pub(super) fn is_other_format(path: &Path) -> bool {
    use std::io::{BufRead, BufReader, Read};
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let (mut other, mut catalog) = (false, false);
    let lines = BufReader::new(f.take(yaml::MAX_FILE_BYTES)).split(b'\n');
    for l in lines.map_while(Result::ok) {
        let l = l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&l);
        catalog |= l.starts_with(b"catalog:") || l.starts_with(b"controls:");
        other |= l.starts_with(b"capabilities:") || l.starts_with(b"gapcheck:");
    }
    other && !catalog
}

pub(super) fn read_file(
    path: &str,
    text: &str,
    builtin: bool,
    vocab: &Vocabulary,
    diags: &mut Vec<Diagnostic>,
) -> Option<CatalogFile> {
    let mut sink = Sink::new(path, text);
    let root = yaml::parse(text, &mut sink);
    read_root(sink, root.as_ref(), path, text, builtin, vocab, diags)
}

/// [`read_file`] for a file whose tree is already parsed (`text` is what it was parsed
/// from: the digest and diagnostics' source lines come from it).
pub(super) fn read_tree(
    path: &str,
    text: &str,
    root: &Node,
    vocab: &Vocabulary,
    diags: &mut Vec<Diagnostic>,
) -> Option<CatalogFile> {
    let sink = Sink::new(path, text);
    read_root(sink, Some(root), path, text, false, vocab, diags)
}

fn read_root(
    mut sink: Sink,
    root: Option<&Node>,
    path: &str,
    text: &str,
    builtin: bool,
    vocab: &Vocabulary,
    diags: &mut Vec<Diagnostic>,
) -> Option<CatalogFile> {
    let file = root
        .and_then(|root| parse_catalog(&mut sink, root, vocab))
        .map(|(header, controls)| CatalogFile {
            header,
            controls,
            path: path.to_owned(),
            sha256: crate::sha256_hex(text.as_bytes()),
            builtin,
        });
    let failed = sink.has_errors();
    diags.extend(sink.diagnostics);
    file.filter(|_| !failed)
}
