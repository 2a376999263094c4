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

/// A loss in `descend`'s table, the number compared with `--until`: as
/// [`fixed`] while its six decimals keep at least three significant digits,
/// and below `1e-4` in scientific notation with seven (`9.999990e-7`), so
/// that a slow descent's rows near a small `--until` do not all print
/// `0.000001`.
pub fn loss_cell(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 {
        format!("{x:.6e}")
    } else {
        fixed(x)
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

/// How many characters of a name, or of other text the user gave, an error
/// message shows: longer text is cut to this many, with `…` and its length.
pub const QUOTED: usize = 40;

/// How many names a list in an error message shows; the rest are counted.
pub const LISTED: usize = 10;

/// `text`, or its first [`QUOTED`] characters and `…` if it is longer, so
/// that an error never repeats a huge name: `aaaa…`.
pub fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// `text` in backticks for an error message, cut as [`cut`] does and then
/// followed by its length: `` `x` ``, `` `aaaa…` (1048576 characters) ``.
pub fn quoted(text: &str) -> String {
    match cut(text) {
        std::borrow::Cow::Borrowed(_) => format!("`{text}`"),
        std::borrow::Cow::Owned(shown) => {
            format!("`{shown}` ({} characters)", text.chars().count())
        }
    }
}

/// A name that a message shows bare when it is short (`J grew …`): as it is,
/// or [`quoted`] with its length once it is cut.
pub fn mention(text: &str) -> String {
    match cut(text) {
        std::borrow::Cow::Borrowed(_) => text.to_string(),
        std::borrow::Cow::Owned(_) => quoted(text),
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
    fn long_text_is_cut_to_a_prefix_with_its_length() {
        // Up to QUOTED characters are shown whole, in backticks.
        let fits = "é".repeat(QUOTED);
        assert_eq!(cut(&fits), fits);
        assert_eq!(quoted(&fits), format!("`{fits}`"));
        // One more is cut to QUOTED characters (not bytes) and counted.
        let long = "é".repeat(QUOTED + 1);
        assert_eq!(cut(&long), format!("{fits}…"));
        assert_eq!(quoted(&long), format!("`{fits}…` (41 characters)"));
        assert_eq!(quoted(""), "``");
        assert_eq!(mention("J"), "J");
        assert_eq!(mention(&long), quoted(&long));
        // The cut is told by the characters, not by the bytes it saves:
        // 40 ASCII letters and one 3-byte character are as long as the cut.
        let three = format!("{}€", "a".repeat(QUOTED));
        assert_eq!(
            quoted(&three),
            format!("`{}…` (41 characters)", "a".repeat(QUOTED))
        );
    }

    #[test]
    fn table_numbers() {
        assert_eq!(fixed(3.0), "3.000000");
        assert_eq!(fixed(-0.0123456789), "-0.012346");
        assert_eq!(fixed(1.5e12), "1.500000e12");
        assert_eq!(fixed(f64::NAN), "NaN");
    }

    #[test]
    fn a_small_loss_keeps_its_significant_digits() {
        // From 1e-4 up a loss prints as the table's other numbers, with at
        // least three significant digits (0.000944, the tutorial's last J).
        assert_eq!(loss_cell(0.000944), "0.000944");
        assert_eq!(loss_cell(1e-4), "0.000100");
        assert_eq!(loss_cell(0.0), "0.000000");
        assert_eq!(loss_cell(2.5), "2.500000");
        // Below it, seven significant digits tell apart losses that six
        // decimals print alike, on both sides of a threshold of 1e-6.
        assert_eq!(loss_cell(1.0000004e-6), "1.000000e-6");
        assert_eq!(loss_cell(9.999991e-7), "9.999991e-7");
        assert_eq!(loss_cell(-3.5e-9), "-3.500000e-9");
        assert_eq!(loss_cell(f64::NAN), "NaN");
    }
}
