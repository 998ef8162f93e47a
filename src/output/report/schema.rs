//! The JSON Schema (draft 2020-12) of the JSON report (`gapcheck schema report`), so that
//! the tools that read reports can validate them and learn what each field means. It is
//! written beside the wire model in [`super::json`] and held to it by a test that validates
//! every fixture's report, strictly (`additionalProperties: false` everywhere): a field
//! added to the report without a line here fails that test.

use serde_json::{Value, json};

use crate::arrangement::Model;
use crate::catalog::Severity;
use crate::decode::Keyword;
use crate::evaluate::{Doer, FailOn, ReasonCode, Status};
use crate::evidence::Outcome;
use crate::report::evidence::EvidenceStatus;
use crate::sprs::Level2Status;

/// `value` with a description.
fn d(mut value: Value, description: &str) -> Value {
    value["description"] = Value::from(description);
    value
}

fn words<T: Keyword>(description: &str) -> Value {
    d(json!({ "enum": T::names() }), description)
}

fn text(description: &str) -> Value {
    d(json!({ "type": "string" }), description)
}

fn text_or_null(description: &str) -> Value {
    d(json!({ "type": ["string", "null"] }), description)
}

fn count(description: &str) -> Value {
    d(json!({ "type": "integer", "minimum": 0 }), description)
}

fn flag(description: &str) -> Value {
    d(json!({ "type": "boolean" }), description)
}

fn list(items: Value, description: &str) -> Value {
    d(json!({ "type": "array", "items": items }), description)
}

/// An object with every listed property required, unless it is in `optional`.
fn object(properties: Value, optional: &[&str], description: &str) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .expect("properties are an object")
        .keys()
        .filter(|k| !optional.contains(&k.as_str()))
        .collect();
    d(
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": required,
            "properties": properties,
        }),
        description,
    )
}

fn counts(extra: Value, description: &str) -> Value {
    let mut properties = json!({
        "controls": count("controls checked"),
        "satisfied": count("controls with status satisfied"),
        "partial": count("controls with status partial"),
        "gap": count("controls with status gap"),
        "needs_evidence": count("controls with status needs-evidence"),
        "attested": count("controls with status attested"),
        "waived": count("controls with status waived"),
        "not_applicable": count("controls with status not-applicable"),
        "break_fix_incompatible": count("applicable controls that need ongoing work a break-fix vendor cannot deliver"),
        "failing": count("controls that fail the policy (--fail-on, --min-severity)"),
        "passed": flag("no control fails the policy"),
    });
    let map = properties.as_object_mut().expect("object");
    for (k, v) in extra.as_object().expect("object") {
        map.insert(k.clone(), v.clone());
    }
    object(properties, &[], description)
}

fn sprs() -> Value {
    let open = object(
        json!({
            "control": text("the CMMC Level 2 requirement not met"),
            "status": words::<Status>("its status"),
            "points": d(json!({ "type": "integer" }), "points it costs (32 CFR 170.24(c)(2))"),
            "partial_credit": text("why partial credit applies: the arrangement's declaration"),
        }),
        &["partial_credit"],
        "an open requirement",
    );
    let sprs = object(
        json!({
            "score": d(json!({ "type": "integer" }), "the projected SPRS score, from 110 down"),
            "max": d(json!({ "type": "integer" }), "the highest score (110)"),
            "status": words::<Level2Status>("the CMMC status a self-assessment with this score could claim"),
            "status_title": text("the status in the rule's words"),
            "conditional_eligible": flag("at least 88 with only POA&M-eligible requirements open"),
            "open": list(open, "requirements not met, with the points each costs"),
            "not_poam_eligible": list(text("a requirement id"), "open requirements that may not be on a POA&M"),
        }),
        &[],
        "the SPRS projection, when CMMC Level 2 is selected",
    );
    json!({ "oneOf": [sprs, { "type": "null" }], "description": "the SPRS projection, or null when CMMC Level 2 is not selected" })
}

