//! gapcheck: checks a declared IT service arrangement against compliance control catalogs.
//!
//! The flow is load → evaluate → report: [`catalog::Registry`] and [`arrangement::load`]
//! validate input completely, [`evaluate::evaluate`] turns them into findings, and the
//! [`report`] modules render findings for people and machines.
pub mod arrangement;
pub mod baseline;
pub mod capability;
pub mod catalog;
pub mod cli;
pub mod compiled;
pub mod decode;
pub mod diag;
pub mod embedded;
pub mod evaluate;
pub mod evidence;
pub mod export;
pub mod fit;
pub mod oscal;
pub mod output;
pub mod parallel;
pub mod portfolio;
pub mod report;
pub mod schema;
pub mod sprs;
pub mod system;
pub mod term;
pub mod yaml;

/// Lower-case hex SHA-256, used for the input digests reports carry.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
