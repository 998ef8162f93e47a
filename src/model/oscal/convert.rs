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
pub(super) fn flow(out: &mut String, node: &Node) {
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
