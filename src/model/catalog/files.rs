//! Catalog files: discovery in -c directories, reading with the size budget, the built-ins
//! compiled at build time.

use super::*;

/// The user catalog files under `paths`, each read, scanned and parsed on a worker and its
/// text dropped there once parsed and hashed: the texts are never all held at once, and
/// reading them (page faults on fresh memory, most of it) runs on every core (issue 17).
/// Diagnostics come in the order one thread reading every file and then parsing every
/// file gave: each `-c` path's discovery and read errors, then every file's parse errors.
pub(super) struct UserFiles {
    pub(super) files: Vec<CatalogFile>,
    /// For each id of `scan`: whether some readable user file's text contains it.
    pub(super) named: Vec<bool>,
}

/// What a worker made of one discovered file.
enum Loaded {
    /// A vocabulary or arrangement inside a catalog directory: not a catalog.
    Skipped,
    Unreadable(Diagnostic),
    Parsed {
        file: Option<CatalogFile>,
        diags: Vec<Diagnostic>,
        named: Vec<bool>,
    },
}

/// Reads and parses every catalog file under `paths` (see [`UserFiles`]); `scan` are the
/// ids whose occurrence in the texts the caller needs to know.
pub(super) fn load_user_files(
    paths: &[PathBuf],
    scan: &[&str],
    vocab: &Vocabulary,
    diags: &mut Vec<Diagnostic>,
) -> UserFiles {
    // Discovery per `-c` path: its walk's diagnostics and its files (whether found in a
    // directory, where vocabularies and arrangements are skipped).
    let mut groups: Vec<(Vec<Diagnostic>, usize)> = Vec::new();
    let mut found: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        let mut walk = Vec::new();
        let in_dir = path.is_dir();
        let files = discover(path, &mut walk);
        groups.push((walk, files.len()));
        found.extend(files.into_iter().map(|f| (f, in_dir)));
    }
    let loaded = crate::parallel::map(&found, crate::parallel::threads(), |(file, in_dir)| {
        load_one(file, *in_dir, scan, vocab)
    });
    // With one worker the map ran on this thread, which keeps its buffer otherwise.
    TEXT.with_borrow_mut(std::mem::take);
    let mut loaded = loaded.into_iter();
    let mut parsed = Vec::new();
    for (walk, n) in groups {
        diags.extend(walk);
        for l in loaded.by_ref().take(n) {
            match l {
                Loaded::Skipped => {}
                Loaded::Unreadable(d) => diags.push(d),
                Loaded::Parsed { file, diags, named } => parsed.push((file, diags, named)),
            }
        }
    }
    let mut out = UserFiles {
        files: Vec::with_capacity(parsed.len()),
        named: vec![false; scan.len()],
    };
    for (file, d, named) in parsed {
        diags.extend(d);
        out.files.extend(file);
        for (all, this) in out.named.iter_mut().zip(named) {
            *all |= this;
        }
    }
    out
}

thread_local! {
    /// Each worker's text buffer, kept from file to file ([`read_text_into`]).
    static TEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One file, on a worker: read under the size budget, skipped if it is not a catalog,
/// scanned for `scan`, parsed; its text is overwritten by the worker's next file.
fn load_one(file: &Path, in_dir: bool, scan: &[&str], vocab: &Vocabulary) -> Loaded {
    TEXT.with_borrow_mut(|buf| load_text(file, in_dir, scan, vocab, buf))
}

fn load_text(
    file: &Path,
    in_dir: bool,
    scan: &[&str],
    vocab: &Vocabulary,
    buf: &mut Vec<u8>,
) -> Loaded {
    let text = match read_text_into(file, buf) {
        Ok(text) => text,
        // Discovery used to look at a file before reading it: one it skips is skipped
        // whatever reading it would have said.
        Err(_) if in_dir && is_other_format(file) => return Loaded::Skipped,
        Err(d) => return Loaded::Unreadable(d),
    };
    if in_dir && is_other_text(text.as_bytes()) {
        return Loaded::Skipped;
    }
    let named = scan.iter().map(|id| text.contains(id)).collect();
    let mut diags = Vec::new();
    let shown = file.display().to_string();
    let file = read_file(&shown, text, false, vocab, &mut diags);
    Loaded::Parsed { file, diags, named }
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
    let (shown, file) = open_text(path)?;
    read_reader(&shown, file)
}

/// [`read_text`] into `buf`, which is reused from file to file: a worker reading catalog
/// after catalog touches the pages of one buffer, not fresh ones for every file (issue 17).
fn read_text_into<'b>(path: &Path, buf: &'b mut Vec<u8>) -> Result<&'b str, Diagnostic> {
    let (shown, file) = open_text(path)?;
    buf.clear();
    read_bytes(&shown, file, buf)?;
    std::str::from_utf8(buf).map_err(|e| not_utf8(&shown, buf, e))
}

