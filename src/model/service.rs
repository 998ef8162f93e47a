//! The service models an organization can choose. Its own module because catalogs
//! (`when.model`) and arrangements (`model:`) both name them.

use crate::keywords;

/// How the organization's IT support is arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Model {
    BreakFix,
    Managed,
    CoManaged,
}
keywords!(Model { BreakFix => "break-fix", Managed => "managed", CoManaged => "co-managed" });
