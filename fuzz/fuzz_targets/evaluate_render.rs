#![no_main]
//! Fuzz target: see `harness::evaluate_render` for what it runs and checks.

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::evaluate_render(data));
