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

fn enum_of<T: Keyword>() -> Value {
    json!({ "enum": T::names() })
}

fn duration() -> Value {
    json!({ "type": "string", "pattern": "^[1-9][0-9]*[mhd]$", "description": "a duration: whole minutes, hours or days, e.g. 15m, 4h, 2d" })
}

fn catalog_id() -> Value {
    json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$" })
}

fn control_ref(registry: &Registry) -> Value {
    // Offer the built-in catalog prefixes as examples; any loaded catalog is valid.
    let examples: Vec<String> = registry
        .catalogs
        .values()
        .filter_map(|c| c.controls.first().map(|k| format!("{}:{}", c.id, k.id)))
        .collect();
    json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*:.+$", "description": "catalog:control", "examples": examples })
}

/// The arrangement format (DESIGN §3).
pub fn arrangement(registry: &Registry) -> Value {
    let vocab: &Vocabulary = &registry.vocabulary;
    let capability_ids: Vec<&str> = vocab.ids().collect();
    let builtin: Vec<&str> = registry.ids();
    let framework_id = json!({ "anyOf": [ { "enum": builtin }, catalog_id() ] });
    let owner_id = json!({ "type": "string", "minLength": 1 });
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
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": { "type": "string", "minLength": 1 },
                    "employees": { "type": "integer", "minimum": 0 },
                    "budget": enum_of::<Budget>(),
                    "after_hours_required": { "type": "boolean" },
                    "scalability": enum_of::<Scalability>(),
                    "consumers": { "type": "integer", "minimum": 0 },
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
                    "mfa": enum_of::<Mfa>(),
                    "encryption": enum_of::<Encryption>()
                }
            },
            "model": enum_of::<Model>(),
            "frameworks": {
                "type": "array",
                "description": "the catalogs to check; [] declares an organization under no regulation (model fit only)",
                "items": {
                    "oneOf": [
                        framework_id,
                        {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["catalog"],
                            "properties": { "catalog": framework_id, "profile": { "type": "string" } }
                        }
                    ]
                }
            },
            "providers": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["kind"],
                    "properties": {
                        "kind": enum_of::<ProviderKind>(),
                        "name": { "type": "string" },
                        "ftes": { "type": "number", "minimum": 0 },
                        "coverage": enum_of::<Coverage>(),
                        "tooling": { "type": "array", "items": { "type": "string" } },
                        "notes": { "type": "string" }
                    }
                }
            },
            "responsibilities": {
                "type": "object",
                "propertyNames": { "enum": capability_ids },
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["owner"],
                    "properties": {
                        "owner": { "oneOf": [ owner_id, { "type": "array", "items": owner_id, "minItems": 1, "uniqueItems": true } ] },
                        "cadence": enum_of::<Cadence>(),
                        "coverage": enum_of::<Coverage>(),
                        "response": duration(),
                        "escalation": enum_of::<Escalation>(),
                        "notes": { "type": "string" },
                        "sla_target": { "type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "percent of tickets answered within `response` (evidence checks; default 95)" },
                        "grace": duration()
                    }
                }
            },
            "attestations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["control", "evidence"],
                    "properties": { "control": control_ref(registry), "evidence": { "type": "string" }, "notes": { "type": "string" } }
                }
            },
            "exceptions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason", "owner", "expires"],
                    "oneOf": [ { "required": ["control"] }, { "required": ["pattern"] } ],
                    "properties": {
                        "control": control_ref(registry),
                        "pattern": { "type": "string", "description": "a regex over catalog:control" },
                        "reason": { "type": "string", "minLength": 1 },
                        "owner": { "type": "string", "minLength": 1 },
                        "expires": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date" },
                        "allow_broad": { "type": "boolean", "description": "allow this exception to waive more than half of a framework" }
                    }
                }
            },
            "report": {
                "type": "object",
                "additionalProperties": false,
                "description": "Who prepared the report, for whom and over what; shown on page one with a signature block.",
                "properties": {
                    "prepared_by": { "type": "string", "minLength": 1 },
                    "prepared_for": { "type": "string", "minLength": 1 },
                    "scope": { "type": "string", "minLength": 1, "description": "the systems, sites and data the assessment covers" },
                    "period": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["from", "to"],
                        "properties": {
                            "from": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date" },
                            "to": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date" }
                        }
                    },
                    "version": { "type": "string", "minLength": 1 },
                    "reviewer": { "type": "string", "minLength": 1 }
                }
            },
            "evidence": {
                "allOf": [enum_of::<EvidencePolicy>()],
                "description": "`required`: with --evidence, a declared ongoing responsibility with no record is needs-evidence"
            },
            "system": system()
        }
    })
}

