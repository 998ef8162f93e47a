//! JSON Schemas (draft 2020-12) of the two file formats, for editors (yaml-language-server)
//! and other tools. They are built from the same keyword tables and vocabulary the loaders
//! use, so a new cadence or capability appears in the schema without a second list to keep
//! in step. The loader stays the authority: it also checks what a schema cannot (owners
//! that name declared providers, profiles of the chosen catalog, regex validity).

use serde_json::{Value, json};

use crate::arrangement::{
    Budget, Encryption, Escalation, EvidencePolicy, Mfa, Model, ProviderKind, Scalability,
};
use crate::capability::{Cadence, Coverage, Vocabulary};
use crate::catalog::{OwnerRule, Registry, Severity};
use crate::decode::Keyword;

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// `value` with a description: every property of every schema carries one, so an editor
/// shows what a key means (a test holds every schema to it).
fn d(mut value: Value, description: &str) -> Value {
    value["description"] = Value::from(description);
    value
}

fn enum_of<T: Keyword>(description: &str) -> Value {
    d(json!({ "enum": T::names() }), description)
}

fn text(description: &str) -> Value {
    d(json!({ "type": "string", "minLength": 1 }), description)
}

fn duration(description: &str) -> Value {
    d(
        json!({ "type": "string", "pattern": "^[1-9][0-9]*[mhd]$" }),
        &format!("{description}: whole minutes, hours or days, e.g. 15m, 4h, 2d"),
    )
}

fn date(description: &str) -> Value {
    d(
        json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date" }),
        &format!("{description}, YYYY-MM-DD"),
    )
}

fn catalog_id(description: &str) -> Value {
    d(
        json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$" }),
        description,
    )
}

fn control_ref(registry: &Registry, description: &str) -> Value {
    // Offer the built-in catalog prefixes as examples; any loaded catalog is valid.
    let examples: Vec<String> = registry
        .catalogs
        .values()
        .filter_map(|c| c.controls.first().map(|k| format!("{}:{}", c.id, k.id)))
        .collect();
    d(
        json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*:.+$", "examples": examples }),
        &format!("{description}, as catalog:control"),
    )
}

