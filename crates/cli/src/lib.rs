//! The `tapegrad` command's library: everything but argument handling, so it can be tested.

pub mod expr;
