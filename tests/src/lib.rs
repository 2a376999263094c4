//! Integration and snapshot tests of tapegrad live in `tests/`; this crate has no code of its own.
