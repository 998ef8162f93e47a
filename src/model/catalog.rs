//! Control catalogs (DESIGN §4): loading, validation and the registry of everything loaded.
//! Built-in catalogs are embedded; users add files or directories with `-c`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::capability::{Cadence, CapabilityKind, Coverage, Duration, Vocabulary};
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Pos, Sink, choose_help};
use crate::keywords;
use crate::pattern::user_regex;
use crate::service::Model;
use crate::yaml::{self, Node, Value};

pub use crate::embedded::{BUILTIN_CATALOGS, BUILTIN_COMPILED};

// The built-ins' compiled form is this module's own serialization. The explicit path makes
// build.rs, which includes this file with `#[path]`, find it too.
#[path = "catalog/compiled.rs"]
pub mod compiled;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Moderate,
    High,
}
keywords!(Severity { Low => "low", Moderate => "moderate", High => "high" });

/// `catalog:control`, as written in attestations, exceptions and `related`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ControlRef {
    pub catalog: String,
    pub control: String,
}

impl std::fmt::Display for ControlRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.catalog, self.control)
    }
}

impl ControlRef {
    pub fn parse(s: &str) -> Option<Self> {
        let (catalog, control) = s.split_once(':')?;
        (!catalog.is_empty() && !control.is_empty()).then(|| ControlRef {
            catalog: catalog.into(),
            control: control.into(),
        })
    }
}

/// Who may own a capability for one requirement, overriding the default of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerRule {
    Internal,
    External,
    Any,
}
keywords!(OwnerRule { Internal => "internal", External => "external", Any => "any" });

/// One capability a control needs, with the strength it needs it at.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub capability: String,
    pub cadence: Option<Cadence>,
    pub coverage: Option<Coverage>,
    pub response: Option<Duration>,
    pub owner: Option<OwnerRule>,
    /// The work must be done by an independent party: not by a provider that operates the
    /// systems it assesses (CA-7(1) "independent assessors").
    pub independent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Leaf(Leaf),
    All(Vec<Requirement>),
    Any(Vec<Requirement>),
}

impl Requirement {
    /// Whether the requirement can be met given which capabilities are available at all.
    pub fn satisfiable(&self, available: &dyn Fn(&Leaf) -> bool) -> bool {
        match self {
            Requirement::Leaf(l) => available(l),
            Requirement::All(v) => v.iter().all(|r| r.satisfiable(available)),
            Requirement::Any(v) => v.iter().any(|r| r.satisfiable(available)),
        }
    }

    /// Every leaf, in order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Requirement::Leaf(l) => out.push(l),
            Requirement::All(v) | Requirement::Any(v) => {
                v.iter().for_each(|r| r.collect_leaves(out))
            }
        }
    }
}

/// Facts about the organization that make a control apply at all (an extension to DESIGN
/// §4: service-model controls such as round-the-clock monitoring only apply when after-hours
/// coverage is required).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Condition {
    pub models: Option<Vec<Model>>,
    pub after_hours_required: Option<bool>,
    /// Applicability facts the organization must declare (`organization.facts`) for the
    /// control to apply, e.g. HIPAA's group-health-plan implementation specifications.
    pub facts: Vec<String>,
}

/// A framework-specific fact about a control (required/addressable, SPRS points ...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Prop {
    Bool(bool),
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub group: Option<String>,
    pub citation: String,
    pub statement: String,
    pub severity: Severity,
    pub props: BTreeMap<String, Prop>,
    pub profiles: Vec<String>,
    pub requires: Option<Requirement>,
    pub when: Option<Condition>,
    pub guidance: Option<String>,
    /// Why `requires` asks for these capabilities and thresholds, quoting the control's own
    /// words ("SI-4(2): 'near real-time analysis' -> continuous"). A mapping is a claim an
    /// auditor must be able to check, so it carries its reason with it.
    pub rationale: Option<String>,
    pub related: Vec<ControlRef>,
    /// Static: the control *needs ongoing work*: its requirement cannot be met when every
    /// ongoing capability is unavailable (a break-fix vendor alone can never deliver it).
    /// Who does that work is a property of the arrangement: `Finding::ongoing_work`.
    pub break_fix_incompatible: bool,
    pub file: String,
    pub pos: Pos,
}

