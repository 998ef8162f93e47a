//! Issue 17, "Built-ins compiled, not parsed … measure and choose": decoding all seven
//! built-in catalogs from three embedded forms, each ending in the product's own
//! `catalog::Catalog` values (what a run needs), so the comparison is like for like:
//!
//!   compiled   today's hand-written length-prefixed form (`catalog::compiled`, build.rs)
//!   json       serde_json of mirror structs, then converted into `Catalog`
//!   postcard   postcard (serde, varint binary) of the same mirror structs, then converted
//!
//! The mirror structs are this bench's own (the catalog types carry no serde derives and
//! belong to the model); they hold exactly the data the compiled form holds, keywords as
//! their index in `Keyword::ALL` as the compiled form stores them. The `*-only` modes stop
//! at the mirror structs, to show what the conversion costs.
//!
//!   cargo bench --bench builtin_forms                  # wall time of every form, in-process
//!   cargo bench --bench builtin_forms -- once MODE N   # decode N times (for callgrind)
//!
//! `benches/builtin_forms.sh` runs the second form under callgrind with N = 1 and N = 101 and
//! prints the instructions of one decode (the difference over 100), which do not drift.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use gapcheck::capability::{Cadence, Coverage, Duration};
use gapcheck::catalog::{
    self, BUILTIN_COMPILED, Catalog, Condition, Control, ControlRef, IdPattern, Leaf, OwnerRule,
    Prop, Registry, Requirement, Severity, SourceFile,
};
use gapcheck::decode::Keyword;
use gapcheck::diag::Pos;
use gapcheck::service::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct MCatalog {
    id: String,
    title: String,
    authority: Option<String>,
    source: Option<String>,
    version: Option<String>,
    url: Option<String>,
    notes: Option<String>,
    id_pattern: Option<String>,
    profiles: BTreeMap<String, String>,
    profile_required: bool,
    facts: BTreeMap<String, String>,
    controls: Vec<MControl>,
    files: Vec<(String, String, bool)>,
    pos: (u32, u32),
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct MControl {
    id: String,
    title: String,
    group: Option<String>,
    citation: String,
    statement: String,
    severity: u8,
    props: BTreeMap<String, MProp>,
    profiles: Vec<String>,
    requires: Option<MRequirement>,
    when: Option<MCondition>,
    guidance: Option<String>,
    rationale: Option<String>,
    related: Vec<(String, String)>,
    break_fix_incompatible: bool,
    file: String,
    pos: (u32, u32),
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum MProp {
    Bool(bool),
    Int(i64),
    Str(String),
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum MRequirement {
    Leaf {
        capability: String,
        cadence: Option<u8>,
        coverage: Option<u8>,
        response: Option<u64>,
        owner: Option<u8>,
        independent: bool,
    },
    All(Vec<MRequirement>),
    Any(Vec<MRequirement>),
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct MCondition {
    models: Option<Vec<u8>>,
    after_hours_required: Option<bool>,
    facts: Vec<String>,
}

fn index<K: Keyword + PartialEq>(k: K) -> u8 {
    u8::try_from(K::ALL.iter().position(|x| *x == k).expect("keyword in ALL")).unwrap()
}

fn keyword<K: Keyword>(i: u8) -> K {
    K::ALL[usize::from(i)]
}

fn pos(p: Pos) -> (u32, u32) {
    (p.line, p.column)
}

fn mirror(c: &Catalog) -> MCatalog {
    MCatalog {
        id: c.id.clone(),
        title: c.title.clone(),
        authority: c.authority.clone(),
        source: c.source.clone(),
        version: c.version.clone(),
        url: c.url.clone(),
        notes: c.notes.clone(),
        id_pattern: c.id_pattern.as_ref().map(|p| p.as_str().to_owned()),
        profiles: c.profiles.clone(),
        profile_required: c.profile_required,
        facts: c.facts.clone(),
        controls: c.controls.iter().map(mirror_control).collect(),
        files: c
            .files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone(), f.builtin))
            .collect(),
        pos: pos(c.pos),
    }
}

fn mirror_control(c: &Control) -> MControl {
    MControl {
        id: c.id.clone(),
        title: c.title.clone(),
        group: c.group.clone(),
        citation: c.citation.clone(),
        statement: c.statement.clone(),
        severity: index(c.severity),
        props: c
            .props
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Prop::Bool(b) => MProp::Bool(*b),
                    Prop::Int(i) => MProp::Int(*i),
                    Prop::Str(s) => MProp::Str(s.clone()),
                };
                (k.clone(), v)
            })
            .collect(),
        profiles: c.profiles.clone(),
        requires: c.requires.as_ref().map(mirror_requirement),
        when: c.when.as_ref().map(|w| MCondition {
            models: w
                .models
                .as_ref()
                .map(|m| m.iter().map(|m| index(*m)).collect()),
            after_hours_required: w.after_hours_required,
            facts: w.facts.clone(),
        }),
        guidance: c.guidance.clone(),
        rationale: c.rationale.clone(),
        related: c
            .related
            .iter()
            .map(|r| (r.catalog.clone(), r.control.clone()))
            .collect(),
        break_fix_incompatible: c.break_fix_incompatible,
        file: c.file.to_string(),
        pos: pos(c.pos),
    }
}

