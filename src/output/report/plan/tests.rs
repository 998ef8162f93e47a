//! The proof that the plan renders what handlebars renders: each construct against
//! handlebars itself on edge values, every fixture's report in both formats, and those
//! reports' contexts mutated at random. Everywhere the rule is the same: the plan either
//! gives handlebars' exact bytes, or declines exactly where handlebars fails.

use serde_json::{Value, json};

use super::Plan;
use crate::report::templates::{self, Kind};
use crate::report::{html, markdown};

fn escape_of(kind: Kind) -> fn(&str) -> String {
    match kind {
        Kind::Markdown => markdown::escape,
        Kind::Html => html::escape,
    }
}

/// Registers `sources` (the first is `report`) the way gapcheck's registries are set up.
fn registry(kind: Kind, sources: &[(&str, &str)]) -> handlebars::Handlebars<'static> {
    let mut hb = templates::empty_registry(kind, escape_of(kind));
    for (name, text) in sources {
        hb.register_template_string(name, text)
            .unwrap_or_else(|e| panic!("{name}: {text}: {e}"));
    }
    hb
}

fn convert(kind: Kind, hb: &handlebars::Handlebars<'static>) -> Option<Plan> {
    Plan::convert(hb.get_templates(), kind == Kind::Html)
}

/// Renders `report` both ways and requires the plan to agree with handlebars: the same
/// bytes, or a decline where handlebars reports an error. Returns handlebars' result.
fn agree(
    kind: Kind,
    hb: &handlebars::Handlebars<'static>,
    plan: &Plan,
    data: &Value,
) -> Result<String, String> {
    let ctx = handlebars::Context::from(data.clone());
    let slow = hb
        .render_with_context("report", &ctx)
        .map_err(|e| e.to_string());
    let fast = plan.render("report", data, escape_of(kind));
    match (&slow, &fast) {
        (Ok(s), Some(f)) => assert!(s == f, "plan renders differently:\n{s:?}\n{f:?}"),
        (Err(_), None) => {}
        (Ok(s), None) => panic!("plan declined what handlebars renders: {s:?}"),
        (Err(e), Some(f)) => panic!("plan rendered {f:?} where handlebars fails: {e}"),
    }
    slow
}

/// One template (plus partials), both kinds, against `data`.
fn check(sources: &[(&str, &str)], data: &Value) -> Result<String, String> {
    let mut result = None;
    for kind in [Kind::Markdown, Kind::Html] {
        let hb = registry(kind, sources);
        let plan = convert(kind, &hb).unwrap_or_else(|| panic!("{sources:?} does not convert"));
        result = Some(agree(kind, &hb, &plan, data));
    }
    result.expect("two kinds")
}

