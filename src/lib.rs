//! gapcheck: checks a declared IT service arrangement against compliance control catalogs.
//!
//! The flow is load → evaluate → report: [`catalog::Registry`] and [`arrangement::load`]
//! validate input completely, [`evaluate::evaluate`] turns them into findings, and the
//! [`report`] modules render findings for people and machines.
// The layers: support → input → model → engine → output → cli. A module imports only from
// its own layer or lower ones (ARCHITECTURE.md; tests/architecture.rs checks it).
pub mod cli;
pub mod engine;
pub mod input;
pub mod model;
pub mod output;
pub mod support;

// Every module is also reachable from the crate root, so paths stay short
// (`crate::catalog`, `gapcheck::report`) while the folders show the layering.
pub use engine::{baseline, evaluate, evidence, fit, sprs};
pub use input::{decode, diag, pattern, regular, yaml};
pub use model::{arrangement, capability, catalog, embedded, oscal, service, system};
pub use output::{export, portfolio, report, schema};
pub use support::{parallel, term};

/// Lower-case hex SHA-256, used for the input digests reports carry.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
