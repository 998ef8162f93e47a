//! The mapping file of `catalog import --map`: rules by id or pattern that give each imported
//! control its requirement, rationale, severity and props.

use super::*;

/// One mapping rule, validated.
#[derive(Debug)]
pub(super) struct Rule {
    pub(super) matcher: Matcher,
    pub(super) requires: Option<Node>,
    pub(super) severity: Option<Severity>,
    /// Why `requires` asks for what it asks, written into the control (a built-in catalog
    /// made by import needs one on every control, like a hand-written one).
    pub(super) rationale: Option<String>,
    /// Extra framework facts for the control, written after the ones the import derives.
    pub(super) props: Vec<(String, Node)>,
    pub(super) pos: Pos,
}

#[derive(Debug)]
pub(super) enum Matcher {
    Id(String),
    Pattern(Regex),
}

/// A validated `--map` file: which controls get which `requires` (and severity), the
/// catalog header to write, and whether controls no rule names are imported at all.
#[derive(Debug)]
pub struct Mapping {
    pub(super) file: String,
    pub(super) rules: Vec<Rule>,
    pub(super) header: Vec<(&'static str, String)>,
    /// Whether a control that no rule matches is left out. An OSCAL catalog can hold more
    /// than the controls meant to be assessed (CSF 2.0 carries its categories as controls
    /// whose outcomes are stated by their subcategories), and a mapping that gives every
    /// assessed control its own rule is then the list of what to import.
    pub(super) omit_unmapped: bool,
}

/// Header keys a mapping may set for the written catalog; the rest come from the OSCAL
/// metadata or are not set. `id` is the `--id` option.
pub(super) const MAP_HEADER_KEYS: &[&str] = &[
    "title",
    "authority",
    "source",
    "version",
    "url",
    "id_pattern",
    "notes",
];

/// Props the import writes itself; a rule cannot set them.
pub(super) const DERIVED_PROPS: &[&str] = &["oscal_id", "family", "enhancement"];

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

    pub(super) fn find(&self, id: &str) -> Option<(usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, r)| match &r.matcher {
                Matcher::Id(want) => want == id,
                Matcher::Pattern(re) => re.is_match(id),
            })
    }
}

pub(super) fn read_mapping(
    sink: &mut Sink,
    root: &Node,
    vocab: &Vocabulary,
    mapping: &mut Mapping,
) {
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

pub(super) fn read_rules(sink: &mut Sink, top: &Fields, vocab: &Vocabulary) -> Vec<Rule> {
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
pub(super) fn read_props(sink: &mut Sink, node: &Node) -> Vec<(String, Node)> {
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
