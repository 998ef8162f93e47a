//! JSON Lines exports (one record per line) and hand-kept YAML records.

use super::*;

pub(super) fn read_jsonl(
    reader: &mut Source,
    map: Option<&Map>,
    fold: &mut Fold,
    file: usize,
    rep: &mut Reporter,
) {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut owned: [String; Field::COUNT] = Default::default();
    loop {
        buf.clear();
        line_no += 1;
        let n = match reader
            .by_ref()
            .take(MAX_RECORD_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(n) => n,
            Err(e) => {
                rep.file_error(format!("cannot read file: {e}"), "check the file");
                return;
            }
        };
        if n == 0 {
            break;
        }
        let pos = |col: usize| Some(Pos::new(line_no as u32, col as u32));
        let text = || {
            Some(
                String::from_utf8_lossy(&buf)
                    .trim_end()
                    .chars()
                    .take(200)
                    .collect(),
            )
        };
        if n > MAX_RECORD_BYTES {
            rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("line is longer than {MAX_RECORD_BYTES} bytes"),
                    help: Some("JSON Lines holds one record per line".into()),
                },
                pos(1),
                None,
            );
            return;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(&buf) {
            Ok(o) => o,
            Err(e) => {
                fold.files[file].skipped += 1;
                let go = rep.issue(
                    Issue {
                        level: Level::Error,
                        field: None,
                        message: format!("invalid JSON record: {}", strip_position(&e.to_string())),
                        help: Some("write one JSON object per line, e.g. {\"capability\":\"backup\",\"when\":\"2026-11-28\",\"outcome\":\"ok\"}".into()),
                    },
                    pos(e.column().max(1)),
                    text(),
                );
                if !go {
                    return;
                }
                continue;
            }
        };
        let key_col = |key: &str| -> usize {
            let needle = format!("\"{key}\"");
            let s = String::from_utf8_lossy(&buf);
            s.find(&needle).map_or(1, |b| s[..b].chars().count() + 1)
        };
        let mut vals: [Option<&str>; Field::COUNT] = [None; Field::COUNT];
        let mut problem: Option<(Issue, usize)> = None;
        let mut present = [false; Field::COUNT];
        for (k, v) in &obj {
            let field = match map {
                None => match Field::parse(k) {
                    Some(f) => Some(f),
                    None => {
                        let names = Field::names();
                        problem.get_or_insert((
                            Issue {
                                level: Level::Error,
                                field: None,
                                message: format!("unknown key `{}`", shorten(k)),
                                help: Some(match did_you_mean(k, names.iter().copied()) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => format!("records have the keys {}; describe other exports in an --evidence-map", names.join(", ")),
                                }),
                            },
                            key_col(k),
                        ));
                        None
                    }
                },
                Some(m) => Field::ALL
                    .iter()
                    .copied()
                    .find(|f| m.column(*f) == Some(k.as_str())),
            };
            let Some(f) = field else { continue };
            present[f.index()] = true;
            match v {
                serde_json::Value::String(_) | serde_json::Value::Null => {}
                serde_json::Value::Number(n) => owned[f.index()] = n.to_string(),
                _ => {
                    problem.get_or_insert((
                        Issue::error(
                            f,
                            format!("`{k}` must be a string"),
                            "write the value as a JSON string",
                        ),
                        key_col(k),
                    ));
                }
            }
        }
        if problem.is_none() {
            for (k, v) in &obj {
                let f = match map {
                    None => Field::parse(k),
                    Some(m) => Field::ALL
                        .iter()
                        .copied()
                        .find(|f| m.column(*f) == Some(k.as_str())),
                };
                let Some(f) = f else { continue };
                vals[f.index()] = match v {
                    serde_json::Value::String(s) => Some(s.as_str()),
                    serde_json::Value::Number(_) => Some(owned[f.index()].as_str()),
                    _ => None,
                };
            }
            if let Err(issue) = fold.row(&vals, map, file, line_no) {
                let col = issue
                    .field
                    .and_then(|f| {
                        let key = match map {
                            None => Some(f.as_str()),
                            Some(m) => m.column(f),
                        }?;
                        present[f.index()].then(|| key_col(key))
                    })
                    .unwrap_or(1);
                problem = Some((issue, col));
            }
        }
        if let Some((issue, col)) = problem {
            fold.files[file].skipped += 1;
            if !rep.issue(issue, pos(col), text()) {
                return;
            }
        }
        if fold.over_budget() {
            return;
        }
    }
}

