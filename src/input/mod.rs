//! Layer 1, input: YAML with positions, typed decoding, and located diagnostics. Knows
//! nothing of catalogs or arrangements; imports only `support`.

pub mod decode;
pub mod diag;
pub mod pattern;
pub mod regular;
pub mod yaml;
