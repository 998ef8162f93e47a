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
#[path = "catalog/files.rs"]
mod files;
#[path = "catalog/merge.rs"]
mod merge;
#[path = "catalog/parse.rs"]
mod parse;

use files::*;
pub use files::{compile_builtin, read_reader, read_text};
use merge::merge;
use parse::*;
pub use parse::{read_props, read_requirement, valid_catalog_id};

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

/// A control's props, sorted by key. Most controls have two or three, so one small vector
/// holds them where a `BTreeMap` allocated a node of eleven entries per control (a third of
/// a 100,000-control catalog's memory, issue 17). Reads as a map: keys are unique, and
/// the last of equal keys wins.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Props(Vec<(String, Prop)>);

impl Props {
    pub fn get(&self, key: &str) -> Option<&Prop> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    pub fn insert(&mut self, key: String, value: Prop) {
        match self.find(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Prop)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl FromIterator<(String, Prop)> for Props {
    fn from_iter<I: IntoIterator<Item = (String, Prop)>>(iter: I) -> Self {
        let mut props = Props::default();
        for (k, v) in iter {
            props.insert(k, v);
        }
        props.0.shrink_to_fit();
        props
    }
}

impl<'a> IntoIterator for &'a Props {
    type Item = (&'a String, &'a Prop);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Prop)>,
        fn(&'a (String, Prop)) -> (&'a String, &'a Prop),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl std::fmt::Debug for Props {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Props {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub group: Option<String>,
    pub citation: String,
    pub statement: String,
    pub severity: Severity,
    pub props: Props,
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
    /// Shared by every control of one file (a copy each was 8 MB of 100,000 controls).
    pub file: std::sync::Arc<str>,
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
        let vocabulary = Vocabulary::builtin();
        let mut diags = Vec::new();
        let user = load_user_files(paths, &[], &vocabulary, &mut diags);
        let prebuilt = if builtin {
            compiled::decode(BUILTIN_COMPILED, |_| true)
        } else {
            BTreeMap::new()
        };
        Self::merged(vocabulary, prebuilt, user.files, diags)
    }

    /// Like [`Registry::load`] with one more catalog given as text rather than a path, so a
    /// generated catalog (an OSCAL import) is validated before it is written anywhere.
    pub fn load_text(builtin: bool, path: &str, text: &str) -> Result<Registry, LoadErrors> {
        Self::load_sources(
            builtin,
            vec![(path.to_owned(), text.to_owned())],
            Vec::new(),
        )
    }

    /// Like [`Registry::load_text`] for a catalog whose tree is already built (an OSCAL
    /// import builds it while writing `text`): the same validation without parsing `text`
    /// again. `root` must be what [`yaml::parse`] makes of `text`. As in
    /// [`Registry::load_for`], only built-ins whose id occurs in `text` are decoded: a
    /// catalog can clash with, extend or relate to a built-in only by writing its id.
    pub fn load_tree(
        builtin: bool,
        path: &str,
        text: &str,
        root: &Node,
    ) -> Result<Registry, LoadErrors> {
        let prebuilt = if builtin {
            compiled::decode(BUILTIN_COMPILED, |id| text.contains(id))
        } else {
            BTreeMap::new()
        };
        let vocabulary = Vocabulary::builtin();
        let mut diags = Vec::new();
        let files = read_tree(path, text, root, &vocabulary, &mut diags);
        Self::merged(vocabulary, prebuilt, files.into_iter().collect(), diags)
    }

    /// Decodes the built-in catalogs (validated when the binary was built) and parses the
    /// user catalog texts on every core (each file is independent; results keep their order,
    /// so merging and diagnostics stay deterministic), then merges.
    fn load_sources(
        builtin: bool,
        user: Vec<(String, String)>,
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
        let vocabulary = Vocabulary::builtin();
        let mut diags = Vec::new();
        let records = if builtin {
            compiled::records(BUILTIN_COMPILED)
        } else {
            Vec::new()
        };
        // The workers note which built-in ids each text contains while they hold it; a
        // text is gone once parsed.
        let scan: Vec<&str> = records.iter().map(|r| r.id).collect();
        let user = load_user_files(paths, &scan, &vocabulary, &mut diags);
        if !builtin {
            return Self::merged(vocabulary, BTreeMap::new(), user.files, diags);
        }
        let named = |i: usize, id: &str| user.named[i] || mentions.contains(id);
        let mut prebuilt: BTreeMap<String, Catalog> = records
            .iter()
            .enumerate()
            .filter(|(i, r)| named(*i, r.id))
            .map(|(_, r)| r)
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
        let registry = Self::merged(vocabulary, prebuilt, user.files, diags)?;
        Ok(Registry {
            not_loaded,
            ..registry
        })
    }

    /// Parses the user catalog texts and merges them with the built-ins. The texts are
    /// dropped as soon as they are parsed and hashed, before merging needs room for every
    /// control (42 MB of text for 100,000 controls, issue 17).
    fn parse_user(
        prebuilt: BTreeMap<String, Catalog>,
        user: Vec<(String, String)>,
        mut diags: Vec<Diagnostic>,
    ) -> Result<Registry, LoadErrors> {
        let vocabulary = Vocabulary::builtin();
        let inputs: Vec<(&str, &str, bool)> = user
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str(), false))
            .collect();
        let files = Self::parse_files(&inputs, &vocabulary, &mut diags);
        drop(inputs);
        drop(user);
        Self::merged(vocabulary, prebuilt, files, diags)
    }

    /// Loads catalogs from their YAML text alone, built-in files included: how `build.rs`
    /// validates the built-in catalogs, and what tests compare the compiled form against.
    pub fn load_yaml(files: &[(&str, &str, bool)]) -> Result<Registry, LoadErrors> {
        let vocabulary = Vocabulary::builtin();
        let mut diags = Vec::new();
        let parsed = Self::parse_files(files, &vocabulary, &mut diags);
        Self::merged(vocabulary, BTreeMap::new(), parsed, diags)
    }

    /// Parses catalog files on every core; results and diagnostics keep the files' order.
    fn parse_files(
        inputs: &[(&str, &str, bool)],
        vocabulary: &Vocabulary,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<CatalogFile> {
        let parsed = crate::parallel::map(
            inputs,
            crate::parallel::threads(),
            |(path, text, builtin)| {
                let mut d = Vec::new();
                let file = read_file(path, text, *builtin, vocabulary, &mut d);
                (file, d)
            },
        );
        let mut files = Vec::new();
        for (file, d) in parsed {
            diags.extend(d);
            files.extend(file);
        }
        files
    }

    fn merged(
        vocabulary: Vocabulary,
        prebuilt: BTreeMap<String, Catalog>,
        files: Vec<CatalogFile>,
        mut diags: Vec<Diagnostic>,
    ) -> Result<Registry, LoadErrors> {
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
