//! Reading the arrangement's sections: organization and facts, frameworks, providers,
//! responsibilities, the report and CMMC sections.

use super::*;

pub(super) fn read_report(sink: &mut Sink, node: &Node) -> Option<ReportInfo> {
    let what = "`report`";
    let f = Fields::new(sink, node, what, REPORT_KEYS)?;
    let text = |sink: &mut Sink, key: &str| -> Option<String> {
        let n = f.get(key)?;
        let s = decode::string(sink, n, &format!("`report.{key}`"))?;
        if s.trim().is_empty() {
            sink.error(
                n.pos,
                format!("`report.{key}` is empty"),
                Some(format!(
                    "write the {} or remove the key",
                    key.replace('_', " ")
                )),
            );
            return None;
        }
        Some(s)
    };
    let prepared_by = text(sink, "prepared_by");
    let prepared_for = text(sink, "prepared_for");
    let scope = text(sink, "scope");
    let version = text(sink, "version");
    let reviewer = text(sink, "reviewer");
    let period = f.get("period").and_then(|n| {
        let p = Fields::new(sink, n, "`report.period`", &["from", "to"])?;
        let from = p
            .require(sink, "from", "`report.period`", "2026-01-01")
            .and_then(|d| read_date(sink, d, "`report.period.from` date"));
        let to = p
            .require(sink, "to", "`report.period`", "2026-12-31")
            .and_then(|d| read_date(sink, d, "`report.period.to` date"));
        let (from, to) = (from?, to?);
        if to < from {
            sink.error(
                n.pos,
                format!("`report.period` ends ({to}) before it starts ({from})"),
                Some("swap `from` and `to`".into()),
            );
            return None;
        }
        Some(Period { from, to })
    });
    Some(ReportInfo {
        prepared_by,
        prepared_for,
        scope,
        period,
        version,
        reviewer,
    })
}

pub(super) fn read_cmmc(sink: &mut Sink, node: &Node) -> CmmcFacts {
    let Some(f) = Fields::new(sink, node, "`cmmc`", &["mfa", "encryption"]) else {
        return CmmcFacts::default();
    };
    CmmcFacts {
        mfa: f.get("mfa").and_then(|n| Mfa::read(sink, n, "`cmmc.mfa`")),
        encryption: f
            .get("encryption")
            .and_then(|n| Encryption::read(sink, n, "`cmmc.encryption`")),
        pos: node.pos,
    }
}

/// A catalog the user loaded with `-c` that `frameworks` does not select is checked for
/// nothing; say so rather than ignore it silently.
pub(super) fn warn_unselected_catalogs(
    sink: &mut Sink,
    pos: Pos,
    frameworks: &[Framework],
    registry: &Registry,
) {
    for cat in registry.catalogs.values() {
        let Some(file) = cat.files.iter().find(|f| !f.builtin) else {
            continue;
        };
        if frameworks.iter().any(|f| f.catalog == cat.id) {
            continue;
        }
        sink.warning(
            pos,
            format!(
                "catalog `{}` (loaded from {}) is not in `frameworks`, so none of its controls are checked",
                cat.id, file.path
            ),
            Some(format!("add `- {}` under `frameworks:`, or do not load it", cat.id)),
        );
    }
}

