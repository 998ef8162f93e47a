//! Importing an OSCAL catalog (JSON or YAML) as a gapcheck catalog (DESIGN §4), or the
//! controls an OSCAL profile selects from its catalog (NIST's SP 800-53B baselines).
//!
//! OSCAL is large; only the parts a gapcheck catalog carries are modelled, and everything
//! else is ignored, so catalogs from any OSCAL version with these fields import. Errors name
//! the OSCAL path of the offending value (`catalog.groups[3].controls[7].id`), because an
//! OSCAL file is usually minified JSON where a line number alone does not help.
//!
//! The output is YAML text, written by a small emitter that double-quotes every string: a
//! control title such as `No: see AC-2` or `yes` must come back as the same string, and
//! quoting everything is the one rule that is easy to prove correct.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::capability::Vocabulary;
use crate::catalog::{self, Severity};
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Level, Pos, Sink};
use crate::yaml::{self, Node, Value};

/// Why an import failed. Every variant says where: the OSCAL path, or the mapping file's
/// line and column.
#[derive(Debug, thiserror::Error)]
pub enum OscalError {
    /// The file could not be read (missing, too large, not UTF-8).
    #[error("{0}")]
    Read(Diagnostic),
    /// The file is not JSON/YAML, or a value has the wrong shape.
    #[error("{file}: {path}: {message}")]
    Parse {
        file: String,
        path: String,
        message: String,
        pos: Option<Pos>,
    },
    /// The file is well-formed OSCAL but cannot become a gapcheck catalog as it is.
    #[error("{file}: {path}: {message}")]
    Invalid {
        file: String,
        path: String,
        message: String,
    },
    /// The files given do not go together: a profile without its catalog, a catalog with
    /// `--catalog`, or a catalog that lacks controls the profile selects.
    #[error("{file}: {path}: {message}")]
    Pairing {
        file: String,
        path: String,
        message: String,
        help: String,
    },
    /// The `--map` file has errors (each located in that file).
    #[error("{} error(s) in the mapping file", .0.len())]
    Map(Vec<Diagnostic>),
}