fn model_fit() -> Value {
    let model = || words::<Model>("a service model");
    object(
        json!({
            "declared": words::<Model>("the model the arrangement declares"),
            "recommended": words::<Model>("the model that fits the organization best"),
            "fits": flag("the declared model is the recommended one or ties with it"),
            "variables": list(
                object(
                    json!({
                        "variable": text("the decision variable"),
                        "field": text("the arrangement field it is read from"),
                        "value": text("the organization's value"),
                        "offers": d(json!({ "type": "array", "items": { "type": "string" }, "minItems": 3, "maxItems": 3 }), "what break-fix, managed and co-managed offer for it"),
                        "matches": list(model(), "the models whose offer the value matches"),
                    }),
                    &[],
                    "one decision variable",
                ),
                "the decision variables, each matched against the models",
            ),
            "scores": list(
                object(
                    json!({
                        "model": model(),
                        "score": count("variables the model matches"),
                        "ruled_out": text_or_null("why the model cannot serve the organization, if it cannot"),
                    }),
                    &[],
                    "one model's score",
                ),
                "each model's score",
            ),
            "summary": text("the fit in one sentence"),
        }),
        &[],
        "how well each service model fits the organization",
    )
}

fn finding() -> Value {
    let reason = object(
        json!({
            "code": words::<ReasonCode>("why the control is not met (README, \"Reason codes\")"),
            "capability": text("the capability the reason is about"),
            "message": text("the reason in words"),
        }),
        &["capability"],
        "one reason",
    );
    let exception = object(
        json!({
            "reason": text("why the risk is accepted"),
            "owner": text("who owns the exception"),
            "expires": text("expiry date, YYYY-MM-DD"),
            "expired": flag("the exception has expired and no longer waives"),
            "line": count("line of the exception in the arrangement"),
        }),
        &[],
        "the exception that applies to the control",
    );
    let prop = json!({ "type": ["string", "integer", "boolean"] });
    object(
        json!({
            "catalog": text("catalog id"),
            "control": text("control id"),
            "title": text("control title"),
            "group": text_or_null("the control's family or group"),
            "status": words::<Status>("the verdict (README, \"Statuses\")"),
            "severity": words::<Severity>("the control's severity"),
            "break_fix_incompatible": flag("the control needs ongoing work a break-fix vendor cannot deliver"),
            "failing": flag("the control fails the policy"),
            "owners": list(text("a provider id"), "providers holding the capabilities the control requires"),
            "ongoing_work": list(words::<Doer>("who does it"), "who does the ongoing work the control needs"),
            "citation": text("where the control's text comes from"),
            "rationale": text("why the control requires these capabilities, quoting its words"),
            "reasons": list(reason, "why the control is not met; empty when it is"),
            "exception": exception,
            "evidence": text("the evidence an attestation names"),
            "line": count("line in the arrangement the verdict rests on"),
            "column": count("column in the arrangement the verdict rests on"),
            "props": d(json!({ "type": "object", "additionalProperties": prop }), "framework-specific facts (SPRS points, POA&M eligibility...)"),
            "statement": text("the control's statement, for an open control"),
            "guidance": text("the catalog's guidance, for an open control"),
        }),
        &[
            "rationale",
            "exception",
            "evidence",
            "props",
            "statement",
            "guidance",
        ],
        "the verdict on one control",
    )
}

fn baseline() -> Value {
    let change = object(
        json!({
            "catalog": text("catalog id"),
            "control": text("control id"),
            "title": text("control title"),
            "before": d(json!({ "oneOf": [ { "enum": Status::names() }, { "type": "null" } ] }), "the status in the baseline; null when the control is new"),
            "after": words::<Status>("the status now"),
            "failing": flag("the control fails the policy now"),
        }),
        &[],
        "one control whose status changed",
    );
    object(
        json!({
            "baseline": text("the baseline report's path"),
            "regressions": list(change.clone(), "controls that got worse, or are new and failing"),
            "improvements": list(change, "controls that got better"),
        }),
        &[],
        "the comparison with --baseline",
    )
}