fn ok(template: &str, data: &Value) -> String {
    check(&[("report", template)], data).unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn fails(template: &str, data: &Value) {
    assert!(
        check(&[("report", template)], data).is_err(),
        "{template} renders"
    );
}

fn edge_values() -> Value {
    json!({
        "zero": 0, "neg": -5, "one": 1, "float_zero": 0.0, "neg_zero": -0.0, "one_f": 1.0,
        "big": 1e20, "tiny": 5e-324, "huge": 18446744073709551615u64, "frac": 0.1,
        "empty": "", "text": "a", "hostile": "<b a=\"x\">'&`=</b> *_[x](y) # | ~ @ $ \\ http://www.x.org\u{7}\u{2028}é",
        "list": [], "list1": [1, "two", null, true, [3], {"k": 1}], "obj": {}, "obj1": {"x": 1},
        "nothing": null, "yes": true, "no": false,
    })
}

#[test]
fn truthiness_matches_for_every_kind_of_value() {
    let data = edge_values();
    let mut keys: Vec<String> = data.as_object().unwrap().keys().cloned().collect();
    keys.push("missing".into());
    for k in &keys {
        ok(&format!("{{{{#if {k}}}}}T{{{{else}}}}F{{{{/if}}}}"), &data);
        ok(
            &format!("{{{{#unless {k}}}}}T{{{{else}}}}F{{{{/unless}}}}"),
            &data,
        );
        ok(
            &format!("{{{{#if {k}}}}}T{{{{/if}}}}|{{{{#unless {k}}}}}U{{{{/unless}}}}"),
            &data,
        );
    }
    assert_eq!(
        ok(
            "{{#if zero}}T{{else}}F{{/if}}{{#if tiny}}T{{else}}F{{/if}}",
            &data
        ),
        "FF"
    );
    assert_eq!(
        ok(
            "{{#if list}}T{{else}}F{{/if}}{{#if obj1}}T{{else}}F{{/if}}",
            &data
        ),
        "FT"
    );
    // Literals as conditions.
    ok(
        "{{#if true}}T{{/if}}{{#if 0}}Z{{else}}N{{/if}}{{#if \"\"}}E{{/if}}",
        &data,
    );
}

#[test]
fn values_render_and_escape_as_handlebars_renders_them() {
    let data = edge_values();
    for (k, _) in data.as_object().unwrap() {
        ok(&format!("[{{{{{k}}}}}]"), &data);
        ok(&format!("[{{{{{{{k}}}}}}}]"), &data);
    }
    assert_eq!(
        ok("{{big}} {{one_f}} {{neg_zero}} {{huge}}", &data),
        "1e+20 1.0 -0.0 18446744073709551615"
    );
    assert_eq!(
        check(&[("report", "{{list1}}")], &data).unwrap(),
        "[1, two, , true, [3], [object]]"
    );
    fails("{{missing}}", &data);
    fails("{{{missing}}}", &data);
    fails("{{obj1.x.y}}", &data);
    ok(
        "{{obj1.missing_is_fine_in_if}}{{#if obj1.x.y}}T{{/if}}",
        &json!({"obj1": {"missing_is_fine_in_if": 1, "x": 1}}),
    );
}

#[test]
fn paths_index_arrays_and_refuse_names_on_them() {
    let data = json!({"items": [{"name": "a"}, {"name": "b"}]});
    assert_eq!(ok("{{items.1.name}}{{this.items.0.name}}", &data), "ba");
    fails("{{items.name}}", &data);
    fails("{{#if items.name}}x{{/if}}", &data);
    fails("{{items.7.name}}", &data);
    ok("{{#if items.7.name}}x{{else}}none{{/if}}", &data);
}

#[test]
fn each_over_arrays_objects_and_everything_else() {
    let data = edge_values();
    let body = "({{@index}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}{{#unless @last}},{{/unless}}:{{this}})";
    for k in [
        "list", "list1", "obj", "obj1", "text", "zero", "nothing", "yes", "missing",
    ] {
        let with_else = format!("{{{{#each {k}}}}}{body}{{{{else}}}}none{{{{/each}}}}");
        ok(&with_else, &data);
        let without = format!("{{{{#each {k}}}}}{body}{{{{/each}}}}");
        let r = check(&[("report", &without)], &data);
        if !matches!(k, "list" | "list1" | "obj" | "obj1") {
            assert!(
                r.is_err(),
                "{k}: strict mode refuses a non-iterable without else"
            );
        }
    }
    let m = json!({"m": {"b": 2, "a": 1, "c": {"x": 3}}});
    assert_eq!(
        ok(
            "{{#each m}}{{@key}}={{@index}}/{{#if @first}}f{{/if}};{{/each}}",
            &m
        ),
        "a=0/f;b=1/;c=2/;"
    );
    // Local variables are missing outside a loop and in the wrong kind of loop.
    fails("{{@index}}", &m);
    fails(
        "{{#each m.c}}{{@key}}{{/each}}{{#each l}}{{@key}}{{/each}}",
        &json!({"m": {"c": {"x": 1}}, "l": [1]}),
    );
    ok("{{#if @index}}x{{else}}y{{/if}}", &m);
}

#[test]
fn nested_each_resolves_parents_as_handlebars_does() {
    let data = json!({
        "top": "T", "name": "root",
        "items": [
            {"name": "i0", "sub": [{"v": 1, "name": "s0"}, {"v": 2}]},
            {"name": "i1", "sub": []},
            {"name": "i2", "sub": [{"v": 3}]},
        ],
    });
    ok(
        "{{#each items}}[{{name}}:{{#each sub}}{{v}}/{{../name}}/{{../../top}}/{{@index}}{{@../index}}{{@first}}{{@last}};{{else}}empty{{/each}}]{{/each}}",
        &data,
    );
    // `../` from the root, and more `../` than blocks: handlebars falls back to the
    // innermost block.
    ok(
        "{{../top}}{{#each items}}{{../../../name}}{{#each sub}}{{../../../../v}}{{/each}}{{/each}}",
        &data,
    );
    // `#if` pushes no block: `../` inside it still names the loop's parent.
    ok(
        "{{#each items}}{{#if sub}}{{#if name}}{{../top}}{{/if}}{{/if}}{{/each}}",
        &data,
    );
    ok(
        "{{#each items}}{{#each sub}}{{this.v}}{{#each ../sub}}{{v}}{{/each}}{{/each}}{{/each}}",
        &data,
    );
    ok(
        "{{#each items}}{{#each ../items}}{{name}}{{/each}}|{{/each}}",
        &data,
    );
    // An else chain.
    ok(
        "{{#each items}}{{#if sub.1}}two{{else if sub.0}}one{{else}}none{{/if}},{{/each}}",
        &data,
    );
    fails(
        "{{#each items}}{{#each sub}}{{../../../../nothing}}{{/each}}{{/each}}",
        &data,
    );
}

#[test]
fn deep_nesting() {
    let mut v = json!({"leaf": "end", "depth": "leaf"});
    let mut template = String::from("{{leaf}}");
    for i in 0..40 {
        v = json!({"l": [v], "depth": i});
        template = format!("{{{{#each l}}}}{{{{depth}}}}{{{{../depth}}}}{template}{{{{/each}}}}");
    }
    ok(&template, &v);
}

#[test]
fn eq_and_len() {
    let data = edge_values();
    ok(
        "{{#if (eq text \"a\")}}A{{/if}}{{#if (eq one 1)}}1{{/if}}{{#if (eq one_f 1)}}F{{/if}}{{#if (eq nothing null)}}N{{/if}}{{#unless (eq list1 list1)}}x{{/unless}}",
        &data,
    );
    fails("{{#if (eq missing \"a\")}}A{{/if}}", &data);
    fails("{{#if (eq \"a\" missing)}}A{{/if}}", &data);
    ok(
        "{{len list1}} {{len obj1}} {{len hostile}} {{len zero}} {{len nothing}} {{len empty}}",
        &data,
    );
    fails("{{len missing}}", &data);
}

#[test]
fn sections_render_other_templates_from_the_root() {
    let data = json!({"title": "<T>", "items": [{"title": "inner"}]});
    let part = ("part", "[{{title}}{{#each items}}{{@index}}{{/each}}]");
    let r = check(
        &[
            (
                "report",
                "{{#each items}}{{title}}{{section \"part\"}}{{/each}}{{section \"part\"~}}\n!",
            ),
            part,
        ],
        &data,
    );
    assert_eq!(
        r.unwrap(),
        "inner[<T>0][<T>0]!".replace("<T>", &html::escape("<T>"))
    );
    assert!(check(&[("report", "{{section \"nowhere\"}}")], &data).is_err());
    // A section that includes itself stops at the depth limit in both.
    assert!(
        check(
            &[
                ("report", "x{{section \"loop\"}}"),
                ("loop", "{{section \"loop\"}}")
            ],
            &data
        )
        .is_err()
    );
    // Exactly the limit deep is fine.
    let mut sources = vec![("report".to_owned(), "{{section \"s1\"}}".to_owned())];
    for i in 1..=super::super::templates::MAX_SECTION_DEPTH {
        let next = if i < super::super::templates::MAX_SECTION_DEPTH {
            format!("{{{{section \"s{}\"}}}}", i + 1)
        } else {
            "{{title}}".into()
        };
        sources.push((format!("s{i}"), format!("{i}{next}")));
    }
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert!(check(&refs, &data).is_ok());
    sources.push(("s99".into(), "{{section \"s1\"}}".into()));
    sources[0].1 = "{{section \"s99\"}}".into();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert!(check(&refs, &data).is_err());
}

#[test]
fn code_spans_in_html() {
    let data = json!({
        "spans": [{"text": "a <b>", "code": false}, {"text": "x=`1`", "code": true}, {"code": true}, {"text": 5}, {"text": "t", "code": "yes"}],
        "none": null, "str": "s",
    });
    let hb = registry(
        Kind::Html,
        &[(
            "report",
            "{{code_spans spans}}|{{#each spans}}{{code_spans ../spans}}{{/each}}",
        )],
    );
    let plan = convert(Kind::Html, &hb).unwrap();
    agree(Kind::Html, &hb, &plan, &data).unwrap();
    for bad in [
        "{{code_spans none}}",
        "{{code_spans str}}",
        "{{code_spans missing}}",
    ] {
        let hb = registry(Kind::Html, &[("report", bad)]);
        let plan = convert(Kind::Html, &hb).unwrap();
        assert!(agree(Kind::Html, &hb, &plan, &data).is_err(), "{bad}");
    }
    // Markdown has no such helper: not converted (handlebars reports it).
    let hb = registry(Kind::Markdown, &[("report", "{{code_spans spans}}")]);
    assert!(convert(Kind::Markdown, &hb).is_none());
}

#[test]
fn whitespace_control_and_comments_are_compiled_into_the_text() {
    let data = json!({"a": [1, 2], "b": "x"});
    ok(
        "  {{~#each a~}}  \n {{this}} {{~/each~}}  \n{{!-- gone --}}{{! gone }}\n{{#if b}}\n  {{b}}\n{{/if}}\n  end",
        &data,
    );
}

#[test]
fn unsupported_constructs_do_not_convert() {
    let partial = ("p", "x");
    for t in [
        "{{> p}}",
        "{{#> p}}y{{/p}}",
        "{{#with a}}{{b}}{{/with}}",
        "{{lookup a \"b\"}}",
        "{{#each a as |x|}}{{x}}{{/each}}",
        "{{#each a as |x i|}}{{x}}{{/each}}",
        "{{#if a includeZero=true}}x{{/if}}",
        "{{@root.a}}",
        "{{len}}",
        "{{{len a}}}",
        "{{len a b}}",
        "{{section p}}",
        "{{#section \"p\"}}{{/section}}",
        "{{*inline \"p\"}}",
        "{{#*inline \"q\"}}x{{/inline}}",
        "{{#each @index}}x{{/each}}",
        "{{#each \"abc\"}}x{{/each}}",
        "{{#if (not a)}}x{{/if}}",
        "{{#if (eq (len a) 1)}}x{{/if}}",
        "{{eq a b}}",
        "{{unknown a}}",
        "{{#unknown a}}{{/unknown}}",
        "{{#if}}x{{/if}}",
        "{{#if a b}}x{{/if}}",
        "{{{{raw}}}}{{x}}{{{{/raw}}}}",
    ] {
        let hb = registry(Kind::Html, &[("report", t), partial]);
        assert!(convert(Kind::Html, &hb).is_none(), "{t} converted");
    }
    // One template that does not convert is enough to leave the whole registry to
    // handlebars (a section may reach any of them).
    let hb = registry(
        Kind::Html,
        &[("report", "{{a}}"), ("other", "{{> p}}"), partial],
    );
    assert!(convert(Kind::Html, &hb).is_none());
}

/// Every fixture's report context (built as a check builds it), with both paper sizes, and
/// with the previous fixture's JSON report as its `--baseline`.
fn fixture_contexts() -> Vec<(String, Value)> {
    let registry = crate::catalog::Registry::load(true, &[]).expect("built-ins load");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [root.clone(), root.join("cases"), root.join("evidence")] {
        for e in std::fs::read_dir(&dir).expect("fixtures") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    let scratch = tempfile::tempdir().expect("temp dir");
    let previous = scratch.path().join("previous.json");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixture reads");
        let name = path.display().to_string();
        let Ok((a, _)) = crate::arrangement::load(&name, &text, &registry) else {
            continue;
        };
        let opts = crate::evaluate::Options::new(jiff::civil::date(2026, 11, 26));
        let assessment = crate::report::Assessment::new(&registry, &a, &opts);
        let run = assessment.run(&a, &registry, &opts, "2026-01-01T00:00:00Z".into(), None);
        let report = crate::report::Report::build(&run);
        let ctx = crate::report::context::Context::from_report(&run, &report);
        let a4 = ctx.clone().with_paper(crate::report::Paper::A4);
        out.push((name.clone(), templates::wrap(&ctx).data().clone()));
        out.push((format!("{name} (A4)"), templates::wrap(&a4).data().clone()));
        if previous.exists() {
            let baseline = crate::baseline::Baseline::load(&previous).expect("baseline loads");
            let comparison = baseline.compare(&assessment.evaluation.findings);
            let run = assessment.run(
                &a,
                &registry,
                &opts,
                "2026-01-01T00:00:00Z".into(),
                Some(&comparison),
            );
            let report = crate::report::Report::build(&run);
            let ctx = crate::report::context::Context::from_report(&run, &report);
            out.push((
                format!("{name} (baseline)"),
                templates::wrap(&ctx).data().clone(),
            ));
        }
        std::fs::write(&previous, report.to_json()).expect("scratch file");
    }
    out
}

#[test]
fn every_fixture_renders_the_same_both_ways_and_takes_the_plan() {
    let contexts = fixture_contexts();
    assert!(
        contexts.len() >= 3 * 15,
        "only {} fixture contexts",
        contexts.len()
    );
    let changes = |d: &Value, k: &str| d["baseline"][k].as_array().is_some_and(|a| !a.is_empty());
    assert!(
        contexts.iter().any(|(_, d)| changes(d, "regressions"))
            && contexts.iter().any(|(_, d)| changes(d, "improvements")),
        "no baseline with changes among the fixtures"
    );
    for kind in [Kind::Markdown, Kind::Html] {
        for (name, data) in &contexts {
            let ctx = handlebars::Context::from(data.clone());
            let (slow, fast) = templates::render_both(kind, &ctx, None, escape_of(kind)).unwrap();
            let slow = slow.unwrap_or_else(|e| panic!("{name}: {e}"));
            let fast = fast
                .unwrap_or_else(|| panic!("the built-in {kind:?} templates did not convert"))
                .unwrap_or_else(|| panic!("{name} ({kind:?}): the plan declined"));
            assert!(slow == fast, "{name} ({kind:?}) renders differently");
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces the `n`th node (pre-order) by a value from a pool of edge cases, or removes it
/// from its object.
fn mutate(v: &mut Value, n: &mut usize, rng: &mut Rng) -> bool {
    if *n == 0 {
        let pool = edge_values();
        let pool: Vec<&Value> = pool.as_object().unwrap().values().collect();
        *v = pool[rng.below(pool.len())].clone();
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| mutate(x, n, rng)),
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if *n == 0 && rng.below(3) == 0 {
                    m.remove(&k);
                    return true;
                }
                if mutate(m.get_mut(&k).expect("key"), n, rng) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

#[test]
fn mutated_fixture_contexts_render_the_same_or_fail_in_both() {
    let contexts = fixture_contexts();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut rendered, mut failed) = (0, 0);
    for kind in [Kind::Markdown, Kind::Html] {
        let hb = templates::built_in_registry(kind, escape_of(kind));
        let plan = convert(kind, &hb).expect("built-ins convert");
        for round in 0..60 {
            let (_, base) = &contexts[(round * 7) % contexts.len()];
            let mut data = base.clone();
            for _ in 0..1 + rng.below(4) {
                let mut n = rng.below(count(&data));
                mutate(&mut data, &mut n, &mut rng);
            }
            match agree(kind, &hb, &plan, &data) {
                Ok(_) => rendered += 1,
                Err(_) => failed += 1,
            }
        }
    }
    // The mutations must exercise both outcomes, or the test proves less than it says.
    assert!(
        rendered > 10 && failed > 10,
        "{rendered} rendered, {failed} failed"
    );
}

#[test]
fn template_dir_overrides_take_the_plan_and_unsupported_ones_fall_back() {
    let contexts = fixture_contexts();
    let (_, data) = contexts
        .iter()
        .find(|(n, _)| n.ends_with("co-managed.yaml"))
        .expect("fixtures/co-managed.yaml");
    let ctx = handlebars::Context::from(data.clone());
    let every = "{{! every construct }}{{#each frameworks}}{{@index}}{{#if @first}}F{{/if}}{{#unless @last}},{{/unless}}{{title}}/{{../organization.name}}{{else}}none{{/each}}\n\
        {{#if (eq model \"managed\")}}M{{else}}{{#if model}}{{model}}{{/if}}{{/if}} {{len findings}} {{{organization.name}}} {{this.title}}\n\
        {{~section \"extra\"}}{{section \"summary\"}}";
    let extra = "{{#each organization}}{{@key}}={{this}};{{/each}}";
    let spans = "{{#each findings}}{{#each findings}}{{#each reasons}}{{code_spans spans}}{{/each}}{{/each}}{{/each}}";
    for kind in [Kind::Markdown, Kind::Html] {
        let dir = tempfile::tempdir().expect("temp dir");
        let suffix = if kind == Kind::Html { "html" } else { "md" };
        let body = if kind == Kind::Html {
            format!("{every}{spans}")
        } else {
            every.to_owned()
        };
        std::fs::write(dir.path().join(format!("report.{suffix}.hbs")), body).unwrap();
        std::fs::create_dir(dir.path().join("partials")).unwrap();
        std::fs::write(
            dir.path().join(format!("partials/extra.{suffix}.hbs")),
            extra,
        )
        .unwrap();
        let (slow, fast) =
            templates::render_both(kind, &ctx, Some(dir.path()), escape_of(kind)).unwrap();
        let slow = slow.unwrap();
        assert!(slow.contains("=") && slow.len() > 1000, "{kind:?}: {slow}");
        assert_eq!(
            Some(Some(slow)),
            fast,
            "{kind:?}: the override takes the plan"
        );

        // A partial inclusion is not modelled: the whole registry renders by handlebars,
        // with the same result through `render`.
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(format!("report.{suffix}.hbs")),
            "{{> extra}}|{{title}}",
        )
        .unwrap();
        std::fs::write(dir.path().join(format!("extra.{suffix}.hbs")), extra).unwrap();
        let (slow, fast) =
            templates::render_both(kind, &ctx, Some(dir.path()), escape_of(kind)).unwrap();
        assert_eq!(fast, None, "{kind:?}: a partial inclusion converted");
        let rendered = templates::render(kind, &ctx, Some(dir.path()), escape_of(kind)).unwrap();
        assert_eq!(Ok(rendered), slow);
    }
}
