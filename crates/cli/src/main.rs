//! The `tapegrad` command.

fn main() {}