pub(super) fn read_organization(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
) -> Option<Organization> {
    let what = "`organization`";
    let f = Fields::new(
        sink,
        node,
        what,
        &[
            "name",
            "employees",
            "budget",
            "after_hours_required",
            "scalability",
            "consumers",
            "facts",
        ],
    )?;
    let name = f
        .require(sink, "name", what, "Harbor Dental Group")
        .and_then(|n| bounded(sink, n, "organization name", MAX_NAME_BYTES));
    let count = |sink: &mut Sink, key: &str| -> Option<u64> {
        let n = f.get(key)?;
        let v = decode::integer(sink, n, &format!("`{key}`"))?;
        let r = u64::try_from(v).ok();
        if r.is_none() {
            sink.error(
                n.pos,
                format!("`{key}` cannot be negative"),
                Some("write a count of zero or more".into()),
            );
        }
        r
    };
    let employees = count(sink, "employees");
    let consumers = count(sink, "consumers");
    let budget = f
        .get("budget")
        .and_then(|n| Budget::read(sink, n, "budget"));
    let after_hours_required = f
        .get("after_hours_required")
        .and_then(|n| decode::boolean(sink, n, "`after_hours_required`"));
    let scalability = f
        .get("scalability")
        .and_then(|n| Scalability::read(sink, n, "scalability"));
    let known = registry.facts();
    let mut facts: Vec<String> = Vec::new();
    for n in f
        .get("facts")
        .map(|n| decode::list(sink, n, "`facts`"))
        .unwrap_or_default()
    {
        let Some(fact) = decode::string(sink, n, "fact") else {
            continue;
        };
        if !known.contains_key(fact.as_str()) {
            let names: Vec<&str> = known.keys().copied().collect();
            let help = if names.is_empty() {
                "the loaded catalogs declare no applicability facts; remove it".to_owned()
            } else {
                choose_help(&fact, &names)
            };
            sink.error(n.pos, format!("unknown fact `{fact}`"), Some(help));
        } else if facts.contains(&fact) {
            sink.error(
                n.pos,
                format!("fact `{fact}` is listed twice"),
                Some("list each fact once".into()),
            );
        } else {
            facts.push(fact);
        }
    }
    facts.sort();
    Some(Organization {
        name: name?,
        employees,
        budget,
        after_hours_required,
        scalability,
        consumers,
        facts,
    })
}

pub(super) fn read_frameworks(sink: &mut Sink, node: &Node, registry: &Registry) -> Vec<Framework> {
    // `frameworks: []` is a deliberate declaration: an organization under no regulation,
    // which still gets a model fit. (A missing `frameworks:` key stays an error.)
    let items = decode::list(sink, node, "`frameworks`");
    let mut out: Vec<Framework> = Vec::new();
    for item in items {
        // `cmmc:level-2` is how `init --framework` and the command line name a catalog with
        // a profile; a file accepts the same words.
        let text = |pos, s: &str| Node {
            pos,
            value: yaml::Value::Str(s.to_owned()),
        };
        let short = match &item.value {
            yaml::Value::Str(s) => s.split_once(':').map(|(c, p)| {
                let column = item.pos.column + c.chars().count() as u32 + 1;
                (text(item.pos, c), text(Pos::new(item.pos.line, column), p))
            }),
            _ => None,
        };
        let (catalog_node, profile_node) = match (&item.value, &short) {
            (_, Some((c, p))) => (c, Some(p)),
            (yaml::Value::Map(_), None) => {
                let Some(f) = Fields::new(sink, item, "a framework", &["catalog", "profile"])
                else {
                    continue;
                };
                let Some(c) = f.require(sink, "catalog", "a framework", "nist-800-53-conmon")
                else {
                    continue;
                };
                (c, f.get("profile"))
            }
            _ => (item, None),
        };
        let Some(catalog) = decode::string(sink, catalog_node, "framework") else {
            continue;
        };
        let Some(cat) = registry.get(&catalog) else {
            let ids = registry.ids();
            sink.error(
                catalog_node.pos,
                format!("unknown framework `{catalog}`"),
                Some(choose_help(&catalog, &ids)),
            );
            continue;
        };
        let profile = match profile_node {
            None if cat.profile_required => {
                let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                sink.error(
                    item.pos,
                    format!("catalog `{catalog}` needs a profile: {}", names.join(", ")),
                    Some(format!(
                        "write `- {{catalog: {catalog}, profile: {}}}`; without one every profile would be checked at once",
                        names.last().copied().unwrap_or("...")
                    )),
                );
                continue;
            }
            None => None,
            Some(p) => {
                let Some(name) = decode::string(sink, p, "profile") else {
                    continue;
                };
                if !cat.profiles.contains_key(&name) {
                    let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        format!("catalog `{catalog}` has no profiles; remove `profile:`")
                    } else {
                        choose_help(&name, &names)
                    };
                    sink.error(
                        p.pos,
                        format!("catalog `{catalog}` has no profile `{name}`"),
                        Some(help),
                    );
                    continue;
                }
                Some(name)
            }
        };
        if out.iter().any(|f| f.catalog == catalog) {
            sink.error(
                item.pos,
                format!("framework `{catalog}` is selected twice"),
                Some("select each catalog once, with at most one profile".into()),
            );
            continue;
        }
        out.push(Framework {
            catalog,
            profile,
            pos: item.pos,
        });
    }
    out
}