fn mirror_requirement(r: &Requirement) -> MRequirement {
    match r {
        Requirement::Leaf(l) => MRequirement::Leaf {
            capability: l.capability.clone(),
            cadence: l.cadence.map(index),
            coverage: l.coverage.map(index),
            response: l.response.map(Duration::minutes),
            owner: l.owner.map(index),
            independent: l.independent,
        },
        Requirement::All(v) => MRequirement::All(v.iter().map(mirror_requirement).collect()),
        Requirement::Any(v) => MRequirement::Any(v.iter().map(mirror_requirement).collect()),
    }
}

/// Back into the product's types: the work the compiled form's reader does on its own.
fn into_catalog(m: MCatalog) -> Catalog {
    Catalog {
        id: m.id,
        title: m.title,
        authority: m.authority,
        source: m.source,
        version: m.version,
        url: m.url,
        notes: m.notes,
        id_pattern: m.id_pattern.map(IdPattern::lazy),
        profiles: m.profiles,
        profile_required: m.profile_required,
        facts: m.facts,
        controls: m.controls.into_iter().map(into_control).collect(),
        files: m
            .files
            .into_iter()
            .map(|(path, sha256, builtin)| SourceFile {
                path,
                sha256,
                builtin,
            })
            .collect(),
        pos: Pos::new(m.pos.0, m.pos.1),
    }
}

fn into_control(m: MControl) -> Control {
    Control {
        id: m.id,
        title: m.title,
        group: m.group,
        citation: m.citation,
        statement: m.statement,
        severity: keyword::<Severity>(m.severity),
        props: m
            .props
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    MProp::Bool(b) => Prop::Bool(b),
                    MProp::Int(i) => Prop::Int(i),
                    MProp::Str(s) => Prop::Str(s),
                };
                (k, v)
            })
            .collect(),
        profiles: m.profiles,
        requires: m.requires.map(into_requirement),
        when: m.when.map(|w| Condition {
            models: w
                .models
                .map(|m| m.into_iter().map(keyword::<Model>).collect()),
            after_hours_required: w.after_hours_required,
            facts: w.facts,
        }),
        guidance: m.guidance,
        rationale: m.rationale,
        related: m
            .related
            .into_iter()
            .map(|(catalog, control)| ControlRef { catalog, control })
            .collect(),
        break_fix_incompatible: m.break_fix_incompatible,
        file: m.file.into(),
        pos: Pos::new(m.pos.0, m.pos.1),
    }
}