/// The optional `system:` section (read by [`crate::system`]), for OSCAL exports.
fn system() -> Value {
    let text = json!({ "type": "string", "minLength": 1 });
    json!({
        "type": "object",
        "description": "What an OSCAL system security plan says about the system (gapcheck export ssp)",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": text,
            "short_name": text,
            "description": text,
            "status": { "enum": crate::system::SystemState::names() },
            "sensitivity": { "enum": crate::system::Sensitivity::names() },
            "authorization_boundary": text,
            "information_types": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["title"],
                    "properties": { "title": text, "description": text }
                }
            }
        }
    })
}

/// The catalog format (DESIGN §4).
pub fn catalog(vocab: &Vocabulary) -> Value {
    let capability_ids: Vec<&str> = vocab.ids().collect();
    let text = json!({ "type": "string" });
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
                "additionalProperties": false,
                "oneOf": [
                    { "required": ["id", "title"], "not": { "required": ["extends"] } },
                    { "required": ["extends"], "not": { "anyOf": [ { "required": ["id"] }, { "required": ["title"] }, { "required": ["id_pattern"] }, { "required": ["profiles"] }, { "required": ["profile_required"] }, { "required": ["facts"] }, { "required": ["authority"] } ] } }
                ],
                "properties": {
                    "id": catalog_id(),
                    "extends": catalog_id(),
                    "title": text, "authority": text, "source": text, "version": text, "url": text, "notes": text,
                    "id_pattern": { "type": "string", "description": "a regex every control id must match" },
                    "profiles": { "type": "object", "additionalProperties": { "type": ["string", "null"] } },
                    "profile_required": { "type": "boolean", "description": "an arrangement selecting this catalog must name one of its profiles" },
                    "facts": { "type": "object", "description": "applicability facts controls' `when: {facts}` may test: name -> what declaring it means", "additionalProperties": { "type": "string" } }
                }
            },
            "controls": { "type": "array", "items": { "$ref": "#/$defs/control" } }
        },
        "$defs": {
            "control": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "title", "citation", "statement", "severity"],
                "properties": {
                    "id": { "type": "string", "minLength": 1 },
                    "title": text, "group": text, "citation": text, "statement": text, "guidance": text, "rationale": text,
                    "severity": enum_of::<Severity>(),
                    "props": { "type": "object", "additionalProperties": { "type": ["string", "integer", "boolean", "number"] } },
                    "profiles": { "type": "array", "items": { "type": "string" } },
                    "requires": { "$ref": "#/$defs/requirement" },
                    "when": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "model": { "oneOf": [ enum_of::<Model>(), { "type": "array", "items": enum_of::<Model>() } ] },
                            "after_hours_required": { "type": "boolean" },
                            "facts": { "oneOf": [ { "type": "string" }, { "type": "array", "items": { "type": "string" } } ] }
                        }
                    },
                    "related": { "type": "array", "items": { "type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*:.+$" } }
                }
            },
            "requirement": {
                "oneOf": [
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["capability"],
                        "properties": {
                            "capability": { "enum": capability_ids },
                            "cadence": enum_of::<Cadence>(),
                            "coverage": enum_of::<Coverage>(),
                            "response": duration(),
                            "owner": enum_of::<OwnerRule>(),
                            "independent": { "type": "boolean", "description": "the owner must not operate what it assesses (own other ongoing work)" }
                        }
                    },
                    { "type": "object", "additionalProperties": false, "required": ["all"], "properties": { "all": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/requirement" } } } },
                    { "type": "object", "additionalProperties": false, "required": ["any"], "properties": { "any": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/requirement" } } } }
                ]
            }
        }
    })
}