/// The arrangement format (DESIGN §3).
pub fn arrangement(registry: &Registry) -> Value {
    let vocab: &Vocabulary = &registry.vocabulary;
    let capability_ids: Vec<&str> = vocab.ids().collect();
    let builtin: Vec<&str> = registry.ids();
    let framework_id = |description: &str| {
        d(
            json!({ "anyOf": [ { "enum": builtin }, catalog_id("a catalog loaded with -c") ] }),
            description,
        )
    };
    let owner_id = json!({ "type": "string", "minLength": 1, "description": "a provider id declared under `providers`" });
    let facts: Vec<&str> = registry.facts().into_keys().collect();
    json!({
        "$schema": DRAFT,
        "title": "gapcheck arrangement (format version 1)",
        "description": "How an organization's IT support is arranged: providers, and who owns which capability.",
        "type": "object",
        "additionalProperties": false,
        "required": ["gapcheck", "organization", "model", "frameworks", "providers"],
        "properties": {
            "gapcheck": { "const": crate::arrangement::FORMAT_VERSION, "description": "format version" },
            "organization": {
                "type": "object",
                "description": "the organization whose arrangement this is",
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": text("the organization's name, shown on every report"),
                    "employees": d(json!({ "type": "integer", "minimum": 0 }), "number of employees (scoping facts such as GLBA's small-institution exemption)"),
                    "budget": enum_of::<Budget>("how IT is paid for (model fit)"),
                    "after_hours_required": d(json!({ "type": "boolean" }), "whether IT support is needed outside business hours (model fit; service-model controls)"),
                    "scalability": enum_of::<Scalability>("how much the IT needs are expected to grow (model fit)"),
                    "consumers": d(json!({ "type": "integer", "minimum": 0 }), "number of consumers whose information is held (GLBA scoping)"),
                    "facts": {
                        "type": "array",
                        "uniqueItems": true,
                        "description": "applicability facts the organization declares (a catalog's `facts:`); controls conditioned on a fact apply only when it is declared",
                        "items": { "enum": facts }
                    }
                }
            },
            "cmmc": {
                "type": "object",
                "additionalProperties": false,
                "description": "facts that CMMC Level 2 partial credit depends on (32 CFR 170.24(c)(2)(i)(B)(4)); only these declarations open it",
                "properties": {
                    "mfa": enum_of::<Mfa>("who must use multi-factor authentication (IA.L2-3.5.3)"),
                    "encryption": enum_of::<Encryption>("whether the cryptography protecting CUI is FIPS-validated (SC.L2-3.13.11)")
                }
            },
            "model": enum_of::<Model>("the service model the organization has contracted"),
            "frameworks": {
                "type": "array",
                "description": "the catalogs to check; [] declares an organization under no regulation (model fit only)",
                "items": {
                    "oneOf": [
                        framework_id("a catalog id"),
                        { "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*:[^:]+$", "description": "catalog:profile, as `init --framework` writes it" },
                        {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["catalog"],
                            "properties": {
                                "catalog": framework_id("the catalog to check"),
                                "profile": text("one of the catalog's profiles (a baseline or level); required where the catalog says so")
                            }
                        }
                    ]
                }
            },
            "providers": {
                "type": "object",
                "description": "who delivers IT work: provider id -> provider",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["kind"],
                    "properties": {
                        "kind": enum_of::<ProviderKind>("internal staff, a managed service provider under contract, or a break-fix vendor paid per incident"),
                        "name": text("the provider's name in reports (default: its id)"),
                        "ftes": d(json!({ "type": "number", "minimum": 0 }), "internal staff in full-time equivalents"),
                        "coverage": enum_of::<Coverage>("the hours the provider acts"),
                        "tooling": d(json!({ "type": "array", "items": { "type": "string" } }), "tools the provider runs (free text, shown in reports)"),
                        "notes": text("free text, shown in reports")
                    }
                }
            },
            "responsibilities": {
                "type": "object",
                "description": "capability id -> who does it and how well (`gapcheck capabilities` lists the ids)",
                "propertyNames": { "enum": capability_ids },
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["owner"],
                    "properties": {
                        "owner": { "oneOf": [ owner_id, { "type": "array", "items": owner_id, "minItems": 1, "uniqueItems": true } ], "description": "the provider doing the work, or a list for shared work" },
                        "cadence": enum_of::<Cadence>("how often the work is done"),
                        "coverage": enum_of::<Coverage>("the hours the work is done (default: the best coverage of its owners)"),
                        "response": duration("how quickly the owner responds"),
                        "escalation": enum_of::<Escalation>("whether shared work has a documented escalation path"),
                        "notes": text("free text, shown in reports"),
                        "sla_target": { "type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "percent of tickets answered within `response` (evidence checks; default 95)" },
                        "grace": duration("how late a record may be beyond the cadence interval (evidence checks)")
                    }
                }
            },
            "attestations": {
                "type": "array",
                "description": "controls met by the organization's own documents",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["control", "evidence"],
                    "properties": {
                        "control": control_ref(registry, "the control the document meets"),
                        "evidence": text("the document that meets it"),
                        "notes": text("free text, shown in reports")
                    }
                }
            },
            "exceptions": {
                "type": "array",
                "description": "accepted risks: a live exception waives the controls it names until it expires",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason", "owner", "expires"],
                    "oneOf": [ { "required": ["control"] }, { "required": ["pattern"] } ],
                    "properties": {
                        "control": control_ref(registry, "the control waived"),
                        "pattern": { "type": "string", "description": "a regex over catalog:control, for the controls waived" },
                        "reason": text("why the risk is accepted"),
                        "owner": text("who answers for the exception"),
                        "expires": date("the day the exception stops waiving"),
                        "allow_broad": { "type": "boolean", "description": "allow this exception to waive more than half of a framework" }
                    }
                }
            },
            "report": {
                "type": "object",
                "additionalProperties": false,
                "description": "Who prepared the report, for whom and over what; shown on page one with a signature block.",
                "properties": {
                    "prepared_by": text("who prepared the report"),
                    "prepared_for": text("who the report is for"),
                    "scope": text("the systems, sites and data the assessment covers"),
                    "period": {
                        "type": "object",
                        "description": "the period the assessment covers",
                        "additionalProperties": false,
                        "required": ["from", "to"],
                        "properties": {
                            "from": date("the first day"),
                            "to": date("the last day")
                        }
                    },
                    "version": text("the report's version"),
                    "reviewer": text("who reviewed the report (a line in the signature block)")
                }
            },
            "evidence": {
                "allOf": [{ "enum": EvidencePolicy::names() }],
                "description": "`required`: with --evidence, a declared ongoing responsibility with no record is needs-evidence"
            },
            "system": system()
        }
    })
}

/// The optional `system:` section (read by [`crate::system`]), for OSCAL exports.
fn system() -> Value {
    json!({
        "type": "object",
        "description": "What an OSCAL system security plan says about the system (gapcheck export ssp)",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": text("the system's name"),
            "short_name": text("a short name or acronym"),
            "description": text("what the system is and does"),
            "status": { "enum": crate::system::SystemState::names(), "description": "the system's operational status" },
            "sensitivity": { "enum": crate::system::Sensitivity::names(), "description": "the system's security sensitivity level (FIPS 199)" },
            "authorization_boundary": text("what the authorization boundary includes"),
            "information_types": {
                "type": "array",
                "description": "the kinds of information the system processes",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["title"],
                    "properties": { "title": text("the information type"), "description": text("what it covers") }
                }
            }
        }
    })
}

