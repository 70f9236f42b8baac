//! Paths of the components only kaohe's tests load, built by this crate's
//! build script (a dev-dependency of `kaohe`, so production builds never
//! compile them):
//! - [`HOSTILE`]: a rubric that loops, allocates without end, overflows its
//!   stack, panics or answers inconsistently, depending on its input;
//! - [`OLD_INTERFACE`]: a rubric built against an interface version the host
//!   does not support.

include!(concat!(env!("OUT_DIR"), "/paths.rs"));