impl OscalError {
    /// The error as diagnostics, so the command line prints it like every other input error.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let diag = |file: String, pos, message: String, help: &str| Diagnostic {
            level: Level::Error,
            file,
            pos,
            message,
            help: Some(help.to_owned()),
            source_line: None,
        };
        match self {
            OscalError::Read(d) => vec![d],
            OscalError::Parse {
                file,
                path,
                message,
                pos,
            } => vec![diag(
                file,
                pos,
                format!("{path}: {message}"),
                "check the file against the OSCAL catalog model",
            )],
            OscalError::Invalid {
                file,
                path,
                message,
            } => vec![diag(
                file,
                None,
                format!("{path}: {message}"),
                "fix the OSCAL file at this path",
            )],
            OscalError::Pairing {
                file,
                path,
                message,
                help,
            } => vec![diag(file, None, format!("{path}: {message}"), &help)],
            OscalError::Map(diags) => diags,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The OSCAL model: only what is used. Unknown fields are ignored on purpose.

/// An OSCAL document: a catalog, or a profile (a selection from a catalog, such as NIST's
/// SP 800-53B baselines).
#[derive(Debug, Deserialize)]
struct Document {
    #[serde(default)]
    catalog: Option<OscalCatalog>,
    #[serde(default)]
    profile: Option<OscalProfile>,
}

#[derive(Debug, Deserialize)]
struct OscalProfile {
    metadata: Metadata,
    #[serde(default)]
    imports: Vec<ProfileImport>,
    /// Parameter settings and alterations: not applied (the import says so).
    #[serde(default)]
    modify: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct ProfileImport {
    #[serde(default)]
    href: String,
    #[serde(rename = "include-all", default)]
    include_all: Option<serde::de::IgnoredAny>,
    #[serde(rename = "include-controls", default)]
    include_controls: Vec<Selector>,
    #[serde(rename = "exclude-controls", default)]
    exclude_controls: Vec<Selector>,
}

#[derive(Debug, Deserialize)]
struct Selector {
    #[serde(rename = "with-ids", default)]
    with_ids: Vec<String>,
    #[serde(default)]
    matching: Vec<serde::de::IgnoredAny>,
    #[serde(rename = "with-child-controls", default)]
    with_child_controls: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OscalCatalog {
    metadata: Metadata,
    #[serde(default)]
    params: Vec<Param>,
    #[serde(default)]
    controls: Vec<OscalControl>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    title: String,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Group {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    params: Vec<Param>,
    #[serde(default)]
    controls: Vec<OscalControl>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
struct OscalControl {
    id: String,
    title: String,
    #[serde(default)]
    params: Vec<Param>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    parts: Vec<Part>,
    #[serde(default)]
    controls: Vec<OscalControl>,
}

#[derive(Debug, Deserialize)]
struct Prop {
    name: String,
    value: String,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    ns: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Link {
    href: String,
    #[serde(default)]
    rel: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Param {
    id: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    select: Option<Select>,
}

#[derive(Debug, Deserialize)]
struct Select {
    #[serde(rename = "how-many", default)]
    how_many: Option<String>,
    #[serde(default)]
    choice: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Part {
    name: String,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    prose: Option<String>,
    #[serde(default)]
    parts: Vec<Part>,
}

/// An OSCAL label: the `label` prop in the default namespace without a class. NIST also
/// ships zero-padded (`AC-02`) and SP 800-53A labels under classes; those are not the
/// printed form.
fn label(props: &[Prop]) -> Option<&str> {
    let labels = || props.iter().filter(|p| p.name == "label" && p.ns.is_none());
    labels()
        .find(|p| p.class.is_none())
        .or_else(|| labels().next())
        .map(|p| p.value.as_str())
}

fn is_withdrawn(props: &[Prop]) -> bool {
    props
        .iter()
        .any(|p| p.name == "status" && p.value.eq_ignore_ascii_case("withdrawn"))
}

/// The printed form of an OSCAL id when a control carries no label: `ca-7.4` → `CA-7(4)`.
fn printed_id(oscal_id: &str) -> String {
    let mut parts = oscal_id.split('.');
    let base = parts.next().unwrap_or_default().to_ascii_uppercase();
    parts.fold(base, |mut out, p| {
        let _ = write!(out, "({p})");
        out
    })
}

// ---------------------------------------------------------------------------------------
// Reading.

/// Options for one import.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The catalog id to give the result; derived from the OSCAL title when absent.
    pub id: Option<String>,
}

/// An imported catalog, ready to write.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The catalog id in the YAML.
    pub id: String,
    /// The gapcheck catalog, as YAML text.
    pub yaml: String,
    /// How many controls (and enhancements) were imported.
    pub controls: usize,
    /// How many were skipped because OSCAL marks them withdrawn.
    pub withdrawn: usize,
    /// How many were left out because the mapping says `unmapped: omit` and no rule
    /// names them.
    pub omitted: usize,
    /// Mapping rules that matched no control (usually a typo in the mapping file).
    pub warnings: Vec<Diagnostic>,
}

/// Reads an OSCAL catalog file and, optionally, a mapping file, and imports them.
pub fn import_file(
    path: &Path,
    map: Option<&Path>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let (file, text) = read_oscal_text(path)?;
    let mapping = read_mapping_file(map)?;
    import_str(
        &file,
        &text,
        is_json(path, &text),
        mapping.as_ref(),
        options,
    )
}

fn read_mapping_file(map: Option<&Path>) -> Result<Option<Mapping>, OscalError> {
    let Some(m) = map else {
        return Ok(None);
    };
    let map_text = catalog::read_text(m).map_err(OscalError::Read)?;
    Mapping::parse(&m.display().to_string(), &map_text).map(Some)
}

/// Imports OSCAL catalog text. `file` only names the input in errors.
pub fn import_str(
    file: &str,
    text: &str,
    json: bool,
    mapping: Option<&Mapping>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let doc = parse(file, text, json)?;
    match (doc.catalog, doc.profile) {
        (Some(catalog), _) => convert(file, &catalog, &Source::Catalog, mapping, options),
        (None, Some(profile)) => Err(OscalError::Pairing {
            file: file.to_owned(),
            path: "profile".into(),
            message: format!(
                "this is an OSCAL profile (`{}`), a selection of controls from a catalog it does not contain",
                profile.metadata.title.trim()
            ),
            help: format!(
                "pass the catalog it selects from too: `gapcheck catalog import {file} --catalog CATALOG.json` (for NIST's SP 800-53B baselines, the SP 800-53 Rev 5 catalog)"
            ),
        }),
        (None, None) => Err(neither(file)),
    }
}

fn neither(file: &str) -> OscalError {
    OscalError::Invalid {
        file: file.to_owned(),
        path: "(document)".into(),
        message: "the file holds neither an OSCAL `catalog` nor a `profile`".into(),
    }
}

fn parse(file: &str, text: &str, json: bool) -> Result<Document, OscalError> {
    if json {
        parse_json(file, text)
    } else {
        parse_yaml(file, text)
    }
}

/// Whether a file is JSON, by its extension or else its first character.
fn is_json(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => true,
        Some("yaml" | "yml") => false,
        _ => text.trim_start().starts_with('{'),
    }
}

/// Reads an OSCAL file's text, refusing the XML form with a clear message.
fn read_oscal_text(path: &Path) -> Result<(String, String), OscalError> {
    let text = catalog::read_text(path).map_err(OscalError::Read)?;
    let file = path.display().to_string();
    if text.trim_start().starts_with('<') {
        return Err(OscalError::Parse {
            file,
            path: "(document)".into(),
            message: "this looks like OSCAL XML; gapcheck imports the JSON or YAML form \
                      (NIST publishes all three)"
                .into(),
            pos: Some(Pos::new(1, 1)),
        });
    }
    Ok((file, text))
}

/// Reads an OSCAL file of either kind.
fn read_document(path: &Path) -> Result<(String, Document), OscalError> {
    let (file, text) = read_oscal_text(path)?;
    let doc = parse(&file, &text, is_json(path, &text))?;
    Ok((file, doc))
}

/// Imports the controls an OSCAL profile selects from `catalog` (the catalog the profile
/// imports: NIST's baseline profiles name theirs by a back-matter link, which gapcheck does
/// not fetch). The selection is resolved by id — `include-all`, `include-controls` and
/// `exclude-controls` with `with-ids` (and `with-child-controls: yes`); the profile's title
/// and version name the result. `modify` (parameter settings, alterations) is not applied:
/// statements keep the catalog's parameter text, and a warning says so.
pub fn import_profile_file(
    profile: &Path,
    catalog: &Path,
    map: Option<&Path>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let (profile_file, profile_doc) = read_document(profile)?;
    let Some(prof) = profile_doc.profile else {
        return Err(match profile_doc.catalog {
            Some(_) => OscalError::Pairing {
                file: profile_file,
                path: "catalog".into(),
                message: "this file is an OSCAL catalog, and `--catalog` goes with a profile"
                    .into(),
                help: "import a catalog alone, without `--catalog`".into(),
            },
            None => neither(&profile_file),
        });
    };
    let (catalog_file, catalog_doc) = read_document(catalog)?;
    let Some(cat) = catalog_doc.catalog else {
        return Err(match catalog_doc.profile {
            Some(_) => OscalError::Pairing {
                file: catalog_file,
                path: "profile".into(),
                message: "`--catalog` names another OSCAL profile, not a catalog".into(),
                help: "pass the catalog the profile selects from; a profile of a profile is not resolved".into(),
            },
            None => neither(&catalog_file),
        });
    };
    let mapping = read_mapping_file(map)?;
    let selected = select(&profile_file, &prof, &catalog_file, &cat)?;
    let source = Source::Profile {
        metadata: &prof.metadata,
        selected: &selected,
    };
    let mut imported = convert(&catalog_file, &cat, &source, mapping.as_ref(), options)?;
    if prof.modify.is_some() {
        imported.warnings.push(Diagnostic {
            level: Level::Warning,
            file: profile_file,
            pos: None,
            message: "profile.modify: parameter settings and alterations are not applied; statements keep the catalog's parameter text".into(),
            help: Some("set organization-defined values in the catalog or the mapping's text if the report must show them".into()),
            source_line: None,
        });
    }
    Ok(imported)
}

/// Where the controls come from: a whole catalog, or a profile's selection from one.
enum Source<'p> {
    Catalog,
    Profile {
        metadata: &'p Metadata,
        selected: &'p HashSet<String>,
    },
}

/// Every control id of a catalog (enhancements included) with the ids of its children.
fn control_tree(cat: &OscalCatalog) -> HashMap<&str, Vec<&str>> {
    fn walk<'c>(controls: &'c [OscalControl], out: &mut HashMap<&'c str, Vec<&'c str>>) {
        for c in controls {
            out.insert(
                c.id.as_str(),
                c.controls.iter().map(|k| k.id.as_str()).collect(),
            );
            walk(&c.controls, out);
        }
    }
    fn groups<'c>(gs: &'c [Group], out: &mut HashMap<&'c str, Vec<&'c str>>) {
        for g in gs {
            walk(&g.controls, out);
            groups(&g.groups, out);
        }
    }
    let mut out = HashMap::new();
    walk(&cat.controls, &mut out);
    groups(&cat.groups, &mut out);
    out
}

/// The ids a profile selects from a catalog. Every id the profile names must be in the
/// catalog: one that is not means `--catalog` is not the catalog the profile imports.
fn select(
    profile_file: &str,
    prof: &OscalProfile,
    catalog_file: &str,
    cat: &OscalCatalog,
) -> Result<HashSet<String>, OscalError> {
    let invalid = |path: String, message: String| OscalError::Invalid {
        file: profile_file.to_owned(),
        path,
        message,
    };
    let [import] = prof.imports.as_slice() else {
        return Err(invalid(
            "profile.imports".into(),
            format!(
                "gapcheck resolves a profile that imports one catalog; this one imports {}",
                prof.imports.len()
            ),
        ));
    };
    let tree = control_tree(cat);
    let mut missing: Vec<String> = Vec::new();
    let mut resolve = |selectors: &[Selector], what: &str| -> Result<HashSet<String>, OscalError> {
        let mut ids = HashSet::new();
        for (i, sel) in selectors.iter().enumerate() {
            let here = format!("profile.imports[0].{what}[{i}]");
            if !sel.matching.is_empty() {
                return Err(invalid(
                    format!("{here}.matching"),
                    "selection by `matching` patterns is not supported; list the controls by `with-ids`".into(),
                ));
            }
            let children = sel.with_child_controls.as_deref() == Some("yes");
            for id in &sel.with_ids {
                if !tree.contains_key(id.as_str()) {
                    missing.push(id.clone());
                    continue;
                }
                let mut stack = vec![id.as_str()];
                while let Some(next) = stack.pop() {
                    ids.insert(next.to_owned());
                    if children {
                        stack.extend(tree.get(next).into_iter().flatten().copied());
                    }
                }
            }
        }
        Ok(ids)
    };
    let mut selected = if import.include_all.is_some() {
        tree.keys().map(|k| (*k).to_owned()).collect()
    } else {
        resolve(&import.include_controls, "include-controls")?
    };
    let excluded = resolve(&import.exclude_controls, "exclude-controls")?;
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        return Err(OscalError::Pairing {
            file: profile_file.to_owned(),
            path: "profile.imports[0]".into(),
            message: format!(
                "the profile selects {} control(s) that {catalog_file} does not have: {}{}",
                missing.len(),
                shown.join(", "),
                if missing.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                },
            ),
            help: format!(
                "pass the catalog the profile imports (its import names `{}`)",
                import.href
            ),
        });
    }
    selected.retain(|id| !excluded.contains(id));
    if selected.is_empty() {
        return Err(invalid(
            "profile.imports[0]".into(),
            "the profile selects no control: give `include-all` or `include-controls` with `with-ids`".into(),
        ));
    }
    Ok(selected)
}