fn evidence() -> Value {
    let file = object(
        json!({
            "path": text("the evidence file"),
            "format": text("how it was read (csv, jsonl, yaml)"),
            "map": text_or_null("the map file that described its columns"),
            "sha256": text("SHA-256 of the file"),
            "records": count("records folded into the check"),
            "skipped": count("records not folded: undeclared capability or provider, or a bad row (lenient)"),
        }),
        &[],
        "one evidence file",
    );
    let last = object(
        json!({
            "when": text("when the latest record was made (RFC 3339)"),
            "outcome": words::<Outcome>("its outcome"),
            "reference": text_or_null("its reference (ticket, job id)"),
            "file": text("the file it was read from"),
            "line": count("its line in that file"),
        }),
        &[],
        "the latest record",
    );
    let sla = object(
        json!({
            "response": text("the response time declared"),
            "tickets": count("tickets in the window"),
            "answered_in_time": count("tickets answered within the response time"),
            "attainment": d(json!({ "type": "number" }), "percent answered in time"),
            "target": d(json!({ "type": "number" }), "the percent declared as `sla_target`"),
            "met": flag("attainment reaches the target"),
            "mean_resolution": text_or_null("mean time to resolution, e.g. 5h 10m"),
        }),
        &[],
        "response times against the declared SLA",
    );
    let nullable = |v: Value, description: &str| json!({ "oneOf": [v, { "type": "null" }], "description": description });
    let hours = || {
        d(
            json!({ "type": ["integer", "null"] }),
            "the same in whole hours",
        )
    };
    let capability = object(
        json!({
            "capability": text("capability id"),
            "owners": list(text("a provider id"), "who owns it"),
            "cadence": text_or_null("the cadence declared"),
            "limit": text_or_null("cadence interval plus grace: how old the latest successful record may be"),
            "limit_hours": hours(),
            "status": words::<EvidenceStatus>("what the records amount to"),
            "records": count("records of this capability"),
            "last": nullable(last, "the latest record, if any"),
            "last_ok": text_or_null("when the latest successful record was made"),
            "age": text_or_null("age of the latest successful record"),
            "age_hours": hours(),
            "overdue": text_or_null("how far past its limit the latest successful record is"),
            "overdue_hours": hours(),
            "ok": count("successful records in the window"),
            "failed": count("failed records in the window"),
            "partial": count("partial records in the window"),
            "sla": nullable(sla, "the SLA check, when a response time is declared"),
            "timeline": text("one character per day of the window, oldest first: . none, o ok, x failed, p partial, ! ok and failed"),
            "controls": count("controls that fail because of this capability's evidence"),
        }),
        &[],
        "the evidence of one capability",
    );
    let reason = object(
        json!({
            "code": words::<ReasonCode>("an evidence reason code"),
            "capabilities": list(text("capability id"), "the capabilities it concerns"),
            "controls": count("controls with this reason"),
            "failing": count("of those, controls that fail the policy"),
        }),
        &[],
        "one evidence reason code",
    );
    object(
        json!({
            "as_of": text("the instant records were judged at (RFC 3339, UTC)"),
            "window_days": count("days of records looked at"),
            "strict": flag("a declared ongoing responsibility with no record is needs-evidence"),
            "records": count("records read"),
            "files": list(file, "the evidence files"),
            "stale": count("capabilities whose latest success is too old"),
            "failed": count("capabilities whose latest record failed"),
            "sla_missed": count("capabilities whose response times miss the SLA"),
            "needs_evidence": count("capabilities with no record in strict mode"),
            "capabilities": list(capability, "each capability with records or a declared owner"),
            "reasons": list(reason, "per evidence reason code, the capabilities and controls it fails"),
        }),
        &[],
        "what the evidence records show (--evidence)",
    )
}

