//! Layer 2, model: the domain as validated data — the capability vocabulary, control
//! catalogs (YAML and OSCAL import), and the declared arrangement. Imports `input` and
//! `support`.

pub mod arrangement;
pub mod capability;
pub mod catalog;
pub mod embedded;
pub mod oscal;
pub mod service;
pub mod system;