impl Control {
    pub fn in_profile(&self, profile: Option<&str>) -> bool {
        match profile {
            None => true,
            Some(p) => self.profiles.is_empty() || self.profiles.iter().any(|x| x == p),
        }
    }

    pub fn prop_int(&self, key: &str) -> Option<i64> {
        match self.props.get(key) {
            Some(Prop::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn prop_bool(&self, key: &str) -> Option<bool> {
        match self.props.get(key) {
            Some(Prop::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

/// A file a catalog was read from, hashed so reports can prove which text was used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFile {
    pub path: String,
    pub sha256: String,
    pub builtin: bool,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub id: String,
    pub title: String,
    pub authority: Option<String>,
    pub source: Option<String>,
    pub version: Option<String>,
    pub url: Option<String>,
    pub notes: Option<String>,
    pub id_pattern: Option<IdPattern>,
    pub profiles: BTreeMap<String, String>,
    /// An arrangement selecting this catalog must name one of its profiles (CMMC: a level;
    /// without one every level would be checked at once).
    pub profile_required: bool,
    /// Applicability facts its controls' `when` may test: name -> what the organization
    /// declares by naming it.
    pub facts: BTreeMap<String, String>,
    pub controls: Vec<Control>,
    pub files: Vec<SourceFile>,
    pub pos: Pos,
}

impl Catalog {
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// One digest over every file the catalog came from, in load order.
    pub fn sha256(&self) -> String {
        if let [only] = self.files.as_slice() {
            return only.sha256.clone();
        }
        let joined: Vec<&str> = self.files.iter().map(|f| f.sha256.as_str()).collect();
        crate::sha256_hex(joined.join("\n").as_bytes())
    }
}

/// A catalog's control-id regex. A built-in catalog's controls were checked against it when
/// the binary was built, so its regex is compiled only if a user file extends the catalog.
#[derive(Clone)]
pub struct IdPattern {
    source: String,
    regex: std::sync::OnceLock<Regex>,
}

impl IdPattern {
    pub fn compiled(regex: Regex) -> Self {
        let source = regex.as_str().to_owned();
        IdPattern {
            source,
            regex: std::sync::OnceLock::from(regex),
        }
    }

    /// A pattern that compiled once already (at build time), compiled again on first use.
    pub fn lazy(source: String) -> Self {
        IdPattern {
            source,
            regex: std::sync::OnceLock::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, id: &str) -> bool {
        self.regex
            .get_or_init(|| {
                Regex::new(&self.source).expect("a built-in id_pattern compiled at build time")
            })
            .is_match(id)
    }
}

impl std::fmt::Debug for IdPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdPattern({:?})", self.source)
    }
}

/// Everything a run has loaded: the vocabulary and the catalogs by id.
#[derive(Debug, Clone)]
pub struct Registry {
    pub vocabulary: Vocabulary,
    pub catalogs: BTreeMap<String, Catalog>,
    /// Non-fatal problems found while loading (shown, never fatal).
    pub warnings: Vec<Diagnostic>,
    /// Built-in catalogs a check left undecoded because its inputs never name them
    /// ([`Registry::load_for`]), with their facts: they still count for [`Registry::ids`]
    /// ("did you mean") and [`Registry::facts`], so messages and accepted facts do not
    /// depend on what was loaded.
    not_loaded: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

/// Why loading failed: every error of every file, together.
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) in catalog files", .0.len())]
pub struct LoadErrors(pub Vec<Diagnostic>);

/// One catalog file as read, before files are merged into catalogs.
struct CatalogFile {
    header: Header,
    controls: Vec<Control>,
    path: String,
    sha256: String,
    builtin: bool,
}

enum Header {
    New(Box<Catalog>),
    Extends { id: String, pos: Pos },
}

impl Registry {
    /// Loads the built-in catalogs (unless `builtin` is false) and every catalog file under
    /// `paths`. Errors from all files come back together.
    pub fn load(builtin: bool, paths: &[PathBuf]) -> Result<Registry, LoadErrors> {
        let mut diags = Vec::new();
        let sources = read_sources(paths, &mut diags);
        Self::load_sources(builtin, &sources, diags)
    }

    /// Like [`Registry::load`] with one more catalog given as text rather than a path, so a
    /// generated catalog (an OSCAL import) is validated before it is written anywhere.
    pub fn load_text(builtin: bool, path: &str, text: &str) -> Result<Registry, LoadErrors> {
        Self::load_sources(builtin, &[(path.to_owned(), text.to_owned())], Vec::new())
    }

    /// Decodes the built-in catalogs (validated when the binary was built) and parses the
    /// user catalog texts on every core (each file is independent; results keep their order,
    /// so merging and diagnostics stay deterministic), then merges.
    fn load_sources(
        builtin: bool,
        user: &[(String, String)],
        diags: Vec<Diagnostic>,
    ) -> Result<Registry, LoadErrors> {
        let prebuilt = if builtin {
            compiled::decode(BUILTIN_COMPILED, |_| true)
        } else {
            BTreeMap::new()
        };
        Self::parse_user(prebuilt, user, diags)
    }

    /// Like [`Registry::load`] for one check: decodes only the built-in catalogs whose id
    /// occurs in `mentions` (the arrangement's text) or in a user catalog file, and those
    /// their controls relate to. A catalog an arrangement selects, extends, relates to or
    /// names in an exception or attestation is written out by id, so the textual test can
    /// only load too much, never too little.
    pub fn load_for(
        builtin: bool,
        paths: &[PathBuf],
        mentions: &str,
    ) -> Result<Registry, LoadErrors> {
        let mut diags = Vec::new();
        let user = read_sources(paths, &mut diags);
        if !builtin {
            return Self::parse_user(BTreeMap::new(), &user, diags);
        }
        let records = compiled::records(BUILTIN_COMPILED);
        let named = |id: &str| mentions.contains(id) || user.iter().any(|(_, t)| t.contains(id));
        let mut prebuilt: BTreeMap<String, Catalog> = records
            .iter()
            .filter(|r| named(r.id))
            .map(|r| (r.id.to_owned(), r.decode()))
            .collect();
        loop {
            let related: Vec<&compiled::Record> = records
                .iter()
                .filter(|r| !prebuilt.contains_key(r.id))
                .filter(|r| {
                    prebuilt.values().any(|c| {
                        c.controls
                            .iter()
                            .any(|c| c.related.iter().any(|x| x.catalog == r.id))
                    })
                })
                .collect();
            if related.is_empty() {
                break;
            }
            for r in related {
                prebuilt.insert(r.id.to_owned(), r.decode());
            }
        }
        let not_loaded = records
            .into_iter()
            .filter(|r| !prebuilt.contains_key(r.id))
            .map(|r| (r.id, r.facts))
            .collect();
        let registry = Self::parse_user(prebuilt, &user, diags)?;
        Ok(Registry {
            not_loaded,
            ..registry
        })
    }

    fn parse_user(
        prebuilt: BTreeMap<String, Catalog>,
        user: &[(String, String)],
        diags: Vec<Diagnostic>,
    ) -> Result<Registry, LoadErrors> {
        let inputs: Vec<(&str, &str, bool)> = user
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str(), false))
            .collect();
        Self::parse_and_merge(prebuilt, &inputs, diags)
    }

    /// Loads catalogs from their YAML text alone, built-in files included: how `build.rs`
    /// validates the built-in catalogs, and what tests compare the compiled form against.
    pub fn load_yaml(files: &[(&str, &str, bool)]) -> Result<Registry, LoadErrors> {
        Self::parse_and_merge(BTreeMap::new(), files, Vec::new())
    }

    fn parse_and_merge(
        prebuilt: BTreeMap<String, Catalog>,
        inputs: &[(&str, &str, bool)],
        mut diags: Vec<Diagnostic>,
    ) -> Result<Registry, LoadErrors> {
        let vocabulary = Vocabulary::builtin();
        let parsed = crate::parallel::map(
            inputs,
            crate::parallel::threads(),
            |(path, text, builtin)| {
                let mut d = Vec::new();
                let file = read_file(path, text, *builtin, &vocabulary, &mut d);
                (file, d)
            },
        );
        let mut files = Vec::new();
        for (file, d) in parsed {
            diags.extend(d);
            files.extend(file);
        }
        let registry = merge(vocabulary, prebuilt, files, &mut diags);
        if diags.iter().any(|d| d.level == crate::diag::Level::Error) {
            Err(LoadErrors(diags))
        } else {
            Ok(Registry {
                warnings: diags,
                ..registry
            })
        }
    }

    pub fn get(&self, id: &str) -> Option<&Catalog> {
        self.catalogs.get(id)
    }

    /// Every catalog id, sorted: the loaded ones and built-in ones a check did not need.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.catalogs.keys().map(String::as_str).collect();
        if !self.not_loaded.is_empty() {
            ids.extend(self.not_loaded.iter().map(|(id, _)| *id));
            ids.sort_unstable();
        }
        ids
    }

    pub fn control(&self, r: &ControlRef) -> Option<&Control> {
        self.get(&r.catalog)?.control(&r.control)
    }

    /// Every applicability fact the loaded catalogs declare, with its description.
    pub fn facts(&self) -> BTreeMap<&str, &str> {
        // In catalog id order, loaded or not, so a fact two catalogs declare has the same
        // description whatever was loaded.
        let mut by_catalog: Vec<(&str, Vec<(&str, &str)>)> = self
            .catalogs
            .values()
            .map(|c| {
                let f = c.facts.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                (c.id.as_str(), f.collect())
            })
            .collect();
        by_catalog.extend(self.not_loaded.iter().map(|(id, f)| (*id, f.clone())));
        by_catalog.sort_by_key(|(id, _)| *id);
        by_catalog.into_iter().flat_map(|(_, f)| f).collect()
    }
}

/// The text of every catalog file under `paths`, in order; unreadable files become errors.
fn read_sources(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
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
fn discover(path: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
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
fn is_other_format(path: &Path) -> bool {
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

fn read_file(
    path: &str,
    text: &str,
    builtin: bool,
    vocab: &Vocabulary,
    diags: &mut Vec<Diagnostic>,
) -> Option<CatalogFile> {
    let mut sink = Sink::new(path, text);
    let file = yaml::parse(text, &mut sink)
        .and_then(|root| parse_catalog(&mut sink, &root, vocab))
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

const HEADER_KEYS: &[&str] = &[
    "id",
    "extends",
    "title",
    "authority",
    "source",
    "version",
    "url",
    "id_pattern",
    "profiles",
    "profile_required",
    "facts",
    "notes",
];
const CONTROL_KEYS: &[&str] = &[
    "id",
    "title",
    "group",
    "citation",
    "statement",
    "severity",
    "props",
    "profiles",
    "requires",
    "when",
    "guidance",
    "rationale",
    "related",
];

/// Catalog ids are lower-case letters, digits, `-` and `.`, starting with a letter or digit:
/// a framework's version is part of its name (`nist-csf-2.0`), and none of these characters
/// needs quoting in YAML, a `catalog:control` reference, a regex-free `--select` or a file name.
pub fn valid_catalog_id(id: &str) -> bool {
    id.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

fn parse_catalog(
    sink: &mut Sink,
    root: &Node,
    vocab: &Vocabulary,
) -> Option<(Header, Vec<Control>)> {
    let top = Fields::new(sink, root, "the catalog file", &["catalog", "controls"])?;
    if root.get("gapcheck").is_some() {
        sink.error(
            root.pos,
            "this looks like an arrangement, not a catalog",
            Some("pass arrangements to `gapcheck check`, catalogs to `-c`".into()),
        );
        return None;
    }
    let h = top.require(
        sink,
        "catalog",
        "the catalog file",
        "{id: my-catalog, title: ...}",
    )?;
    let hf = Fields::new(sink, h, "the catalog header", HEADER_KEYS)?;
    let text = |sink: &mut Sink, key: &str| {
        hf.get(key)
            .and_then(|n| decode::string(sink, n, &format!("`{key}`")))
    };

    let header = if let Some(ext) = hf.get("extends") {
        for key in [
            "id",
            "title",
            "id_pattern",
            "profiles",
            "profile_required",
            "facts",
            "authority",
        ] {
            if let Some(p) = hf.key_pos(key) {
                sink.error(
                    p,
                    format!("`{key}` cannot be set in a catalog that `extends` another"),
                    Some("remove it: the extended catalog's header applies".into()),
                );
            }
        }
        Header::Extends {
            id: decode::string(sink, ext, "`extends`")?,
            pos: ext.pos,
        }
    } else {
        let id_node = hf.require(sink, "id", "the catalog header", "my-catalog")?;
        let id = decode::string(sink, id_node, "catalog id")?;
        if !valid_catalog_id(&id) {
            sink.error(
                id_node.pos,
                format!("invalid catalog id `{id}`"),
                Some(
                    "use lower-case letters, digits, `-` and `.` (not first), e.g. `acme-policies`"
                        .into(),
                ),
            );
        }
        let title = hf
            .require(sink, "title", "the catalog header", "My Catalog")
            .and_then(|n| decode::string(sink, n, "`title`"));
        let id_pattern = hf
            .get("id_pattern")
            .and_then(|n| user_regex(sink, n, "`id_pattern`"))
            .map(IdPattern::compiled);
        let mut profiles = BTreeMap::new();
        if let Some(p) = hf.get("profiles") {
            match p.as_map() {
                Some(entries) => {
                    for (k, v) in entries {
                        let desc = if v.value == Value::Null {
                            String::new()
                        } else {
                            decode::string(sink, v, "profile description").unwrap_or_default()
                        };
                        profiles.insert(k.name.clone(), desc);
                    }
                }
                None => decode::type_error(
                    sink,
                    p,
                    "`profiles` must be a mapping of profile name to description",
                    "`name: description` entries, or `{}`",
                ),
            }
        }
        let mut facts = BTreeMap::new();
        if let Some(p) = hf.get("facts") {
            match p.as_map() {
                Some(entries) => {
                    for (k, v) in entries {
                        if !is_kebab(&k.name) {
                            sink.error(
                                k.pos,
                                format!("invalid fact name `{}`", k.name),
                                Some("use lower-case letters, digits and `-`, e.g. `group-health-plan`".into()),
                            );
                        }
                        let desc = decode::string(sink, v, "fact description").unwrap_or_default();
                        facts.insert(k.name.clone(), desc);
                    }
                }
                None => decode::type_error(
                    sink,
                    p,
                    "`facts` must be a mapping of fact name to what declaring it means",
                    "`name: description` entries",
                ),
            }
        }
        let profile_required = hf
            .get("profile_required")
            .and_then(|n| decode::boolean(sink, n, "`profile_required`"))
            .unwrap_or(false);
        if profile_required && profiles.is_empty() {
            sink.error(
                hf.key_pos("profile_required").unwrap_or(h.pos),
                "`profile_required` is set, but the catalog declares no profiles",
                Some("declare its profiles under `profiles:`, or remove `profile_required`".into()),
            );
        }
        Header::New(Box::new(Catalog {
            id,
            title: title.unwrap_or_default(),
            authority: text(sink, "authority"),
            source: text(sink, "source"),
            version: text(sink, "version"),
            url: text(sink, "url"),
            notes: text(sink, "notes"),
            id_pattern,
            profiles,
            profile_required,
            facts,
            controls: Vec::new(),
            files: Vec::new(),
            pos: h.pos,
        }))
    };

    let mut controls = Vec::new();
    if let Some(list) = top.require(sink, "controls", "the catalog file", "[...]") {
        for item in decode::list(sink, list, "`controls`") {
            if let Some(c) = parse_control(sink, item, vocab) {
                controls.push(c);
            }
        }
    }
    Some((header, controls))
}

fn parse_control(sink: &mut Sink, node: &Node, vocab: &Vocabulary) -> Option<Control> {
    // Name the control in messages about its keys when its id is readable.
    let named = match node.get("id").map(|n| &n.value) {
        Some(Value::Str(id)) => format!("control `{id}`"),
        _ => "a control".to_owned(),
    };
    let f = Fields::new(sink, node, &named, CONTROL_KEYS)?;
    let id = f
        .require(sink, "id", "a control", "AC-2")
        .and_then(|n| decode::string(sink, n, "control id"));
    let what = format!("control `{}`", id.as_deref().unwrap_or("?"));
    let title = f
        .require(sink, "title", &what, "Account Management")
        .and_then(|n| decode::string(sink, n, "`title`"));
    let citation = f
        .require(sink, "citation", &what, "the source paragraph")
        .and_then(|n| decode::string(sink, n, "`citation`"));
    let statement = f
        .require(sink, "statement", &what, "the requirement text")
        .and_then(|n| decode::string(sink, n, "`statement`"));
    let severity = f
        .require(sink, "severity", &what, "moderate")
        .and_then(|n| Severity::read(sink, n, "severity"));
    let group = f
        .get("group")
        .and_then(|n| decode::string(sink, n, "`group`"));
    let guidance = f
        .get("guidance")
        .and_then(|n| decode::string(sink, n, "`guidance`"));
    let rationale = f
        .get("rationale")
        .and_then(|n| decode::string(sink, n, "`rationale`"));
    let props = f
        .get("props")
        .map(|n| read_props(sink, n))
        .unwrap_or_default();
    let profiles = f
        .get("profiles")
        .map(|n| {
            decode::list(sink, n, "`profiles`")
                .iter()
                .filter_map(|p| decode::string(sink, p, "profile"))
                .collect()
        })
        .unwrap_or_default();
    let requires = f
        .get("requires")
        .and_then(|n| read_requirement(sink, n, vocab, 0));
    let when = f.get("when").and_then(|n| read_condition(sink, n));
    let related = f
        .get("related")
        .map(|n| {
            decode::list(sink, n, "`related`")
                .iter()
                .filter_map(|r| {
                    let s = decode::string(sink, r, "related control")?;
                    let parsed = ControlRef::parse(&s);
                    if parsed.is_none() {
                        sink.error(
                            r.pos,
                            format!("invalid related control `{s}`"),
                            Some("write `catalog:control`, e.g. `nist-800-53-conmon:AU-6`".into()),
                        );
                    }
                    parsed
                })
                .collect()
        })
        .unwrap_or_default();
    // A leaf with `owner: any` is open to per-engagement providers, so it does not count as
    // ongoing work here (the same rule as evaluate::is_ongoing_leaf).
    let break_fix_incompatible = requires.as_ref().is_some_and(|r| {
        !r.satisfiable(&|l: &Leaf| {
            l.owner == Some(OwnerRule::Any)
                || vocab
                    .get(&l.capability)
                    .is_some_and(|c| c.kind != CapabilityKind::Ongoing)
        })
    });
    Some(Control {
        id: id?,
        title: title?,
        group,
        citation: citation?,
        statement: statement?,
        severity: severity?,
        props,
        profiles,
        requires,
        when,
        guidance,
        rationale,
        related,
        break_fix_incompatible,
        file: sink.file().to_owned(),
        pos: node.pos,
    })
}

fn read_props(sink: &mut Sink, node: &Node) -> BTreeMap<String, Prop> {
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`props` must be a mapping",
            "`key: value` entries",
        );
        return out;
    };
    for (k, v) in entries {
        let prop = match &v.value {
            Value::Bool(b) => Prop::Bool(*b),
            Value::Int(i) => Prop::Int(*i),
            Value::Str(s) => Prop::Str(s.clone()),
            Value::Float(f) => Prop::Str(f.to_string()),
            _ => {
                decode::type_error(
                    sink,
                    v,
                    &format!("prop `{}` must be a single value", k.name),
                    "text, a whole number or true/false",
                );
                continue;
            }
        };
        out.insert(k.name.clone(), prop);
    }
    out
}

/// Requirement expressions nest; real ones are three or four levels deep.
const MAX_REQUIREMENT_DEPTH: usize = 16;

/// Reads one requirement expression (DESIGN §4). Public so other inputs that embed
/// requirements, such as the OSCAL import mapping, validate them exactly as catalogs do.
pub fn read_requirement(
    sink: &mut Sink,
    node: &Node,
    vocab: &Vocabulary,
    depth: usize,
) -> Option<Requirement> {
    if depth > MAX_REQUIREMENT_DEPTH {
        sink.error(
            node.pos,
            "requirement expression is nested too deeply",
            Some(format!(
                "use at most {MAX_REQUIREMENT_DEPTH} levels of `all`/`any`"
            )),
        );
        return None;
    }
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "a requirement must be a mapping",
            "`{capability: ...}`, `{all: [...]}` or `{any: [...]}`",
        );
        return None;
    };
    let has = |k: &str| entries.iter().any(|(key, _)| key.name == k);
    if has("all") || has("any") {
        let f = Fields::new(sink, node, "a requirement group", &["all", "any"])?;
        if has("all") && has("any") {
            sink.error(
                node.pos,
                "a requirement cannot have both `all` and `any`",
                Some("nest one inside the other: `all: [{any: [...]}, ...]`".into()),
            );
            return None;
        }
        let (key, items) = if has("all") {
            ("all", f.get("all"))
        } else {
            ("any", f.get("any"))
        };
        let Some(items) = items else {
            sink.error(
                node.pos,
                format!("`{key}` needs a list of requirements"),
                Some(format!("write `{key}: [{{capability: ...}}, ...]`")),
            );
            return None;
        };
        let list = decode::list(sink, items, &format!("`{key}`"));
        if list.is_empty() {
            sink.error(
                items.pos,
                format!("`{key}` is empty"),
                Some("list at least one requirement".into()),
            );
        }
        let children: Vec<Requirement> = list
            .iter()
            .filter_map(|c| read_requirement(sink, c, vocab, depth + 1))
            .collect();
        return Some(if key == "all" {
            Requirement::All(children)
        } else {
            Requirement::Any(children)
        });
    }
    let f = Fields::new(
        sink,
        node,
        "a requirement",
        &[
            "capability",
            "cadence",
            "coverage",
            "response",
            "owner",
            "independent",
        ],
    )?;
    let capability = f
        .require(sink, "capability", "a requirement", "log-review")
        .and_then(|n| vocab.read_id(sink, n));
    let cadence = f
        .get("cadence")
        .and_then(|n| Cadence::read(sink, n, "cadence"));
    let coverage = f
        .get("coverage")
        .and_then(|n| Coverage::read(sink, n, "coverage"));
    let response = f
        .get("response")
        .and_then(|n| Duration::read(sink, n, "response time"));
    let owner = f
        .get("owner")
        .and_then(|n| OwnerRule::read(sink, n, "owner rule"));
    let independent = f
        .get("independent")
        .and_then(|n| decode::boolean(sink, n, "`independent`"))
        .unwrap_or(false);
    Some(Requirement::Leaf(Leaf {
        capability: capability?,
        cadence,
        coverage,
        response,
        owner,
        independent,
    }))
}

fn read_condition(sink: &mut Sink, node: &Node) -> Option<Condition> {
    let f = Fields::new(
        sink,
        node,
        "`when`",
        &["model", "after_hours_required", "facts"],
    )?;
    let models = f.get("model").map(|n| {
        decode::one_or_many(n)
            .iter()
            .filter_map(|m| Model::read(sink, m, "model"))
            .collect()
    });
    let after_hours_required = f
        .get("after_hours_required")
        .and_then(|n| decode::boolean(sink, n, "`after_hours_required`"));
    let facts = f
        .get("facts")
        .map(|n| {
            decode::one_or_many(n)
                .iter()
                .filter_map(|x| decode::string(sink, x, "fact"))
                .collect()
        })
        .unwrap_or_default();
    Some(Condition {
        models,
        after_hours_required,
        facts,
    })
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Joins the files into catalogs and checks what spans files: unique catalog ids, `extends`
/// targets, unique control ids, id patterns, profiles and related references. `prebuilt`
/// catalogs were merged and checked when the binary was built: only controls added here
/// are checked (against them, too).
fn merge(
    vocabulary: Vocabulary,
    mut catalogs: BTreeMap<String, Catalog>,
    files: Vec<CatalogFile>,
    diags: &mut Vec<Diagnostic>,
) -> Registry {
    // How many leading controls of each catalog were checked already.
    let checked: BTreeMap<String, usize> = catalogs
        .iter()
        .map(|(id, c)| (id.clone(), c.controls.len()))
        .collect();
    let skip = |id: &str| checked.get(id).copied().unwrap_or(0);
    let mut extensions = Vec::new();
    let err = |diags: &mut Vec<Diagnostic>, file: &str, pos: Pos, message: String, help: String| {
        diags.push(Diagnostic {
            level: crate::diag::Level::Error,
            file: file.to_owned(),
            pos: Some(pos),
            message,
            help: Some(help),
            source_line: None,
        });
    };
    for file in files {
        let source = SourceFile {
            path: file.path.clone(),
            sha256: file.sha256.clone(),
            builtin: file.builtin,
        };
        match file.header {
            Header::New(mut cat) => {
                if let Some(existing) = catalogs.get(&cat.id) {
                    err(
                        diags,
                        &file.path,
                        cat.pos,
                        format!(
                            "catalog id `{}` is already defined in {}",
                            cat.id, existing.files[0].path
                        ),
                        if existing.files[0].builtin {
                            format!(
                                "give this catalog another id, write `extends: {}` to add controls to the built-in one, or pass `--no-builtin` to use this file instead",
                                cat.id
                            )
                        } else {
                            format!(
                                "give this catalog another id, or write `extends: {}` to add controls to it",
                                cat.id
                            )
                        },
                    );
                    continue;
                }
                cat.files.push(source);
                cat.controls = file.controls;
                catalogs.insert(cat.id.clone(), *cat);
            }
            Header::Extends { id, pos } => extensions.push((id, pos, source, file.controls)),
        }
    }
    for (id, pos, source, controls) in extensions {
        let Some(cat) = catalogs.get_mut(&id) else {
            let ids: Vec<&str> = catalogs.keys().map(String::as_str).collect();
            err(
                diags,
                &source.path,
                pos,
                format!("`extends: {id}` names no loaded catalog"),
                choose_help(&id, &ids),
            );
            continue;
        };
        cat.files.push(source);
        cat.controls.extend(controls);
    }
    for cat in catalogs.values() {
        let mut seen: BTreeMap<&str, &Control> = BTreeMap::new();
        let skip = skip(&cat.id);
        for (i, c) in cat.controls.iter().enumerate() {
            if let Some(first) = seen.insert(c.id.as_str(), c) {
                err(
                    diags,
                    &c.file,
                    c.pos,
                    format!("duplicate control id `{}` in catalog `{}`", c.id, cat.id),
                    format!(
                        "it is already defined at {}:{}:{}; remove or rename one",
                        first.file, first.pos.line, first.pos.column
                    ),
                );
            }
            if i < skip {
                continue;
            }
            if let Some(re) = &cat.id_pattern
                && !re.is_match(&c.id)
            {
                err(
                    diags,
                    &c.file,
                    c.pos,
                    format!(
                        "control id `{}` does not match the catalog's id_pattern `{}`",
                        c.id,
                        re.as_str()
                    ),
                    "use the official id format of this catalog, or fix `id_pattern`".into(),
                );
            }
            for fact in c.when.iter().flat_map(|w| &w.facts) {
                if !cat.facts.contains_key(fact) {
                    let names: Vec<&str> = cat.facts.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        format!(
                            "declare it in the catalog header: `facts: {{{fact}: what declaring it means}}`"
                        )
                    } else {
                        choose_help(fact, &names)
                    };
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!("control `{}` tests undeclared fact `{fact}`", c.id),
                        help,
                    );
                }
            }
            for p in &c.profiles {
                if !cat.profiles.contains_key(p) {
                    let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        "declare it under the header's `profiles:`".to_owned()
                    } else {
                        choose_help(p, &names)
                    };
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!("control `{}` names undeclared profile `{p}`", c.id),
                        help,
                    );
                }
            }
        }
    }
    for cat in catalogs.values() {
        for c in &cat.controls[skip(&cat.id)..] {
            for r in &c.related {
                if let Some(target) = catalogs.get(&r.catalog)
                    && target.control(&r.control).is_none()
                {
                    let ids: Vec<&str> = target.controls.iter().map(|c| c.id.as_str()).collect();
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!(
                            "control `{}` is related to `{r}`, which does not exist",
                            c.id
                        ),
                        choose_help(&r.control, &ids),
                    );
                }
            }
        }
    }
    Registry {
        vocabulary,
        catalogs,
        warnings: Vec::new(),
        not_loaded: Vec::new(),
    }
}
