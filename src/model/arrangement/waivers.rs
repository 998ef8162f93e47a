//! Attestations and exceptions: control references, the waiver share a framework may have, and
//! the model/provider contradiction check.

use super::*;

/// Reads `catalog:control` and checks that both exist in the loaded catalogs.
pub(super) fn read_control_ref(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
) -> Option<ControlRef> {
    let s = decode::string(sink, node, "control reference")?;
    let Some(r) = ControlRef::parse(&s) else {
        sink.error(
            node.pos,
            format!("invalid control reference `{s}`"),
            Some("write `catalog:control`, e.g. `hipaa-security:164.308(a)(1)(ii)(D)`".into()),
        );
        return None;
    };
    let Some(cat) = registry.get(&r.catalog) else {
        sink.error(
            node.pos,
            format!("unknown catalog `{}` in `{s}`", r.catalog),
            Some(choose_help(&r.catalog, &registry.ids())),
        );
        return None;
    };
    if cat.control(&r.control).is_none() {
        let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
        sink.error(
            node.pos,
            format!("catalog `{}` has no control `{}`", r.catalog, r.control),
            Some(choose_help(&r.control, &ids)),
        );
        return None;
    }
    Some(r)
}

pub(super) fn read_attestations(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
) -> Vec<Attestation> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for item in decode::list(sink, node, "`attestations`") {
        let Some(f) = Fields::new(
            sink,
            item,
            "an attestation",
            &["control", "evidence", "notes"],
        ) else {
            continue;
        };
        let control = f
            .require(sink, "control", "an attestation", "catalog:control")
            .and_then(|n| read_control_ref(sink, n, registry));
        let evidence = f
            .require(sink, "evidence", "an attestation", "path/to/policy.md")
            .and_then(|n| bounded(sink, n, "`evidence`", MAX_TEXT_BYTES));
        let evidence = evidence.filter(|e| {
            let empty = e.trim().is_empty();
            if empty {
                sink.error(
                    item.pos,
                    "an attestation with empty `evidence` attests nothing",
                    Some("name the document that shows the control is met, e.g. `evidence: policies/access-control.md`".into()),
                );
            }
            !empty
        });
        if let (Some(control), Some(evidence)) = (control, evidence) {
            if !seen.insert(control.clone()) {
                sink.error(item.pos, format!("`{control}` is attested twice"), Some("keep one attestation per control; list several documents in one `evidence`".into()));
                continue;
            }
            out.push(Attestation {
                control,
                evidence,
                pos: item.pos,
            });
        }
    }
    out
}

/// The largest share of a framework's controls that exceptions may waive without
/// `allow_broad: true`: a catch-all pattern (`.*`, `''`, a trailing `|`) otherwise waives
/// every control and the run passes silently.
pub const MAX_WAIVED_PERCENT: usize = 50;

/// Refuses exceptions that waive more than [`MAX_WAIVED_PERCENT`] of a selected framework,
/// or every control of it: first each pattern alone (located at the pattern), then all
/// exceptions together (located at `exceptions:`). Exceptions with `allow_broad: true`
/// are left out, so a deliberate broad waiver stays possible and visible in the file.
pub(super) fn check_waiver_share(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
    frameworks: &[Framework],
    counted: &[(&Exception, Pos)],
) {
    for f in frameworks {
        let Some(cat) = registry.get(&f.catalog) else {
            continue;
        };
        let in_scope: Vec<ControlRef> = cat
            .controls
            .iter()
            .filter(|c| {
                c.profiles.is_empty() || f.profile.as_ref().is_none_or(|p| c.profiles.contains(p))
            })
            .map(|c| ControlRef {
                catalog: cat.id.clone(),
                control: c.id.clone(),
            })
            .collect();
        if in_scope.is_empty() {
            continue;
        }
        let scope = match &f.profile {
            Some(p) => format!("{} [{p}]", cat.id),
            None => cat.id.clone(),
        };
        let too_many =
            |n: usize| n * 100 > MAX_WAIVED_PERCENT * in_scope.len() || n == in_scope.len();
        let help = "an exception accepts one risk at a time: narrow the pattern, or add `allow_broad: true` to the exception if waiving most of the framework is really meant";
        for (e, pos) in counted {
            if let ExceptionTarget::Pattern(_) = e.target {
                let n = in_scope.iter().filter(|r| e.target.matches(r)).count();
                if too_many(n) {
                    sink.error(
                        *pos,
                        format!(
                            "exception pattern {} waives {n} of {} controls of {scope} (more than {MAX_WAIVED_PERCENT}%)",
                            e.target,
                            in_scope.len()
                        ),
                        Some(help.into()),
                    );
                    return;
                }
            }
        }
        let n = in_scope
            .iter()
            .filter(|r| counted.iter().any(|(e, _)| e.target.matches(r)))
            .count();
        if too_many(n) {
            sink.error(
                node.pos,
                format!(
                    "the exceptions together waive {n} of {} controls of {scope} (more than {MAX_WAIVED_PERCENT}%)",
                    in_scope.len()
                ),
                Some(help.into()),
            );
            return;
        }
    }
}

