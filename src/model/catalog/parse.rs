//! Parsing one catalog file: the header, each control, requirements (all/any trees within a
//! depth budget), conditions and props.

use std::sync::Arc;

use super::*;

pub(super) const HEADER_KEYS: &[&str] = &[
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
pub(super) const CONTROL_KEYS: &[&str] = &[
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

pub(super) fn parse_catalog(
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
    // One copy of the file name, shared by every control of the file.
    let file: Arc<str> = sink.file().into();
    if let Some(list) = top.require(sink, "controls", "the catalog file", "[...]") {
        let items = decode::list(sink, list, "`controls`");
        controls.reserve_exact(items.len());
        for item in items {
            if let Some(c) = parse_control(sink, item, vocab, &file) {
                controls.push(c);
            }
        }
    }
    Some((header, controls))
}

pub(super) fn parse_control(
    sink: &mut Sink,
    node: &Node,
    vocab: &Vocabulary,
    file: &Arc<str>,
) -> Option<Control> {
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
        file: Arc::clone(file),
        pos: node.pos,
    })
}

/// A `props:` mapping of single values (text, whole numbers, true/false); other values are
/// reported and left out. Shared with the OSCAL import's mapping files.
pub fn read_props(sink: &mut Sink, node: &Node) -> Props {
    let mut out = Props::default();
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
    out.0.shrink_to_fit();
    out
}

/// Requirement expressions nest; real ones are three or four levels deep.
pub(super) const MAX_REQUIREMENT_DEPTH: usize = 16;

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
    let (cadence, coverage, response) = crate::capability::read_strength(sink, &f);
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

pub(super) fn read_condition(sink: &mut Sink, node: &Node) -> Option<Condition> {
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

pub(super) fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