/// The providers declared well, and the ids of those declared with an error (already
/// reported): rows that name a broken provider are not reported again — one mistake, one
/// error.
pub(super) fn read_providers(
    sink: &mut Sink,
    node: &Node,
) -> (BTreeMap<String, Provider>, BTreeSet<String>) {
    let mut out = BTreeMap::new();
    let mut broken = BTreeSet::new();
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`providers` must be a mapping of provider id to provider",
            "`id: {kind: msp, name: ...}` entries",
        );
        return (out, broken);
    };
    if entries.is_empty() {
        sink.error(
            node.pos,
            "`providers` is empty",
            Some("declare who delivers IT work, e.g. `internal: {kind: internal, ftes: 1}`".into()),
        );
    }
    for (key, value) in entries {
        let what = format!("provider `{}`", key.name);
        let Some(f) = Fields::new(
            sink,
            value,
            &what,
            &["kind", "name", "ftes", "coverage", "tooling", "notes"],
        ) else {
            broken.insert(key.name.clone());
            continue;
        };
        let kind = f
            .require(sink, "kind", &what, "msp")
            .and_then(|n| ProviderKind::read(sink, n, "provider kind"));
        let name = f
            .get("name")
            .and_then(|n| bounded(sink, n, "provider name", MAX_NAME_BYTES))
            .unwrap_or_else(|| key.name.clone());
        let ftes = f.get("ftes").and_then(|n| {
            let v = decode::number(sink, n, "`ftes`")?;
            if v.is_nan() || v > MAX_FTES {
                sink.error(
                    n.pos,
                    format!(
                        "`ftes` of provider `{}` is {v}; at most {MAX_FTES}",
                        key.name
                    ),
                    Some("write the number of full-time staff".into()),
                );
                return None;
            }
            // `-0` is 0: reports must not say "-0 FTE".
            let v = v + 0.0;
            if v < 0.0 {
                sink.error(
                    n.pos,
                    format!("`ftes` of provider `{}` is negative ({v})", key.name),
                    Some("write the number of full-time staff, 0 or more".into()),
                );
                return None;
            }
            Some(v)
        });
        let coverage = f
            .get("coverage")
            .and_then(|n| Coverage::read(sink, n, "coverage"));
        let tooling = f
            .get("tooling")
            .map(|n| {
                decode::list(sink, n, "`tooling`")
                    .iter()
                    .filter_map(|t| decode::string(sink, t, "tool"))
                    .collect()
            })
            .unwrap_or_default();
        let Some(kind) = kind else {
            broken.insert(key.name.clone());
            continue;
        };
        {
            out.insert(
                key.name.clone(),
                Provider {
                    id: key.name.clone(),
                    kind,
                    name,
                    ftes,
                    coverage,
                    tooling,
                    pos: key.pos,
                },
            );
        }
    }
    (out, broken)
}

