//! YAML parsers side by side on the same files (issue 17, "the parse floor"): each parser
//! reads every file in turn on one thread, rounds interleaved, and the fastest round of each
//! is printed with its throughput. `benches/yaml_parsers.sh` runs it beside PyYAML's
//! CSafeLoader and gapcheck's whole check and prints the ratios.
//!
//!   yaml_parsers [--rounds N] [--only NAME] FILE...
//!
//! Parsers (NAME): `libyaml` (unsafe-libyaml's event parser), `granit` (granit-parser's
//! events, the parser under serde-saphyr), `saphyr-parser`, `yaml-rust2` (their events),
//! `serde-ignored` (serde-saphyr into `IgnoredAny` with gapcheck's options), and gapcheck's
//! own tree: `tree-serde` (through serde-saphyr, the path before issue 17's round three),
//! `tree-events` (built from granit's events, the fast path), `tree` (`yaml::parse`).
//! `--only NAME` runs one parser once (for `valgrind --tool=callgrind`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use gapcheck::diag::Sink;
use gapcheck::yaml;

type Run = fn(&str) -> usize;

const PARSERS: &[(&str, Run)] = &[
    ("libyaml", libyaml),
    ("granit", granit),
    ("saphyr-parser", saphyr_parser),
    ("yaml-rust2", yaml_rust2),
    ("serde-ignored", serde_ignored),
    ("tree-serde", tree_serde),
    ("tree-events", tree_events),
    ("tree", tree),
];

fn libyaml(text: &str) -> usize {
    use std::mem::MaybeUninit;
    use unsafe_libyaml as unsafe_y;
    let mut events = 0;
    // SAFETY: the parser and event are initialised by libyaml before use and deleted after;
    // the input outlives the parser.
    unsafe {
        let mut parser = MaybeUninit::<unsafe_y::yaml_parser_t>::uninit();
        assert!(unsafe_y::yaml_parser_initialize(parser.as_mut_ptr()).ok);
        let mut parser = parser.assume_init();
        unsafe_y::yaml_parser_set_input_string(&mut parser, text.as_ptr(), text.len() as _);
        loop {
            let mut event = MaybeUninit::<unsafe_y::yaml_event_t>::uninit();
            assert!(
                unsafe_y::yaml_parser_parse(&mut parser, event.as_mut_ptr()).ok,
                "libyaml failed"
            );
            let mut event = event.assume_init();
            let end = event.type_ == unsafe_y::YAML_STREAM_END_EVENT;
            unsafe_y::yaml_event_delete(&mut event);
            events += 1;
            if end {
                break;
            }
        }
        unsafe_y::yaml_parser_delete(&mut parser);
    }
    events
}

fn granit(text: &str) -> usize {
    use serde_saphyr::granit_parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut events = 0;
    while let Some(event) = parser.next_event() {
        let (event, _) = event.expect("granit failed");
        events += 1;
        if matches!(event, Event::StreamEnd) {
            break;
        }
    }
    events
}

fn saphyr_parser(text: &str) -> usize {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut events = 0;
    while let Some(event) = parser.next_event() {
        let (event, _) = event.expect("saphyr-parser failed");
        events += 1;
        if matches!(event, saphyr_parser::Event::StreamEnd) {
            break;
        }
    }
    events
}

fn yaml_rust2(text: &str) -> usize {
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    let mut events = 0;
    loop {
        let (event, _) = parser.next_token().expect("yaml-rust2 failed");
        events += 1;
        if matches!(event, yaml_rust2::Event::StreamEnd) {
            break;
        }
    }
    events
}

fn serde_ignored(text: &str) -> usize {
    // The same limits gapcheck reads with (src/input/yaml.rs).
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = yaml::MAX_DEPTH;
    budget.max_aliases = yaml::MAX_ALIASES;
    budget.max_nodes = yaml::MAX_NODES;
    budget.max_events = yaml::MAX_NODES * 2;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, options)
        .expect("serde-saphyr failed");
    1
}

fn tree_serde(text: &str) -> usize {
    let mut sink = Sink::new("bench.yaml", text);
    usize::from(yaml::parse_reference(text, &mut sink).is_some())
}

fn tree_events(text: &str) -> usize {
    usize::from(
        yaml::parse_events(text)
            .expect("the fast path gave up")
            .pos
            .line
            > 0,
    )
}

fn tree(text: &str) -> usize {
    let mut sink = Sink::new("bench.yaml", text);
    usize::from(yaml::parse(text, &mut sink).is_some())
}

fn main() {
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut rounds = 3;
    let mut only = None;
    while let Some(flag) = args.first().cloned() {
        match flag.as_str() {
            "--rounds" => {
                rounds = args[1].parse().expect("--rounds N");
                args.drain(..2);
            }
            "--only" => {
                only = Some(args[1].clone());
                args.drain(..2);
            }
            _ => break,
        }
    }
    if args.is_empty() {
        eprintln!("usage: yaml_parsers [--rounds N] [--only NAME] FILE...");
        std::process::exit(2);
    }
    let texts: Vec<String> = args
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let all = |run: Run| {
        let start = Instant::now();
        for text in &texts {
            black_box(run(black_box(text)));
        }
        start.elapsed()
    };
    if let Some(name) = only {
        let (_, run) = PARSERS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("unknown parser {name}"));
        println!("{name} {:.3}", all(*run).as_secs_f64());
        return;
    }
    let mut best = vec![Duration::MAX; PARSERS.len()];
    for _ in 0..rounds {
        for (i, (_, run)) in PARSERS.iter().enumerate() {
            best[i] = best[i].min(all(*run));
        }
    }
    println!(
        "# {} files, {bytes} bytes, best of {rounds} interleaved rounds, one thread",
        texts.len()
    );
    for ((name, _), t) in PARSERS.iter().zip(best) {
        let s = t.as_secs_f64();
        println!("{name:<14} {s:>8.3} s {:>8.1} MB/s", bytes as f64 / 1e6 / s);
    }
}
