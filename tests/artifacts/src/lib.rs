//! Paths of the components only kaohe's tests load, built by this crate's
//! build script (a dev-dependency of `kaohe`, so production builds never
//! compile them):
//! - [`HOSTILE`]: a rubric that loops, allocates without end, overflows its
//!   stack, panics or answers inconsistently, depending on its input;
//! - [`OLD_INTERFACE`]: a rubric built against an interface version the host
//!   does not support;
//! - [`CHANGZHI_2023_WIT_1_0`]: the built-in changzhi-2023 as a
//!   `kaohe:rubric@1.0.0` component, as every component before 1.1 was made;
//! - [`EVALUATOR_1_0`]: that evaluator with its slot empty.

include!(concat!(env!("OUT_DIR"), "/paths.rs"));
