//! Writing the imported controls as a gapcheck catalog in YAML, quoted so that any text round-
//! trips.

use super::*;

pub(super) fn convert(
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
    let mut y = Emitter::with_capacity(walk.controls.len() * 1024);
    let mut root = Vec::with_capacity(2);
    y.line(&format!(
        "# Imported from an OSCAL {} by `gapcheck catalog import`.",
        match source {
            Source::Catalog => "catalog",
            Source::Profile { .. } => "profile and its catalog",
        }
    ));
    y.line("# Ids, titles, groups and statements are the OSCAL text; severity, requires,");
    y.line("# rationale and added props come from the mapping (moderate and none without one).");
    let catalog_key = y.block_key("catalog");
    let mut head = Vec::new();
    let head_pos = Pos::new(y.pos().line, 3);
    y.entry(&mut head, 2, "id", &id);
    y.entry(&mut head, 2, "title", title);
    if let Some(a) = header("authority") {
        y.entry(&mut head, 2, "authority", a);
    }
    let kind = match source {
        Source::Catalog => "catalog",
        Source::Profile { .. } => "profile",
    };
    let source =
        header("source").map_or_else(|| format!("OSCAL {kind}: {oscal_title}"), str::to_owned);
    y.entry(&mut head, 2, "source", &source);
    if let Some(v) = header("version").or(metadata.version.as_deref()) {
        y.entry(&mut head, 2, "version", v);
    }
    for key in ["url", "id_pattern", "notes"] {
        if let Some(v) = header(key) {
            y.entry(&mut head, 2, key, v);
        }
    }
    let k = y.key(2, "profiles");
    let profiles = y.plain("{}", Value::Map(Vec::new()));
    y.newline();
    head.push((k, profiles));
    root.push((
        catalog_key,
        Node {
            pos: head_pos,
            value: Value::Map(head),
        },
    ));
    let controls_key = y.block_key("controls");
    let controls_pos = Pos::new(y.pos().line, 3);
    let mut controls = Vec::with_capacity(walk.controls.len());
    for c in &walk.controls {
        let rule = mapping.and_then(|m| m.find(&c.id));
        if let Some((i, _)) = rule {
            used[i] = true;
        }
        let rule = rule.map(|(_, r)| r);
        let mut m = Vec::with_capacity(10);
        y.raw("  - ");
        let item_pos = y.pos();
        let k = y.key(0, "id");
        let v = y.quoted(&c.id);
        y.newline();
        m.push((k, v));
        y.entry(&mut m, 4, "title", c.title);
        if let Some(g) = c.group {
            y.entry(&mut m, 4, "group", g.trim());
        }
        y.entry(&mut m, 4, "citation", &format!("{title}, {}", c.id));
        y.entry(&mut m, 4, "statement", &c.statement);
        let severity = rule.and_then(|r| r.severity).unwrap_or(Severity::Moderate);
        let k = y.key(4, "severity");
        let v = y.plain(severity.as_str(), Value::Str(severity.as_str().to_owned()));
        y.newline();
        m.push((k, v));
        let k = y.key(4, "props");
        let props_pos = y.pos();
        let mut props = Vec::with_capacity(3);
        y.raw("{");
        let pk = y.key(0, "oscal_id");
        props.push((pk, y.quoted(c.oscal_id)));
        if let Some(f) = c.family {
            y.raw(", ");
            let pk = y.key(0, "family");
            props.push((pk, y.quoted(&f.to_uppercase())));
        }
        y.raw(", ");
        let pk = y.key(0, "enhancement");
        let flag = if c.enhancement { "true" } else { "false" };
        props.push((pk, y.plain(flag, Value::Bool(c.enhancement))));
        for (pk, pv) in rule.map(|r| r.props.as_slice()).unwrap_or_default() {
            y.raw(", ");
            let key = Key {
                pos: y.pos(),
                name: pk.clone(),
            };
            y.quoted(pk);
            y.raw(": ");
            props.push((key, y.flow(pv)));
        }
        y.raw("}");
        y.newline();
        m.push((
            k,
            Node {
                pos: props_pos,
                value: Value::Map(props),
            },
        ));
        if let Some(req) = rule.and_then(|r| r.requires.as_ref()) {
            let k = y.key(4, "requires");
            let v = y.flow(req);
            y.newline();
            m.push((k, v));
        }
        if let Some(why) = rule.and_then(|r| r.rationale.as_deref()) {
            y.entry(&mut m, 4, "rationale", why);
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
                related.push(format!("{id}:{target}"));
            }
        }
        if !related.is_empty() {
            let k = y.key(4, "related");
            let node = y.flow_seq(&related, |e, r| e.quoted(r));
            y.newline();
            m.push((k, node));
        }
        controls.push(Node {
            pos: item_pos,
            value: Value::Map(m),
        });
    }
    // With no controls, `controls:` holds nothing; the text is then validated as written.
    let tree = (!controls.is_empty()).then(|| {
        root.push((
            controls_key,
            Node {
                pos: controls_pos,
                value: Value::Seq(controls),
            },
        ));
        Node {
            pos: Pos::new(4, 1),
            value: Value::Map(root),
        }
    });
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
        yaml: y.text,
        tree,
        warnings,
    })
}
