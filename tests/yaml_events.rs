//! The YAML fast path (the tree built from parser events, src/input/yaml_events.rs) against
//! the serde-saphyr path it replaces for valid input: every YAML file of the repository and
//! the fuzz corpus, plus generated edge cases, parsed both ways, must give the same tree
//! (positions and float bits included, compared through `Debug`) or the same diagnostics.

use std::path::{Path, PathBuf};

use gapcheck::input::diag::Sink;
use gapcheck::input::yaml;

/// Both paths on one text: same tree, or same diagnostics. Returns whether the fast path
/// accepted the text itself (rather than handing it to serde).
fn same(name: &str, text: &str) -> bool {
    let mut reference = Sink::new(name, text);
    let old = yaml::parse_reference(text, &mut reference);
    let mut sink = Sink::new(name, text);
    let new = yaml::parse(text, &mut sink);
    assert_eq!(
        format!("{new:#?}"),
        format!("{old:#?}"),
        "{name}: trees differ for\n{text}"
    );
    let shown = |s: &Sink| {
        s.diagnostics
            .iter()
            .map(|d| format!("{d:?}\n{d}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        shown(&sink),
        shown(&reference),
        "{name}: diagnostics differ"
    );
    let fast = yaml::parse_events(text);
    if fast.is_some() {
        // Whatever the fast path accepts, the library accepts with the same tree.
        assert_eq!(
            format!("{fast:#?}"),
            format!("{old:#?}"),
            "{name}: fast tree differs for\n{text}"
        );
    }
    fast.is_some()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Runs `f` on a thread with the stack gapcheck's own threads have (8 MiB: the main
/// thread's and `parallel`'s workers'). The deepest documents recurse in the serde path as
/// they do in gapcheck; a test thread's 2 MiB is exceeded by an unoptimized build's frames.
fn on_gapcheck_stack(f: fn()) {
    std::thread::Builder::new()
        .stack_size(gapcheck::parallel::WORKER_STACK_BYTES)
        .spawn(f)
        .expect("a test thread starts")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn every_yaml_file_of_the_repository_parses_the_same_both_ways() {
    on_gapcheck_stack(every_yaml_file);
}

fn every_yaml_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["controls", "fixtures", "tests", "templates", "fuzz/corpus"] {
        files(&root.join(dir), &mut paths);
    }
    paths.sort();
    let (mut compared, mut fast) = (0, 0);
    for path in &paths {
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        let in_corpus = path.components().any(|c| c.as_os_str() == "corpus");
        if !is_yaml && !in_corpus {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.strip_prefix(root).unwrap().display().to_string();
        compared += 1;
        let accepted = same(&name, &text);
        if accepted {
            fast += 1;
        }
        // The built-in catalogs are plain YAML: the fast path must read them itself.
        if name.starts_with("controls/") {
            assert!(
                accepted,
                "{name}: the fast path gave up on a built-in catalog"
            );
        }
    }
    assert!(compared > 100, "only {compared} files compared");
    assert!(fast > 50, "fast path accepted only {fast} of {compared}");
}

/// Scalars the two paths must read alike, as values and as keys, in every style.
const SCALARS: &[&str] = &[
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "FALSE",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "0",
    "-0",
    "+0",
    "00",
    "007",
    "-007",
    "+007",
    "1",
    "+1",
    "-1",
    "42",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1.0",
    "-1.5",
    "+1.5",
    "1.",
    ".5",
    "-.5",
    "+.5",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    "-1e3",
    "1.5e10",
    "1e999",
    "-1e999",
    ".5e999",
    "0.0",
    "-0.0",
    "1_000",
    "0x1F",
    "0X1F",
    "0o17",
    "0O17",
    "0b101",
    "0B101",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".nan",
    ".NaN",
    "-.nan",
    "+.nan",
    "inf",
    "nan",
    "infinity",
    "NaN",
    ".",
    "-",
    "+",
    "..",
    "1.2.3",
    "2024-01-15",
    "2024-01-15T10:00:00Z",
    "12:30",
    "1:2:3",
    "v1.0",
    "1a",
    "1 2",
    "0.1.0",
    "3.14159",
    "1e",
    "e1",
    "-e1",
    "+-1",
    "--1",
    "0x",
    "text",
    "two words",
    "AC-2(1)",
    "§ 164.308(a)(1)",
    "日本語",
    "émoji 🎉",
    "a#b",
    "a:b",
    "http://x.y/z",
];

#[test]
fn scalars_resolve_the_same_as_values_and_keys() {
    for s in SCALARS {
        for (style, v) in [
            ("plain", s.to_string()),
            ("single", format!("'{}'", s.replace('\'', "''"))),
            ("double", format!("\"{s}\"")),
        ] {
            same(&format!("{style} value {s:?}"), &format!("k: {v}\n"));
            same(
                &format!("{style} item {s:?}"),
                &format!("- {v}\n- [{v}, {v}]\n"),
            );
            same(
                &format!("{style} flow {s:?}"),
                &format!("{{a: {v}, b: x}}\n"),
            );
            same(
                &format!("{style} key {s:?}"),
                &format!("{v}: 1\nother: 2\n"),
            );
            same(&format!("{style} root {s:?}"), &format!("{v}\n"));
        }
        same(&format!("literal {s:?}"), &format!("k: |\n  {s}\n"));
        same(&format!("folded {s:?}"), &format!("k: >-\n  {s}\n"));
    }
}

#[test]
fn keys_that_may_repeat_resolve_the_same() {
    let pairs = [
        ("a", "a"),
        ("a", "'a'"),
        ("1", "'1'"),
        ("1", "1.0"),
        ("1.0", "'1.0'"),
        ("1", "01"),
        ("1", "+1"),
        ("0x10", "16"),
        ("~", "null"),
        ("~", "'null'"),
        ("''", "~"),
        ("true", "True"),
        ("true", "'true'"),
        ("1e3", "1000"),
        ("1e3", "1000.0"),
        ("b", "B"),
    ];
    for (a, b) in pairs {
        same(&format!("{a} / {b}"), &format!("{a}: 1\n{b}: 2\n"));
        same(&format!("flow {a} / {b}"), &format!("{{{a}: 1, {b}: 2}}\n"));
    }
    // Many keys (the set-based check), with one repeat at the end or none.
    let many: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    assert!(same("40 keys", &many));
    same("40 keys + repeat", &format!("{many}k7: again\n"));
    same("40 keys + text repeat", &format!("{many}'k39': again\n"));
    same("40 keys + 1.0", &format!("1: a\n{many}1.0: b\n"));
}

/// Documents of every shape the loaders may meet, good and bad.
const DOCUMENTS: &[&str] = &[
    "a: 1\nb:\n  c: [x, y]\n",
    "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
    "\u{feff}a: 1\n",
    "a: 1",
    "- a\n- b: 1\n  c: 2\n- - x\n  - y\n- []\n- {}\n",
    "a:\n- x\n- y\nb: {c: [1, {d: e}], f: }\n",
    "# comment\na: 1 # trailing\n# end\n",
    "---\na: 1\n",
    "---\na: 1\n...\n",
    "a: 1\n---\nb: 2\n",
    "---\n",
    "# only a comment\n",
    "%YAML 1.2\n---\na: 1\n",
    "%YAML 1.1\n---\na: yes\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: &x 1\nb: *x\n",
    "a: &x {c: 1}\nb:\n  <<: *x\n  d: 2\n",
    "<<: {a: 1}\nb: 2\n",
    "'<<': 1\n",
    "a: !!str 1\nb: !!int '2'\nc: !custom x\nd: !!null ''\n",
    "a: ! 1\n",
    "? [a, b]\n: c\n",
    "? a\n: b\n",
    "? |\n  long key\n: v\n",
    "a: b: c\n",
    "a: 'unclosed\n",
    "a:\n\t- x\n",
    "a: [1, 2\n",
    "a: 1\na: 2\n",
    "x:\n  a: 1\n  b: 2\n  a: 3\n",
    "- {a: 1, a: 2}\n",
    "a: *nope\n",
    "a: |\n  line one\n  line two\n\n",
    "a: |+\n  keep\n\n",
    "a: >\n  folded\n  text\n\n  para\n",
    "a: |2\n    indented\n",
    "a: plain\n  continued\n  over lines\n",
    "a: \"multi\n  line\"\n",
    "a: 'it''s'\nb: \"tab\\there \\u00e9 \\x41\"\n",
    "日本語: 値\nkey: 日本語のテキスト\nnext: [日本, 語]\n",
    "a:    spaced    \nb:\n\n\n  c: 1\n",
    "a: 1\n  b: 2\n",
    "- a\nb: 1\n",
    "a: [b, c]]\n",
    "a: {b: c\n",
    "a: @x\n",
    "a: `x`\n",
    "a: %x\n",
    "\"a\": 1\n'b': 2\n",
    "a: -\n",
    "a: - b\n",
    "- - - - x\n",
    "a: ''\nb: \"\"\nc:\nd: ~\n",
    "[a, b, c]\n",
    "{a: 1}\n",
    "just text\n",
    "42\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: 1.5e3\nb: .inf\n",
    "a: [1, .nan]\n",
    "a: 1e999\n",
    "- 0o17\n- 1_000\n",
    "a: {? b : c}\n",
    "a: [b: c, d]\n",
    "- &a x\n- *a\n",
    "a: !!binary aGVsbG8=\n",
    "key with spaces: v\n\"quoted: key\": v\n",
    "a: \u{feff}b\n",
];

#[test]
fn documents_parse_the_same_both_ways() {
    for doc in DOCUMENTS {
        same(&format!("{doc:?}"), doc);
    }
    // The common shapes are read by the fast path itself, not handed on.
    for doc in &DOCUMENTS[..7] {
        assert!(
            same(&format!("{doc:?}"), doc),
            "{doc:?} was handed to serde"
        );
    }
}

#[test]
fn nesting_and_size_near_the_limits() {
    on_gapcheck_stack(nesting_and_size);
}

fn nesting_and_size() {
    for depth in [1, 30, 62, 63, 64, 65, 66, 200] {
        let flow = format!("{}x{}\n", "[".repeat(depth), "]".repeat(depth));
        same(&format!("flow depth {depth}"), &flow);
        let mut block = String::new();
        for i in 0..depth {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        block.push_str(&" ".repeat(depth));
        block.push_str("v\n");
        same(&format!("block depth {depth}"), &block);
    }
    // Node budget: 250,000 nodes. A list of n scalars is n + 1 nodes.
    for n in [249_990, 249_999, 250_000, 250_001] {
        let doc: String = std::iter::once("[".to_string())
            .chain((0..n).map(|_| "a,".to_string()))
            .chain(std::iter::once("]\n".to_string()))
            .collect();
        same(&format!("{n} scalars"), &doc);
    }
    // Events counted with comments, as the library counts them.
    let comments = "#\n".repeat(520_000) + "a: 1\n";
    same("many comments", &comments);
}
