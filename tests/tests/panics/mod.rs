//! The message of a caught panic, for the tests of the engine's limits.

/// The message a panic carried (`panic!` with arguments gives a `String`,
/// with a literal a `&str`); empty for any other payload.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