fn parse_json(file: &str, text: &str) -> Result<Document, OscalError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let pos = (inner.line() > 0).then(|| {
            Pos::new(
                u32::try_from(inner.line()).unwrap_or(u32::MAX),
                u32::try_from(inner.column()).unwrap_or(u32::MAX),
            )
        });
        OscalError::Parse {
            file: file.to_owned(),
            path: path_text(e.path()),
            message: strip_json_position(&inner.to_string()),
            pos,
        }
    })?;
    de.end().map_err(|e| OscalError::Parse {
        file: file.to_owned(),
        path: "(end of file)".into(),
        message: strip_json_position(&e.to_string()),
        pos: Some(Pos::new(
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            u32::try_from(e.column()).unwrap_or(u32::MAX),
        )),
    })?;
    Ok(doc)
}

/// serde_json appends " at line L column C"; the position is printed in front already.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn parse_yaml(file: &str, text: &str) -> Result<Document, OscalError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut failed_at = None;
    let result =
        serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| {
            serde_path_to_error::deserialize(de).map_err(|e| {
                failed_at = Some(path_text(e.path()));
                e.into_inner()
            })
        });
    result.map_err(|e| {
        let pos = e
            .location()
            .map(|l| {
                Pos::new(
                    u32::try_from(l.line()).unwrap_or(u32::MAX),
                    u32::try_from(l.column()).unwrap_or(u32::MAX),
                )
            })
            .filter(|p| p.line > 0);
        OscalError::Parse {
            file: file.to_owned(),
            path: failed_at.unwrap_or_else(|| "(document)".into()),
            message: yaml::describe(&e).0,
            pos,
        }
    })
}