fn failure(shown: &str, message: String, help: &str) -> Diagnostic {
    Diagnostic {
        level: crate::diag::Level::Error,
        file: shown.to_owned(),
        pos: None,
        message,
        help: Some(help.to_owned()),
        source_line: None,
    }
}

/// Opens a file to read as text once its metadata passed the size limit.
fn open_text(path: &Path) -> Result<(String, std::fs::File), Diagnostic> {
    let shown = path.display().to_string();
    let fail = |message: String, help: &str| failure(&shown, message, help);
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
    Ok((shown, file))
}

/// Reads UTF-8 text from a file or a pipe (`-` for stdin) under the same size limit as
/// [`read_text`]; `shown` names it in messages.
pub fn read_reader(shown: &str, reader: impl std::io::Read) -> Result<String, Diagnostic> {
    let mut bytes = Vec::new();
    read_bytes(shown, reader, &mut bytes)?;
    // `read_to_end` grows its buffer by doubling; a text may be kept a while.
    bytes.shrink_to_fit();
    String::from_utf8(bytes).map_err(|e| not_utf8(shown, e.as_bytes(), e.utf8_error()))
}

/// Appends what `reader` holds to `bytes`, refusing more than the size limit.
fn read_bytes(
    shown: &str,
    reader: impl std::io::Read,
    bytes: &mut Vec<u8>,
) -> Result<(), Diagnostic> {
    let fail = |message: String, help: &str| failure(shown, message, help);
    // The size in the metadata is only a hint: pipes and devices such as /dev/zero report 0,
    // and a file can grow while it is read. The read itself stops one byte past the limit.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(reader, yaml::MAX_FILE_BYTES + 1),
        bytes,
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
    Ok(())
}

/// The error for text that is not UTF-8, at the first invalid byte.
fn not_utf8(shown: &str, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let before = &bytes[..e.valid_up_to()];
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    // Columns count characters, as in every other message; `before` is valid UTF-8.
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column =
        std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count()) as u32 + 1;
    let mut d = failure(
        shown,
        "file is not valid UTF-8".into(),
        "save the file as UTF-8",
    );
    d.pos = Some(Pos::new(line, column));
    d
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
                // The worker that reads a file skips them ([`is_other_text`]).
                if yaml {
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
/// top-level keys; `catalog:` or `controls:` wins (so a catalog is never skipped). For a
/// file that cannot be read as a catalog (too large, not UTF-8): its first bytes decide.
pub(super) fn is_other_format(path: &Path) -> bool {
    use std::io::{BufRead, BufReader, Read};
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let (mut other, mut catalog) = (false, false);
    let lines = BufReader::new(f.take(yaml::MAX_FILE_BYTES)).split(b'\n');
    for l in lines.map_while(Result::ok) {
        other_line(&l, &mut other, &mut catalog);
    }
    other && !catalog
}

/// [`is_other_format`] of a file's whole text, as read.
pub(super) fn is_other_text(text: &[u8]) -> bool {
    let (mut other, mut catalog) = (false, false);
    for l in text.split(|b| *b == b'\n') {
        other_line(l, &mut other, &mut catalog);
    }
    other && !catalog
}

fn other_line(l: &[u8], other: &mut bool, catalog: &mut bool) {
    let l = l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l);
    *catalog |= l.starts_with(b"catalog:") || l.starts_with(b"controls:");
    *other |= l.starts_with(b"capabilities:") || l.starts_with(b"gapcheck:");
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