/// The JSON report (`-f json`, schema `gapcheck/report/v1`).
pub fn report() -> Value {
    let file = object(
        json!({
            "path": text("where the file was read from (built-in files: their path in the source)"),
            "sha256": text("SHA-256 of the file"),
            "builtin": flag("the file is built into gapcheck"),
        }),
        &[],
        "one catalog file",
    );
    let mut schema = object(
        json!({
            "schema": d(json!({ "const": super::json::SCHEMA }), "the report format and its version"),
            "tool": object(
                json!({ "name": text("gapcheck"), "version": text("gapcheck's version") }),
                &[],
                "the program that wrote the report",
            ),
            "generated_at": text("when the report was written (RFC 3339, UTC; SOURCE_DATE_EPOCH when set)"),
            "today": text("the date exceptions expire against, YYYY-MM-DD"),
            "basis": text("what the statuses rest on, in words"),
            "arrangement": object(
                json!({
                    "path": text("the arrangement file"),
                    "sha256": text("SHA-256 of the arrangement file"),
                    "organization": text("the organization's name"),
                    "model": words::<Model>("the declared service model"),
                }),
                &[],
                "the arrangement checked",
            ),
            "report": object(
                json!({
                    "prepared_by": text("who prepared the report"),
                    "prepared_for": text("whom the report is prepared for"),
                    "scope": text("the assessment scope, in words"),
                    "period": object(
                        json!({
                            "from": text("first day of the assessment period, YYYY-MM-DD"),
                            "to": text("last day of the assessment period, YYYY-MM-DD (included)"),
                        }),
                        &[],
                        "the assessment period",
                    ),
                    "version": text("the report's version"),
                    "reviewer": text("who reviews and signs the report"),
                }),
                &["prepared_by", "prepared_for", "scope", "period", "version", "reviewer"],
                "the arrangement's report: section as written there (keys left out there are absent)",
            ),
            "catalogs": list(
                object(
                    json!({
                        "id": text("catalog id"),
                        "title": text("catalog title"),
                        "version": text_or_null("the catalog's version"),
                        "profile": text_or_null("the profile selected"),
                        "sha256": text("digest of the catalog's files"),
                        "source": text_or_null("the authoritative source"),
                        "url": text_or_null("where the source is published"),
                        "files": list(file, "the files the catalog was read from"),
                    }),
                    &[],
                    "one selected catalog",
                ),
                "the catalogs checked, with the digests of their text",
            ),
            "policy": object(
                json!({
                    "fail_on": words::<FailOn>("the weakest status that fails (--fail-on)"),
                    "min_severity": words::<Severity>("the lowest severity that can fail (--min-severity)"),
                }),
                &[],
                "the fail policy",
            ),
            "model_fit": model_fit(),
            "summary": counts(json!({ "sprs": sprs() }), "counts over every framework"),
            "frameworks": list(
                counts(
                    json!({
                        "catalog": text("catalog id"),
                        "title": text("catalog title"),
                        "profile": text_or_null("the profile selected"),
                    }),
                    "counts for one framework",
                ),
                "counts per selected framework",
            ),
            "findings": list(finding(), "one verdict per control checked"),
            "remarks": list(
                object(
                    json!({
                        "code": text("what kind of remark"),
                        "line": count("its line in the arrangement"),
                        "message": text("the remark in words"),
                    }),
                    &[],
                    "one remark",
                ),
                "non-fatal remarks on the arrangement",
            ),
            "baseline": baseline(),
            "evidence": evidence(),
        }),
        &["report", "baseline", "evidence"],
        "A gapcheck report: the verdict on every control of the selected frameworks for one arrangement.",
    );
    schema["$schema"] = Value::from("https://json-schema.org/draft/2020-12/schema");
    schema["title"] = Value::from("gapcheck JSON report (gapcheck/report/v1)");
    schema
}