pub(super) fn read_exceptions(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
    frameworks: &[Framework],
) -> Vec<Exception> {
    let mut out = Vec::new();
    let mut broad = Vec::new();
    let mut budget = RegexBudget::default();
    let items = decode::list(sink, node, "`exceptions`");
    if let Some(extra) = items.get(MAX_EXCEPTIONS) {
        sink.error(
            extra.pos,
            format!("more than {MAX_EXCEPTIONS} exceptions"),
            Some("group accepted risks with `pattern:` over `catalog:control`, or split the plan of action into several arrangements".into()),
        );
        return out;
    }
    for item in items {
        let what = "an exception";
        let Some(f) = Fields::new(
            sink,
            item,
            what,
            &[
                "control",
                "pattern",
                "reason",
                "owner",
                "expires",
                "allow_broad",
            ],
        ) else {
            continue;
        };
        let allow_broad = f
            .get("allow_broad")
            .and_then(|n| decode::boolean(sink, n, "`allow_broad`"))
            .unwrap_or(false);
        let target = match (f.get("control"), f.get("pattern")) {
            (Some(c), None) => read_control_ref(sink, c, registry).map(ExceptionTarget::Control),
            (None, Some(p)) => user_regex_within(sink, p, "exception pattern", &mut budget)
                .map(ExceptionTarget::Pattern),
            (Some(_), Some(p)) => {
                sink.error(p.pos, "an exception has both `control` and `pattern`", Some("keep one: `control:` for one control, `pattern:` for a regex over `catalog:control`".into()));
                None
            }
            (None, None) => {
                sink.error(
                    item.pos,
                    "an exception needs `control` or `pattern`",
                    Some("add `control: catalog:control` or `pattern: '^catalog:AC-'`".into()),
                );
                None
            }
        };
        let reason = f
            .require(sink, "reason", what, "why the risk is accepted")
            .and_then(|n| bounded(sink, n, "`reason`", MAX_TEXT_BYTES));
        let owner = f
            .require(sink, "owner", what, "who is accountable")
            .and_then(|n| bounded(sink, n, "`owner`", MAX_NAME_BYTES));
        let expires = f
            .require(sink, "expires", what, "2026-12-31")
            .and_then(|n| read_date(sink, n, "expiry date"));
        if let (Some(target), Some(reason), Some(owner), Some(expires)) =
            (target, reason, owner, expires)
        {
            out.push(Exception {
                target,
                reason,
                owner,
                expires,
                pos: item.pos,
            });
            broad.push(allow_broad);
        }
    }
    let counted: Vec<(&Exception, Pos)> = out
        .iter()
        .zip(&broad)
        .filter(|(_, b)| !**b)
        .map(|(e, _)| (e, e.pos))
        .collect();
    check_waiver_share(sink, node, registry, frameworks, &counted);
    out
}

pub(super) fn check_model_contradiction(
    sink: &mut Sink,
    model: Model,
    pos: Pos,
    providers: &BTreeMap<String, Provider>,
) {
    let msps: Vec<&str> = providers
        .values()
        .filter(|p| p.kind == ProviderKind::Msp)
        .map(|p| p.id.as_str())
        .collect();
    match model {
        Model::BreakFix if !msps.is_empty() => sink.error(
            pos,
            format!("model `break-fix` contradicts MSP provider `{}`", msps[0]),
            Some(format!("if `{}` is paid per incident, set its `kind: break-fix`; if it works under a managed-services contract, `model:` must say the model that contract sets up", msps[0])),
        ),
        Model::Managed | Model::CoManaged if msps.is_empty() => sink.error(
            pos,
            format!("model `{model}` needs a provider of kind `msp`, and none is declared"),
            Some("declare the managed service provider under `providers:` with `kind: msp`".into()),
        ),
        _ => {}
    }
}