pub(super) fn read_responsibilities(
    sink: &mut Sink,
    node: &Node,
    providers: &BTreeMap<String, Provider>,
    broken_providers: &BTreeSet<String>,
    registry: &Registry,
) -> BTreeMap<String, Responsibility> {
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`responsibilities` must be a mapping of capability to owner",
            "`capability: {owner: provider-id}` entries",
        );
        return out;
    };
    let provider_ids: Vec<&str> = providers.keys().map(String::as_str).collect();
    for (key, value) in entries {
        let key_node = Node {
            pos: key.pos,
            value: yaml::Value::Str(key.name.clone()),
        };
        let capability = registry.vocabulary.read_id(sink, &key_node);
        let what = format!("responsibility `{}`", key.name);
        let Some(f) = Fields::new(
            sink,
            value,
            &what,
            &[
                "owner",
                "cadence",
                "coverage",
                "response",
                "escalation",
                "notes",
                "sla_target",
                "grace",
            ],
        ) else {
            continue;
        };
        let mut owners: Vec<String> = Vec::new();
        if let Some(o) = f.require(
            sink,
            "owner",
            &what,
            provider_ids.first().copied().unwrap_or("internal"),
        ) {
            for item in decode::one_or_many(o) {
                let Some(id) = decode::string(sink, item, "owner") else {
                    continue;
                };
                if broken_providers.contains(&id) {
                    // Declared, with an error reported at its declaration.
                } else if !providers.contains_key(&id) {
                    let help = if provider_ids.is_empty() {
                        "declare it under `providers:`".to_owned()
                    } else {
                        choose_help(&id, &provider_ids)
                    };
                    sink.error(
                        item.pos,
                        format!("owner `{id}` is not a declared provider"),
                        Some(help),
                    );
                } else if owners.contains(&id) {
                    sink.error(
                        item.pos,
                        format!("owner `{id}` is listed twice"),
                        Some("list each owner once".into()),
                    );
                } else {
                    owners.push(id);
                }
            }
            if matches!(&o.value, yaml::Value::Seq(s) if s.is_empty()) {
                sink.error(o.pos, format!("{what} has no owner"), Some("name at least one provider, or remove the row to leave the capability unassigned".into()));
            }
        }
        let cadence = f
            .get("cadence")
            .and_then(|n| Cadence::read(sink, n, "cadence"));
        let coverage = f
            .get("coverage")
            .and_then(|n| Coverage::read(sink, n, "coverage"));
        let response = f
            .get("response")
            .and_then(|n| Duration::read(sink, n, "response time"));
        let escalation = f
            .get("escalation")
            .and_then(|n| Escalation::read(sink, n, "escalation"))
            .unwrap_or_default();
        let notes = f
            .get("notes")
            .and_then(|n| bounded(sink, n, "`notes`", MAX_TEXT_BYTES));
        let sla_target = f.get("sla_target").and_then(|n| {
            let v = decode::number(sink, n, "`sla_target`")?;
            if !(v > 0.0 && v <= 100.0) {
                sink.error(
                    n.pos,
                    format!("`sla_target` {v} is not a percentage above 0"),
                    Some("write the share of tickets to answer in time, e.g. `sla_target: 95` for 95 %".into()),
                );
                return None;
            }
            if response.is_none() {
                sink.error(
                    n.pos,
                    format!("{what} has `sla_target` but no `response`"),
                    Some("declare the response time the target is measured against, e.g. `response: 1h`".into()),
                );
            }
            Some(v)
        });
        let grace = f
            .get("grace")
            .and_then(|n| Duration::read(sink, n, "grace"));
        if let (Some(n), None) = (f.get("grace"), cadence) {
            sink.error(
                n.pos,
                format!("{what} has `grace` but no `cadence`"),
                Some("grace extends the cadence interval; declare `cadence:` too, or remove `grace:`".into()),
            );
        }
        if let Some(capability) = capability {
            out.insert(
                capability.clone(),
                Responsibility {
                    capability,
                    owners,
                    cadence,
                    coverage,
                    response,
                    escalation,
                    notes,
                    sla_target,
                    grace,
                    pos: key.pos,
                },
            );
        }
    }
    out
}