fn into_requirement(m: MRequirement) -> Requirement {
    match m {
        MRequirement::Leaf {
            capability,
            cadence,
            coverage,
            response,
            owner,
            independent,
        } => Requirement::Leaf(Leaf {
            capability,
            cadence: cadence.map(keyword::<Cadence>),
            coverage: coverage.map(keyword::<Coverage>),
            response: response.map(Duration::from_minutes),
            owner: owner.map(keyword::<OwnerRule>),
            independent,
        }),
        MRequirement::All(v) => Requirement::All(v.into_iter().map(into_requirement).collect()),
        MRequirement::Any(v) => Requirement::Any(v.into_iter().map(into_requirement).collect()),
    }
}

struct Forms {
    json: Vec<u8>,
    postcard: Vec<u8>,
}

fn forms() -> Forms {
    let registry = Registry::load(true, &[]).expect("built-in catalogs load");
    let mirrors: Vec<MCatalog> = registry.catalogs.values().map(mirror).collect();
    let forms = Forms {
        json: serde_json::to_vec(&mirrors).unwrap(),
        postcard: postcard::to_allocvec(&mirrors).unwrap(),
    };
    // Every form must give back the same catalogs before anything is timed.
    let want = format!("{:?}", registry.catalogs);
    for mode in ["compiled", "json", "postcard"] {
        let got: BTreeMap<String, Catalog> = decode(&forms, mode)
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        assert_eq!(format!("{got:?}"), want, "{mode} gives other catalogs");
    }
    forms
}

fn decode(forms: &Forms, mode: &str) -> Vec<Catalog> {
    match mode {
        "compiled" => catalog::compiled::decode(BUILTIN_COMPILED, |_| true)
            .into_values()
            .collect(),
        "json" => serde_json::from_slice::<Vec<MCatalog>>(&forms.json)
            .unwrap()
            .into_iter()
            .map(into_catalog)
            .collect(),
        "postcard" => postcard::from_bytes::<Vec<MCatalog>>(&forms.postcard)
            .unwrap()
            .into_iter()
            .map(into_catalog)
            .collect(),
        other => panic!("unknown form {other}"),
    }
}

/// Decoding into the mirror structs alone, without building `Catalog`s.
fn decode_only(forms: &Forms, mode: &str) -> usize {
    match mode {
        "json-only" => serde_json::from_slice::<Vec<MCatalog>>(&forms.json)
            .unwrap()
            .len(),
        "postcard-only" => postcard::from_bytes::<Vec<MCatalog>>(&forms.postcard)
            .unwrap()
            .len(),
        "none" => 0,
        _ => decode(forms, mode).len(),
    }
}

const MODES: &[&str] = &["compiled", "json", "postcard", "json-only", "postcard-only"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let forms = forms();
    if let [cmd, mode, n] = args.as_slice()
        && cmd == "once"
    {
        let n: usize = n.parse().expect("N is a number");
        for _ in 0..n {
            black_box(decode_only(black_box(&forms), mode));
        }
        return;
    }
    println!(
        "embedded sizes: compiled {} B, json {} B, postcard {} B",
        BUILTIN_COMPILED.len(),
        forms.json.len(),
        forms.postcard.len()
    );
    let rounds = 21;
    let per_round = 20;
    let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    // Interleaved, so a burst of load on the shared machine hits every form alike.
    for _ in 0..rounds {
        for mode in MODES {
            let t = Instant::now();
            for _ in 0..per_round {
                black_box(decode_only(black_box(&forms), mode));
            }
            let each = t.elapsed().as_secs_f64() / f64::from(per_round);
            times.entry(mode).or_default().push(each);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(times.get_mut("compiled").unwrap());
    println!("decode all seven built-in catalogs, median of {rounds} rounds of {per_round}:");
    for mode in MODES {
        let m = median(times.get_mut(mode).unwrap());
        println!("{mode:<14} {:9.1} µs  {:5.2}x compiled", m * 1e6, m / base);
    }
}
