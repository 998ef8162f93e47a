//! Layer 3, engine: verdicts — evaluation of every control, evidence of work done, model
//! fit, the SPRS score and comparison with a baseline. Pure functions of the model; no
//! rendering and no file writing.

pub mod baseline;
pub mod evaluate;
pub mod evidence;
pub mod fit;
pub mod sprs;
