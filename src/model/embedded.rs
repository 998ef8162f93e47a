//! What `build.rs` embeds: the built-in catalog files as written (for `catalog export`) and
//! their validated, compiled form (what a run loads; see `compiled`).
include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