/// serde_json appends " at line L column C"; the diagnostic carries the position already.
fn strip_position(s: &str) -> &str {
    s.find(" at line ").map_or(s, |i| &s[..i])
}

/// YAML records, for hand-kept evidence: a list of records, or `records:` holding one.
pub(super) fn read_yaml(
    path: &Path,
    fold: &mut Fold,
    file: usize,
    rep: &mut Reporter,
) -> Option<String> {
    let text = match crate::catalog::read_text(path) {
        Ok(t) => t,
        Err(d) => {
            rep.errors += 1;
            rep.diags.push(d);
            return None;
        }
    };
    let sha = crate::sha256_hex(text.as_bytes());
    let mut sink = Sink::new(rep.file.clone(), &text);
    let Some(root) = yaml::parse(&text, &mut sink) else {
        rep.errors += 1;
        rep.diags.extend(sink.diagnostics);
        return Some(sha);
    };
    if root.get("evidence-map").is_some() {
        // A map kept beside the exports it describes is not a record file.
        fold.files.pop();
        return None;
    }
    let list: &[Node] = match &root.value {
        yaml::Value::Seq(items) => items,
        yaml::Value::Map(_) => {
            match Fields::new(&mut sink, &root, "an evidence file", &["records"]) {
                Some(f) => f
                    .require(
                        &mut sink,
                        "records",
                        "an evidence file",
                        "[{capability: backup, when: 2026-11-28, outcome: ok}]",
                    )
                    .map(|n| decode::list(&mut sink, n, "`records`"))
                    .unwrap_or(&[]),
                None => &[],
            }
        }
        _ => {
            decode::type_error(
                &mut sink,
                &root,
                "an evidence file must be a list of records",
                "a list of `{capability, when, outcome}` mappings",
            );
            &[]
        }
    };
    let names = Field::names();
    for item in list {
        let Some(f) = Fields::new(&mut sink, item, "a record", &names) else {
            continue;
        };
        let mut owned: [Option<String>; Field::COUNT] = Default::default();
        let mut nodes: [Option<&Node>; Field::COUNT] = [None; Field::COUNT];
        for field in Field::ALL {
            if let Some(n) = f.get(field.as_str()) {
                nodes[field.index()] = Some(n);
                owned[field.index()] = scalar(n);
                if owned[field.index()].is_none() {
                    decode::type_error(
                        &mut sink,
                        n,
                        &format!("`{field}` must be a single value"),
                        "a plain value",
                    );
                }
            }
        }
        let vals: [Option<&str>; Field::COUNT] = std::array::from_fn(|i| owned[i].as_deref());
        if let Err(issue) = fold.row(&vals, None, file, u64::from(item.pos.line)) {
            fold.files[file].skipped += 1;
            let at = issue
                .field
                .and_then(|fl| nodes[fl.index()])
                .map_or(item.pos, |n| n.pos);
            let level = match issue.level {
                Level::Error if rep.lenient => Level::Warning,
                l => l,
            };
            sink.push(level, Some(at), issue.message, issue.help);
        }
    }
    for d in sink.diagnostics {
        if d.level == Level::Error {
            rep.errors += 1;
        }
        rep.diags.push(d);
    }
    Some(sha)
}

/// A YAML scalar as text (dates and numbers included), or None for a list or mapping.
fn scalar(n: &Node) -> Option<String> {
    match &n.value {
        yaml::Value::Str(s) => Some(s.clone()),
        yaml::Value::Int(i) => Some(i.to_string()),
        yaml::Value::Float(f) => Some(f.to_string()),
        yaml::Value::Bool(b) => Some(b.to_string()),
        yaml::Value::Null => None,
        _ => None,
    }
}