/// The path serde_path_to_error recorded, rooted at the document (`.` when the error is at
/// the top).
fn path_text(path: &serde_path_to_error::Path) -> String {
    let s = path.to_string();
    if s.is_empty() || s == "." {
        "(document)".to_owned()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Mapping file: `{rules: [{id|pattern, requires?, severity?}]}`, first match wins.

/// One mapping rule, validated.
#[derive(Debug)]
struct Rule {
    matcher: Matcher,
    requires: Option<Node>,
    severity: Option<Severity>,
    /// Why `requires` asks for what it asks, written into the control (a built-in catalog
    /// made by import needs one on every control, like a hand-written one).
    rationale: Option<String>,
    /// Extra framework facts for the control, written after the ones the import derives.
    props: Vec<(String, Node)>,
    pos: Pos,
}

#[derive(Debug)]
enum Matcher {
    Id(String),
    Pattern(Regex),
}

/// A validated `--map` file: which controls get which `requires` (and severity), the
/// catalog header to write, and whether controls no rule names are imported at all.
#[derive(Debug)]
pub struct Mapping {
    file: String,
    rules: Vec<Rule>,
    header: Vec<(&'static str, String)>,
    /// Whether a control that no rule matches is left out. An OSCAL catalog can hold more
    /// than the controls meant to be assessed (CSF 2.0 carries its categories as controls
    /// whose outcomes are stated by their subcategories), and a mapping that gives every
    /// assessed control its own rule is then the list of what to import.
    omit_unmapped: bool,
}

/// Header keys a mapping may set for the written catalog; the rest come from the OSCAL
/// metadata or are not set. `id` is the `--id` option.
const MAP_HEADER_KEYS: &[&str] = &[
    "title",
    "authority",
    "source",
    "version",
    "url",
    "id_pattern",
    "notes",
];

/// Props the import writes itself; a rule cannot set them.
const DERIVED_PROPS: &[&str] = &["oscal_id", "family", "enhancement"];

impl Mapping {
    /// Parses and validates a mapping file; requirement expressions are checked with the
    /// catalog loader's own rules, so errors point at the mapping file, not at the output.
    pub fn parse(file: &str, text: &str) -> Result<Mapping, OscalError> {
        let vocab = Vocabulary::builtin();
        let mut sink = Sink::new(file, text);
        let mut mapping = Mapping {
            file: file.to_owned(),
            rules: Vec::new(),
            header: Vec::new(),
            omit_unmapped: false,
        };
        if let Some(root) = yaml::parse(text, &mut sink) {
            read_mapping(&mut sink, &root, &vocab, &mut mapping);
        }
        if sink.has_errors() {
            return Err(OscalError::Map(sink.diagnostics));
        }
        Ok(mapping)
    }

    fn find(&self, id: &str) -> Option<(usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, r)| match &r.matcher {
                Matcher::Id(want) => want == id,
                Matcher::Pattern(re) => re.is_match(id),
            })
    }
}

fn read_mapping(sink: &mut Sink, root: &Node, vocab: &Vocabulary, mapping: &mut Mapping) {
    let Some(top) = Fields::new(
        sink,
        root,
        "the mapping file",
        &["catalog", "unmapped", "rules"],
    ) else {
        return;
    };
    if let Some(h) = top.get("catalog")
        && let Some(hf) = Fields::new(sink, h, "the mapping's `catalog`", MAP_HEADER_KEYS)
    {
        for key in MAP_HEADER_KEYS {
            if let Some(v) = hf
                .get(key)
                .and_then(|n| decode::string(sink, n, &format!("`{key}`")))
            {
                mapping.header.push((key, v));
            }
        }
    }
    if let Some(u) = top.get("unmapped") {
        match decode::string(sink, u, "`unmapped`").as_deref() {
            Some("keep") => {}
            Some("omit") => mapping.omit_unmapped = true,
            Some(other) => sink.error(
                u.pos,
                format!("`unmapped` must be `keep` or `omit`, not `{other}`"),
                Some("`omit` imports only the controls a rule names".into()),
            ),
            None => {}
        }
    }
    mapping.rules = read_rules(sink, &top, vocab);
}

fn read_rules(sink: &mut Sink, top: &Fields, vocab: &Vocabulary) -> Vec<Rule> {
    let Some(list) = top.require(
        sink,
        "rules",
        "the mapping file",
        "[{id: AC-2, requires: {capability: access-management}}]",
    ) else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    let mut budget = crate::pattern::RegexBudget::default();
    for node in decode::list(sink, list, "`rules`") {
        let Some(f) = Fields::new(
            sink,
            node,
            "a mapping rule",
            &[
                "id",
                "pattern",
                "requires",
                "severity",
                "rationale",
                "props",
            ],
        ) else {
            continue;
        };
        let matcher = match (f.get("id"), f.get("pattern")) {
            (Some(id), None) => decode::string(sink, id, "`id`").map(Matcher::Id),
            (None, Some(p)) => crate::pattern::user_regex_within(sink, p, "`pattern`", &mut budget)
                .map(Matcher::Pattern),
            (Some(_), Some(_)) => {
                sink.error(
                    node.pos,
                    "a mapping rule has both `id` and `pattern`",
                    Some("keep one: `id` for one control, `pattern` for a regex over ids".into()),
                );
                None
            }
            (None, None) => {
                sink.error(
                    node.pos,
                    "a mapping rule needs `id` or `pattern`",
                    Some("e.g. `{id: AC-2, ...}` or `{pattern: '^SI-4', ...}`".into()),
                );
                None
            }
        };
        let requires = f
            .get("requires")
            .and_then(|n| catalog::read_requirement(sink, n, vocab, 0).map(|_| n.clone()));
        let severity = f
            .get("severity")
            .and_then(|n| Severity::read(sink, n, "severity"));
        let rationale = f
            .get("rationale")
            .and_then(|n| decode::string(sink, n, "`rationale`"));
        let props = f
            .get("props")
            .map(|n| read_props(sink, n))
            .unwrap_or_default();
        if let Some(matcher) = matcher {
            rules.push(Rule {
                matcher,
                requires,
                severity,
                rationale,
                props,
                pos: node.pos,
            });
        }
    }
    rules
}

/// A rule's `props`: scalar values only (as in a catalog), none of the derived ones.
fn read_props(sink: &mut Sink, node: &Node) -> Vec<(String, Node)> {
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`props` must be a mapping",
            "`key: value` entries",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        if DERIVED_PROPS.contains(&k.name.as_str()) {
            sink.error(
                k.pos,
                format!("prop `{}` is written by the import itself", k.name),
                Some("choose another name".into()),
            );
        } else if matches!(
            v.value,
            Value::Bool(_) | Value::Int(_) | Value::Str(_) | Value::Float(_)
        ) {
            out.push((k.name.clone(), v.clone()));
        } else {
            decode::type_error(
                sink,
                v,
                &format!("prop `{}` must be a single value", k.name),
                "text, a whole number or true/false",
            );
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Conversion.

/// One control as it will be written.
struct Out<'a> {
    oscal_id: &'a str,
    id: String,
    title: &'a str,
    group: Option<&'a str>,
    family: Option<&'a str>,
    enhancement: bool,
    statement: String,
    links: &'a [Link],
}

struct Walk<'a> {
    /// With a profile: the ids it selects; other controls are passed over (their
    /// enhancements may still be selected).
    selected: Option<&'a HashSet<String>>,
    file: &'a str,
    params: HashMap<&'a str, &'a Param>,
    controls: Vec<Out<'a>>,
    withdrawn: usize,
    /// Bytes of prose produced by parameter expansion so far, over the whole document: a
    /// parameter whose choices insert other parameters multiplies its text at every level,
    /// so a 2 KB file could otherwise ask for gigabytes.
    expanded: std::cell::Cell<usize>,
    /// Leaves out controls no rule names (`unmapped: omit`), before their text is read:
    /// what is not imported need not be importable (CSF's withdrawn categories have no
    /// statement prose in OSCAL versions that do not mark them withdrawn).
    omit_unmapped: Option<&'a Mapping>,
    /// The printed ids of the controls left out that way.
    omitted: HashSet<String>,
}

/// The most prose that parameter expansion may produce for one import. The result must load
/// as a catalog, which is refused past [`yaml::MAX_FILE_BYTES`], so nothing useful is lost.
pub const MAX_EXPANDED_BYTES: usize = yaml::MAX_FILE_BYTES as usize;

/// How deep parameters may insert one another. A choice may insert a parameter whose
/// choices insert others; NIST's catalogs nest two deep.
pub const MAX_PARAM_DEPTH: usize = 8;

impl<'a> Walk<'a> {
    fn invalid(&self, path: &str, message: String) -> OscalError {
        OscalError::Invalid {
            file: self.file.to_owned(),
            path: path.to_owned(),
            message,
        }
    }

    fn collect_params(&mut self, params: &'a [Param], path: &str) -> Result<(), OscalError> {
        for (i, p) in params.iter().enumerate() {
            if self.params.insert(p.id.as_str(), p).is_some() {
                return Err(self.invalid(
                    &format!("{path}.params[{i}].id"),
                    format!("parameter id `{}` is defined twice", p.id),
                ));
            }
        }
        Ok(())
    }

    /// First pass: every parameter in the document, since inserts may name any of them.
    fn params_of_controls(
        &mut self,
        controls: &'a [OscalControl],
        path: &str,
    ) -> Result<(), OscalError> {
        for (i, c) in controls.iter().enumerate() {
            let here = format!("{path}.controls[{i}]");
            self.collect_params(&c.params, &here)?;
            self.params_of_controls(&c.controls, &here)?;
        }
        Ok(())
    }

    fn params_of_groups(&mut self, groups: &'a [Group], path: &str) -> Result<(), OscalError> {
        for (i, g) in groups.iter().enumerate() {
            let here = format!("{path}.groups[{i}]");
            self.collect_params(&g.params, &here)?;
            self.params_of_controls(&g.controls, &here)?;
            self.params_of_groups(&g.groups, &here)?;
        }
        Ok(())
    }

    fn groups(&mut self, groups: &'a [Group], path: &str) -> Result<(), OscalError> {
        for (i, g) in groups.iter().enumerate() {
            let here = format!("{path}.groups[{i}]");
            let family = g.id.as_deref();
            self.controls(&g.controls, &here, Some(&g.title), family, false)?;
            self.groups(&g.groups, &here)?;
        }
        Ok(())
    }

    fn controls(
        &mut self,
        controls: &'a [OscalControl],
        path: &str,
        group: Option<&'a str>,
        family: Option<&'a str>,
        enhancement: bool,
    ) -> Result<(), OscalError> {
        for (i, c) in controls.iter().enumerate() {
            let here = format!("{path}.controls[{i}]");
            let printed = || {
                label(&c.props)
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map_or_else(|| printed_id(&c.id), str::to_owned)
            };
            if self.selected.is_some_and(|sel| !sel.contains(&c.id)) {
                // Not in the profile's selection.
            } else if is_withdrawn(&c.props) {
                self.withdrawn += 1;
            } else if let Some(m) = self.omit_unmapped
                && m.find(&printed()).is_none()
            {
                self.omitted.insert(printed());
            } else {
                if c.id.trim().is_empty() {
                    return Err(self.invalid(&format!("{here}.id"), "empty control id".into()));
                }
                if c.title.trim().is_empty() {
                    return Err(self.invalid(
                        &format!("{here}.title"),
                        format!("control `{}` has an empty title", c.id),
                    ));
                }
                let Some((j, statement)) = c
                    .parts
                    .iter()
                    .enumerate()
                    .find(|(_, p)| p.name == "statement")
                else {
                    return Err(self.invalid(
                        &format!("{here}.parts"),
                        format!("control `{}` has no part named \"statement\"", c.id),
                    ));
                };
                let mut text = String::new();
                self.render_part(statement, &format!("{here}.parts[{j}]"), true, &mut text)?;
                let statement = normalize_space(&text);
                if statement.is_empty() {
                    return Err(self.invalid(
                        &format!("{here}.parts[{j}]"),
                        format!("the statement of control `{}` has no prose", c.id),
                    ));
                }
                self.controls.push(Out {
                    oscal_id: &c.id,
                    id: printed(),
                    title: c.title.trim(),
                    group,
                    family,
                    enhancement,
                    statement,
                    links: &c.links,
                });
            }
            // Enhancements carry their own status; a withdrawn base control's enhancements
            // are marked withdrawn themselves in NIST's catalogs.
            self.controls(&c.controls, &here, group, family, true)?;
        }
        Ok(())
    }

    /// Renders a statement part the way SP 800-53 prints it: each item's label, then its
    /// prose with parameters filled in, then its sub-items, all on one line.
    fn render_part(
        &self,
        part: &Part,
        path: &str,
        top: bool,
        out: &mut String,
    ) -> Result<(), OscalError> {
        if !top && let Some(l) = label(&part.props) {
            out.push_str(l);
            out.push(' ');
        }
        if let Some(prose) = &part.prose {
            out.push_str(&strip_links(&self.render_prose(
                prose,
                &format!("{path}.prose"),
                0,
            )?));
            out.push(' ');
        }
        for (i, p) in part.parts.iter().enumerate() {
            // Statements hold items; other part kinds inside a statement are still text.
            self.render_part(p, &format!("{path}.parts[{i}]"), false, out)?;
        }
        Ok(())
    }

    /// Fills `{{ insert: param, ID }}` with the parameter's printed form.
    fn render_prose(&self, prose: &str, path: &str, depth: usize) -> Result<String, OscalError> {
        // The depth limit stops a parameter that (indirectly) inserts itself.
        if depth > MAX_PARAM_DEPTH {
            return Err(self.invalid(
                path,
                format!(
                    "parameters insert each other more than {MAX_PARAM_DEPTH} levels deep (a cycle?)"
                ),
            ));
        }
        let mut out = String::with_capacity(prose.len());
        let mut rest = prose;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            let inner = &rest[start + 2..start + len];
            out.push_str(&rest[..start]);
            match parse_insert(inner) {
                Some(id) => {
                    let param = self.params.get(id).ok_or_else(|| {
                        self.invalid(path, format!("inserts unknown parameter `{id}`"))
                    })?;
                    let text = self.render_param(param, path, depth)?;
                    let total = self.expanded.get().saturating_add(text.len());
                    if total > MAX_EXPANDED_BYTES {
                        return Err(self.invalid(
                            path,
                            format!(
                                "inserting parameter `{id}` expands the prose past {} MiB (parameters that insert each other multiply their text)",
                                MAX_EXPANDED_BYTES >> 20
                            ),
                        ));
                    }
                    self.expanded.set(total);
                    out.push_str(&text);
                }
                None => out.push_str(&rest[start..start + len + 2]),
            }
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn render_param(&self, p: &Param, path: &str, depth: usize) -> Result<String, OscalError> {
        if !p.values.is_empty() {
            return Ok(p.values.join(", "));
        }
        if let Some(sel) = &p.select {
            let choices = sel
                .choice
                .iter()
                .map(|c| {
                    self.render_prose(c, path, depth + 1)
                        .map(|s| normalize_space(&s))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let how = match sel.how_many.as_deref() {
                Some("one-or-more") => " (one or more)",
                _ => "",
            };
            return Ok(format!("[Selection{how}: {}]", choices.join("; ")));
        }
        // SP 800-53 prints `[Assignment: organization-defined frequency]`; some labels
        // already say it.
        let what = p.label.as_deref().map(str::trim).unwrap_or(&p.id);
        let prefix = "organization-defined";
        Ok(
            if what
                .get(..prefix.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
            {
                format!("[Assignment: {what}]")
            } else {
                format!("[Assignment: {prefix} {what}]")
            },
        )
    }
}

/// The parameter id of `insert: param, ID` (the inside of `{{ }}`), if that is what it is.
fn parse_insert(inner: &str) -> Option<&str> {
    let (kind, id) = inner.split_once(',')?;
    let kind = kind.trim().strip_prefix("insert:")?.trim();
    (kind == "param")
        .then(|| id.trim())
        .filter(|id| !id.is_empty())
}

/// One line of text: whitespace runs become one space, and the space NIST's prose leaves
/// between a parameter and the punctuation after it (`{{ insert: param, x }} ;`) goes, as
/// in the printed publication.
fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        let glued = w.starts_with([';', ',', '.']) && out.ends_with(']');
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// OSCAL prose is Markdown: a link `[AU-2a](#au-2_smt.a)` prints as its text.
///
/// One pass, linear in the input: the next bracket and the next end of a link target are
/// found by cursors that only move forward, so a file of 400 KB of `[` or of unclosed
/// `[a](x` costs no more than any other 400 KB.
fn strip_links(s: &str) -> String {
    /// The first byte index at or after `from` whose character satisfies `hit`, or the
    /// length; cached in `cursor` while later queries start before the cached answer.
    fn next(s: &str, cursor: &mut Option<usize>, from: usize, hit: fn(char) -> bool) -> usize {
        match *cursor {
            Some(c) if c >= from => c,
            _ => {
                let at = s[from..].find(hit).map_or(s.len(), |i| from + i);
                *cursor = Some(at);
                at
            }
        }
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut at = 0;
    let (mut bracket, mut stop) = (None, None);
    while let Some(i) = s[at..].find('[') {
        let open = at + i;
        at = open + 1;
        let close = next(s, &mut bracket, open + 1, |c| c == '[' || c == ']');
        if bytes.get(close) != Some(&b']') || bytes.get(close + 1) != Some(&b'(') {
            continue;
        }
        let end = next(s, &mut stop, close + 2, |c| c == ')' || c.is_whitespace());
        if bytes.get(end) != Some(&b')') {
            continue;
        }
        out.push_str(&s[copied..open]);
        out.push_str(&s[open + 1..close]);
        copied = end + 1;
        at = end + 1;
    }
    out.push_str(&s[copied..]);
    out
}

/// A catalog id from a title: `NIST SP 800-53 Rev 5` → `nist-sp-800-53-rev-5`.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "oscal-catalog".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn convert(
    file: &str,
    cat: &OscalCatalog,
    source: &Source,
    mapping: Option<&Mapping>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let (metadata, selected) = match source {
        Source::Catalog => (&cat.metadata, None),
        Source::Profile { metadata, selected } => (*metadata, Some(*selected)),
    };
    let mut walk = Walk {
        selected,
        file,
        params: HashMap::new(),
        controls: Vec::new(),
        withdrawn: 0,
        expanded: std::cell::Cell::new(0),
        omit_unmapped: mapping.filter(|m| m.omit_unmapped),
        omitted: HashSet::new(),
    };
    walk.collect_params(&cat.params, "catalog")?;
    walk.params_of_controls(&cat.controls, "catalog")?;
    walk.params_of_groups(&cat.groups, "catalog")?;
    walk.controls(&cat.controls, "catalog", None, None, false)?;
    walk.groups(&cat.groups, "catalog")?;

    let id = match &options.id {
        Some(id) => id.clone(),
        None => slug(&metadata.title),
    };
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for c in &walk.controls {
        if let Some(first) = seen.insert(c.id.as_str(), c.oscal_id) {
            return Err(walk.invalid(
                "catalog",
                format!(
                    "controls `{first}` and `{}` both print as `{}`",
                    c.oscal_id, c.id
                ),
            ));
        }
    }
    let printed: HashMap<&str, &str> = walk
        .controls
        .iter()
        .map(|c| (c.oscal_id, c.id.as_str()))
        .collect();

    let mut used = vec![false; mapping.map_or(0, |m| m.rules.len())];
    let header = |key: &str| {
        mapping.and_then(|m| {
            m.header
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
        })
    };
    let oscal_title = metadata.title.trim();
    let title = header("title").unwrap_or(oscal_title);
    let mut y = String::with_capacity(walk.controls.len() * 1024);
    let _ = writeln!(
        y,
        "# Imported from an OSCAL {} by `gapcheck catalog import`.",
        match source {
            Source::Catalog => "catalog",
            Source::Profile { .. } => "profile and its catalog",
        }
    );
    y.push_str("# Ids, titles, groups and statements are the OSCAL text; severity, requires,\n");
    y.push_str(
        "# rationale and added props come from the mapping (moderate and none without one).\n",
    );
    y.push_str("catalog:\n");
    let _ = writeln!(y, "  id: {}", quote(&id));
    let _ = writeln!(y, "  title: {}", quote(title));
    if let Some(a) = header("authority") {
        let _ = writeln!(y, "  authority: {}", quote(a));
    }
    let kind = match source {
        Source::Catalog => "catalog",
        Source::Profile { .. } => "profile",
    };
    let source =
        header("source").map_or_else(|| format!("OSCAL {kind}: {oscal_title}"), str::to_owned);
    let _ = writeln!(y, "  source: {}", quote(&source));
    if let Some(v) = header("version").or(metadata.version.as_deref()) {
        let _ = writeln!(y, "  version: {}", quote(v));
    }
    for key in ["url", "id_pattern", "notes"] {
        if let Some(v) = header(key) {
            let _ = writeln!(y, "  {key}: {}", quote(v));
        }
    }
    y.push_str("  profiles: {}\n");
    y.push_str("controls:\n");
    for c in &walk.controls {
        let rule = mapping.and_then(|m| m.find(&c.id));
        if let Some((i, _)) = rule {
            used[i] = true;
        }
        let rule = rule.map(|(_, r)| r);
        let _ = writeln!(y, "  - id: {}", quote(&c.id));
        let _ = writeln!(y, "    title: {}", quote(c.title));
        if let Some(g) = c.group {
            let _ = writeln!(y, "    group: {}", quote(g.trim()));
        }
        let _ = writeln!(y, "    citation: {}", quote(&format!("{title}, {}", c.id)));
        let _ = writeln!(y, "    statement: {}", quote(&c.statement));
        let severity = rule.and_then(|r| r.severity).unwrap_or(Severity::Moderate);
        let _ = writeln!(y, "    severity: {}", severity.as_str());
        let _ = write!(y, "    props: {{oscal_id: {}", quote(c.oscal_id));
        if let Some(f) = c.family {
            let _ = write!(y, ", family: {}", quote(&f.to_uppercase()));
        }
        let _ = write!(y, ", enhancement: {}", c.enhancement);
        for (k, v) in rule.map(|r| r.props.as_slice()).unwrap_or_default() {
            let _ = write!(y, ", {}: ", quote(k));
            flow(&mut y, v);
        }
        y.push_str("}\n");
        if let Some(req) = rule.and_then(|r| r.requires.as_ref()) {
            y.push_str("    requires: ");
            flow(&mut y, req);
            y.push('\n');
        }
        if let Some(why) = rule.and_then(|r| r.rationale.as_deref()) {
            let _ = writeln!(y, "    rationale: {}", quote(why));
        }
        let mut related = Vec::new();
        let mut dedup = HashSet::new();
        for l in c
            .links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("related"))
        {
            if let Some(target) = l.href.strip_prefix('#').and_then(|t| printed.get(t))
                && *target != c.id
                && !walk.omitted.contains(*target)
                && dedup.insert(*target)
            {
                related.push(quote(&format!("{id}:{target}")));
            }
        }
        if !related.is_empty() {
            let _ = writeln!(y, "    related: [{}]", related.join(", "));
        }
    }
    let warnings = mapping
        .map(|m| {
            m.rules
                .iter()
                .zip(&used)
                .filter(|(_, used)| !**used)
                .map(|(r, _)| Diagnostic {
                    level: Level::Warning,
                    file: m.file.clone(),
                    pos: Some(r.pos),
                    message: "this mapping rule matched no control (or only controls an earlier rule matched)".into(),
                    help: Some("check the id or pattern against the printed ids, e.g. `AC-2(1)`".into()),
                    source_line: None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Imported {
        id,
        controls: walk.controls.len(),
        withdrawn: walk.withdrawn,
        omitted: walk.omitted.len(),
        yaml: y,
        warnings,
    })
}

// ---------------------------------------------------------------------------------------
// Emitting YAML.

/// A YAML double-quoted scalar for any string. Everything outside YAML's printable set, and
/// the characters that are special inside double quotes, is escaped; the rest is copied.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // YAML c-printable: tab, LF, CR, 0x20-0x7E, NEL, 0xA0-0xD7FF, 0xE000-0xFFFD and
            // above 0xFFFF, minus the byte-order mark, which parsers may drop.
            ' '..='~'
            | '\u{a0}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fefe}'
            | '\u{ff00}'..='\u{fffd}' => out.push(ch),
            c if u32::from(c) > 0xffff => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Writes a YAML value in flow style (`{capability: "x", cadence: "monthly"}`), quoting
/// every string and key.
fn flow(out: &mut String, node: &Node) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_nan() => out.push_str(".nan"),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { ".inf" } else { "-.inf" }),
        Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Value::Str(s) => out.push_str(&quote(s)),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(out, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(&k.name));
                out.push_str(": ");
                flow(out, v);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        let src = format!("k: {}\n", quote(s));
        let mut sink = Sink::new("t.yaml", &src);
        let node = yaml::parse(&src, &mut sink).unwrap_or_else(|| panic!("{src:?}: {sink:?}"));
        match &node.get("k").unwrap().value {
            Value::Str(v) => v.clone(),
            other => panic!("{s:?} came back as {other:?}"),
        }
    }

    #[test]
    fn quoted_strings_round_trip() {
        let tricky = [
            "yes",
            "no",
            "null",
            "~",
            "1.0",
            "0x10",
            "-",
            "- a",
            ": b",
            "a: b",
            "#c",
            "a #c",
            "&anchor",
            "*alias",
            "!tag",
            "%dir",
            "@",
            "`",
            "'single'",
            "\"double\"",
            "back\\slash",
            "{{ insert: param, x }}",
            "[Selection: a; b]",
            "line\nbreak",
            "tab\tin",
            " lead",
            "trail ",
            "",
            "é ü — “quotes” 漢字 🦀",
            "\u{7f}\u{85}\u{9f}\u{feff}\u{fffe}\u{2028}",
        ];
        for s in tricky {
            assert_eq!(roundtrip(s), s, "{s:?}");
        }
        let every: String = (0u32..0x300).filter_map(char::from_u32).collect();
        assert_eq!(roundtrip(&every), every);
    }

    #[test]
    fn printed_ids_from_oscal_ids() {
        assert_eq!(printed_id("ca-7"), "CA-7");
        assert_eq!(printed_id("ca-7.4"), "CA-7(4)");
        assert_eq!(printed_id("ac-2.12"), "AC-2(12)");
    }

    #[test]
    fn inserts_are_recognized_only_for_params() {
        assert_eq!(
            parse_insert(" insert: param, ac-1_prm_1 "),
            Some("ac-1_prm_1")
        );
        assert_eq!(parse_insert("insert:param,x"), Some("x"));
        assert_eq!(parse_insert(" insert: other, x "), None);
        assert_eq!(parse_insert(" not an insert "), None);
    }

    #[test]
    fn slugs_are_valid_catalog_ids() {
        assert_eq!(
            slug("NIST Special Publication 800-53 Revision 5.1.1 HIGH IMPACT BASELINE"),
            "nist-special-publication-800-53-revision-5-1-1-high-impact-baseline"
        );
        assert_eq!(slug("  ***  "), "oscal-catalog");
    }
}
