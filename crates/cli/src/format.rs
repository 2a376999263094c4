//! How numbers are printed: for people, in tables, and in JSON.

use std::fmt::Write as _;

/// A number for people: the shortest decimal that reads back as the same
/// `f64`, without a trailing `.0` (`162`, `0.1`, `1e300`, `NaN`, `inf`), as
/// the engine's graph dumps print it.
pub fn number(x: f64) -> String {
    tapegrad::graph::format_number(x)
}

/// A number in a table: six decimals as the tutorial prints them
/// (`3.000000`), in scientific notation from a billion up so that a huge
/// value does not print hundreds of digits.
pub fn fixed(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e9 {
        format!("{x:.6e}")
    } else {
        format!("{x:.6}")
    }
}

/// A number in JSON: the shortest decimal that reads back as the same
/// `f64`, always with a decimal point or an exponent (`162.0`, `0.1`,
/// `1e300`), and the strings `"NaN"`, `"inf"` and `"-inf"` for the numbers
/// JSON cannot write.
pub fn json_number(x: f64) -> String {
    if x.is_nan() {
        "\"NaN\"".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "\"inf\"" } else { "\"-inf\"" }.to_string()
    } else {
        // Rust's `{:?}` is the shortest round trip and keeps `.0` on integers.
        format!("{x:?}")
    }
}

/// A JSON string.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON object from already-written members, in order, in the layout of
/// the issue's contract: `{"a": 1.0, "b": 2.0}`.
pub fn json_object<'a>(members: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(key, value)| format!("{}: {value}", json_string(key)))
        .collect();
    format!("{{{}}}", members.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers() {
        assert_eq!(json_number(162.0), "162.0");
        assert_eq!(json_number(0.1), "0.1");
        assert_eq!(json_number(-0.5), "-0.5");
        assert_eq!(json_number(1e300), "1e300");
        assert_eq!(json_number(1e-7), "1e-7");
        assert_eq!(json_number(f64::NAN), "\"NaN\"");
        assert_eq!(json_number(f64::INFINITY), "\"inf\"");
        assert_eq!(json_number(f64::NEG_INFINITY), "\"-inf\"");
    }

    #[test]
    fn json_objects() {
        let inner = json_object([("w", json_number(18.0)), ("b", json_number(63.0))]);
        assert_eq!(
            json_object([("value", json_number(162.0)), ("gradient", inner)]),
            r#"{"value": 162.0, "gradient": {"w": 18.0, "b": 63.0}}"#
        );
        assert_eq!(json_string("a\"b\\\n\u{1}"), r#""a\"b\\\n\u0001""#);
    }

    #[test]
    fn table_numbers() {
        assert_eq!(fixed(3.0), "3.000000");
        assert_eq!(fixed(-0.0123456789), "-0.012346");
        assert_eq!(fixed(1.5e12), "1.500000e12");
        assert_eq!(fixed(f64::NAN), "NaN");
    }
}
