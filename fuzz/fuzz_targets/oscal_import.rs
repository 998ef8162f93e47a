#![no_main]
//! Fuzz target: see `harness::oscal_import` for what it runs and checks.

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::oscal_import(data));