/// The catalog format (DESIGN §4).
pub fn catalog(vocab: &Vocabulary) -> Value {
    let capability_ids: Vec<&str> = vocab.ids().collect();
    let text = |description: &str| d(json!({ "type": "string" }), description);
    json!({
        "$schema": DRAFT,
        "title": "gapcheck catalog (format version 1)",
        "description": "A framework's controls, each mapped onto the capabilities it requires.",
        "type": "object",
        "additionalProperties": false,
        "required": ["catalog", "controls"],
        "properties": {
            "catalog": {
                "type": "object",
                "description": "the catalog's header: a new catalog (id, title), or `extends` to add controls to a loaded one",
                "additionalProperties": false,
                "oneOf": [
                    { "required": ["id", "title"], "not": { "required": ["extends"] } },
                    { "required": ["extends"], "not": { "anyOf": [ { "required": ["id"] }, { "required": ["title"] }, { "required": ["id_pattern"] }, { "required": ["profiles"] }, { "required": ["profile_required"] }, { "required": ["facts"] }, { "required": ["authority"] } ] } }
                ],
                "properties": {
                    "id": catalog_id("the catalog's id, as arrangements select it"),
                    "extends": catalog_id("the id of a loaded catalog this file adds controls to"),
                    "title": text("the catalog's title"),
                    "authority": text("who issues the text (a regulator, a standards body)"),
                    "source": text("the authoritative text the controls come from"),
                    "version": text("the version or date of that text"),
                    "url": text("where the text is published"),
                    "notes": text("free text"),
                    "id_pattern": { "type": "string", "description": "a regex every control id must match" },
                    "profiles": { "type": "object", "additionalProperties": { "type": ["string", "null"] }, "description": "profile name -> what it selects (a baseline, a level)" },
                    "profile_required": { "type": "boolean", "description": "an arrangement selecting this catalog must name one of its profiles" },
                    "facts": { "type": "object", "description": "applicability facts controls' `when: {facts}` may test: name -> what declaring it means", "additionalProperties": { "type": "string" } }
                }
            },
            "controls": { "type": "array", "items": { "$ref": "#/$defs/control" }, "description": "the catalog's controls" }
        },
        "$defs": {
            "control": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "title", "citation", "statement", "severity"],
                "properties": {
                    "id": { "type": "string", "minLength": 1, "description": "the control's id, as the source writes it" },
                    "title": text("the control's title"),
                    "group": text("its family or group"),
                    "citation": text("where in the source the text is"),
                    "statement": text("the control's text, quoted from the source"),
                    "guidance": text("the source's guidance or discussion"),
                    "rationale": text("why `requires` asks for these capabilities and thresholds, quoting the statement"),
                    "severity": enum_of::<Severity>("how serious an unmet control is"),
                    "props": { "type": "object", "additionalProperties": { "type": ["string", "integer", "boolean", "number"] }, "description": "framework-specific facts (required/addressable, SPRS points...); `unverified: true` marks content not confirmed against the source" },
                    "profiles": { "type": "array", "items": { "type": "string" }, "description": "the profiles that select the control (none: every profile)" },
                    "requires": { "$ref": "#/$defs/requirement", "description": "the capabilities the control needs, and at what strength" },
                    "when": {
                        "type": "object",
                        "additionalProperties": false,
                        "description": "when the control applies at all",
                        "properties": {
                            "model": { "oneOf": [ { "enum": Model::names() }, { "type": "array", "items": { "enum": Model::names() } } ], "description": "only under these service models" },
                            "after_hours_required": { "type": "boolean", "description": "only when the organization does (or does not) need after-hours support" },
                            "facts": { "oneOf": [ { "type": "string" }, { "type": "array", "items": { "type": "string" } } ], "description": "only when the organization declares these facts" }
                        }
                    },
                    "related": { "type": "array", "items": { "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*:.+$" }, "description": "related controls, as catalog:control" }
                }
            },
            "requirement": {
                "oneOf": [
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["capability"],
                        "properties": {
                            "capability": { "enum": capability_ids, "description": "the capability needed (`gapcheck capabilities` lists them)" },
                            "cadence": enum_of::<Cadence>("at least this often"),
                            "coverage": enum_of::<Coverage>("at least these hours"),
                            "response": duration("at most this response time"),
                            "owner": enum_of::<OwnerRule>("who may own it, overriding its kind's default"),
                            "independent": { "type": "boolean", "description": "the owner must not operate what it assesses (own other ongoing work)" }
                        }
                    },
                    { "type": "object", "additionalProperties": false, "required": ["all"], "properties": { "all": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/requirement" }, "description": "every one of these is needed" } } },
                    { "type": "object", "additionalProperties": false, "required": ["any"], "properties": { "any": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/requirement" }, "description": "one of these is enough" } } }
                ]
            }
        }
    })
}
