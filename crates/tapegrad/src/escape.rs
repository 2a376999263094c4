//! How numbers and names are written, for every view and for error
//! messages: [`format_number`] for numbers; escaping of names, and of the
//! labels that carry them, so that whatever a name holds, each view prints
//! readable text that its format accepts.
//!
//! - The text dump and error messages write a name as a Rust string
//!   literal's contents ([`str::escape_debug`]): quotes and backslashes
//!   escaped, `\n`, `\t`, `\r`, `\0`, and `\u{1b}` for any other character
//!   that does not print (control characters, ESC and the rest of ANSI
//!   codes included, U+FFFE, U+FFFF, format characters such as U+202E):
//!   [`text`], [`text_cut`].
//! - Pictures (DOT and SVG) write a name the same way, except that quotes
//!   and backslashes stay as they are (each format quotes them its own
//!   way) and a line break stays a line break of the label; a name longer
//!   than a bound is cut, with its length: [`label`].
//! - [`xml`] and [`dot`] then write a label in their format. Each also
//!   writes any character that would break it (XML 1.0 allows only `#x9 |
//!   #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`; a
//!   Graphviz string reads no NUL) as the same visible escape, `\u{1b}`,
//!   should one reach them by another way than a name.
//!
//! The visible escape reads the same in every view. In a picture it is
//! ambiguous only with a name that spells it out (`\u{1b}` typed as six
//! characters), which the text dump tells apart (`\\u{1b}`).
// The picture helpers serve the DOT and SVG views; a build without
// either (features `petgraph` and `svg` off) leaves some unused.
#![cfg_attr(not(all(feature = "petgraph", feature = "svg")), allow(dead_code))]

use std::fmt::Write as _;

/// Formats a number as every view and error message prints it: the
/// shortest decimal that parses back to the same `f64` (Rust's `{:?}`),
/// without a trailing `.0`.
///
/// ```
/// use tapegrad::graph::format_number;
///
/// assert_eq!(format_number(18.0), "18");
/// assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(format_number(-0.0), "-0");
/// assert_eq!(format_number(1e300), "1e300");
/// assert_eq!(format_number(f64::NAN), "NaN");
/// ```
pub fn format_number(x: f64) -> String {
    let s = format!("{x:?}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

/// A name as the text dump writes it between its backticks, and as error
/// messages should: [`str::escape_debug`], so no character that does not
/// print (no raw ESC or other ANSI code) is left.
pub(crate) fn text(name: &str) -> String {
    name.escape_debug().to_string()
}

/// [`text`] of at most the first `max_chars` characters of `name`; a longer
/// name is cut there and followed by `…` and its length in characters:
/// `abc… (20000 characters)`. Escapes make the result longer than
/// `max_chars` (up to ten characters for one of `name`'s).
pub(crate) fn text_cut(name: &str, max_chars: usize) -> String {
    match name.char_indices().nth(max_chars) {
        None => text(name),
        Some((end, _)) => {
            let mut out = text(&name[..end]);
            let _ = write!(out, "… ({} characters)", name.chars().count());
            out
        }
    }
}

/// A name as pictures write it in their labels: [`text`], except that `\`,
/// `"` and `'` stay as they are and a line break stays a line break; cut
/// after at most `max_chars` characters of that form (an escape is never
/// split), followed by `…` and the name's length in characters.
pub(crate) fn label(name: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(name.len().min(4 * max_chars));
    let mut chars = 0;
    let mut stream = name.escape_debug();
    let mut token = String::new();
    while let Some(c) = stream.next() {
        token.clear();
        if c != '\\' {
            token.push(c);
        } else {
            match stream.next() {
                Some(e @ ('\\' | '"' | '\'')) => token.push(e),
                Some('n') => token.push('\n'),
                // `\u{1b}`: through the closing brace.
                Some('u') => {
                    token.push_str("\\u");
                    for d in stream.by_ref() {
                        token.push(d);
                        if d == '}' {
                            break;
                        }
                    }
                }
                // `\0`, `\t`, `\r`.
                Some(e) => {
                    token.push('\\');
                    token.push(e);
                }
                // `escape_debug` never ends on a lone backslash.
                None => token.push('\\'),
            }
        }
        chars += token.chars().count();
        if chars > max_chars {
            let _ = write!(out, "… ({} characters)", name.chars().count());
            return out;
        }
        out.push_str(&token);
    }
    out
}

/// Whether `c` is replaced by its visible escape in every view: a control
/// character (C0, DEL, C1) or a noncharacter (U+FDD0–U+FDEF, and U+FFFE and
/// U+FFFF of every plane); this covers every character XML 1.0 does not
/// allow (Rust strings hold no surrogates).
fn hidden(c: char) -> bool {
    let u = u32::from(c);
    c.is_control() || (0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE
}

/// Writes the visible escape of `c` ([`char::escape_debug`]: `\0`, `\t`,
/// `\r`, `\u{1b}`), with its backslash written as `backslash`.
fn push_visible(out: &mut String, c: char, backslash: &str) {
    let mut escape = c.escape_debug();
    if escape.next() == Some('\\') {
        out.push_str(backslash);
        out.extend(escape);
    } else {
        // Not reached for the characters `hidden` picks; writes the Unicode
        // escape should `escape_debug` leave one as it is.
        let _ = write!(out, "{backslash}u{{{:x}}}", u32::from(c));
    }
}

/// Text for XML character data or a quoted attribute value: `&`, `<`, `>`,
/// `"` and `'` as entities, and every character XML 1.0 does not allow
/// (with the other control characters and noncharacters, see [`hidden`])
/// as its visible escape `\u{1b}`; tab, line feed and carriage return stay.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if hidden(c) => push_visible(&mut out, c, "\\"),
            c => out.push(c),
        }
    }
    out
}

/// The contents of a DOT double-quoted string, at most `max_bytes` bytes
/// long (Graphviz reads strings of up to 16,384): `"` and `\` escaped, a
/// line break as `\n` (a centred line in Graphviz), any other control
/// character or noncharacter (see [`hidden`]) as its visible escape
/// (`\\u{1b}`, which Graphviz shows as `\u{1b}`). A longer result is cut
/// after the last whole character or escape that leaves room for `…`.
pub(crate) fn dot(s: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_bytes));
    // Where the output can be cut, leaving room for the ellipsis.
    let room = max_bytes.saturating_sub('…'.len_utf8());
    let mut cut = 0;
    for c in s.chars() {
        if out.len() <= room {
            cut = out.len();
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if hidden(c) => push_visible(&mut out, c, "\\\\"),
            c => out.push(c),
        }
        if out.len() > max_bytes {
            out.truncate(cut);
            out.push('…');
            return out;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XML 1.0's `Char` production.
    fn xml_allows(c: char) -> bool {
        matches!(u32::from(c),
            0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
    }

    #[test]
    fn every_character_xml_forbids_is_hidden() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            // Tab, line feed and carriage return are allowed and control
            // characters: the only hidden characters XML allows raw.
            assert!(xml_allows(c) || hidden(c), "{c:?}");
        }
        assert!(hidden('\u{FFFE}') && hidden('\u{FFFF}') && hidden('\u{10FFFF}'));
        assert!(!hidden('a') && !hidden('∂') && !hidden('\u{FFFD}'));
    }

    #[test]
    fn text_is_the_text_dumps_escape_debug() {
        for name in [
            "w",
            "a\"b\\c\n",
            "\u{1b}[31m",
            "\u{301}é\u{301}",
            "\u{0}\u{FFFE}",
        ] {
            assert_eq!(text(name), name.escape_debug().to_string());
        }
        assert_eq!(text("\u{1b}[31mred"), "\\u{1b}[31mred");
    }

    #[test]
    fn text_cut_cuts_long_names_and_gives_their_length() {
        assert_eq!(text_cut("abc", 3), "abc");
        assert_eq!(text_cut("abcd", 3), "abc… (4 characters)");
        assert_eq!(
            text_cut("\u{1b}\u{1b}\u{1b}", 2),
            "\\u{1b}\\u{1b}… (3 characters)"
        );
        // A leading combining mark is escaped as in the whole name.
        assert_eq!(text_cut("\u{301}abc", 2), "\\u{301}a… (4 characters)");
    }

    #[test]
    fn label_escapes_what_does_not_print_and_keeps_quotes_and_line_breaks() {
        assert_eq!(label("a\"b\\c'd\ne", 100), "a\"b\\c'd\ne");
        assert_eq!(
            label("a\u{0}\u{7}\t\r\u{FFFE}", 100),
            "a\\0\\u{7}\\t\\r\\u{fffe}"
        );
        assert_eq!(label("\u{301}e\u{301}", 100), "\\u{301}e\u{301}");
        assert_eq!(label("", 10), "");
    }

    #[test]
    fn label_cuts_after_whole_escapes_and_gives_the_length() {
        assert_eq!(label("abcdef", 6), "abcdef");
        assert_eq!(label("abcdefg", 6), "abcdef… (7 characters)");
        // `\u{1b}` is six characters: the second does not fit in ten.
        assert_eq!(label("\u{1b}\u{1b}", 10), "\\u{1b}… (2 characters)");
        let long = label(&"x".repeat(20_000), 1_000);
        let suffix = "… (20000 characters)";
        assert!(long.ends_with(suffix));
        assert_eq!(long.chars().count(), 1_000 + suffix.chars().count());
    }

    #[test]
    fn xml_writes_entities_and_escapes_what_xml_forbids() {
        assert_eq!(
            xml("<a & 'b' \"c\">"),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
        assert_eq!(
            xml("\u{0}\u{1b}\u{85}\u{FFFF}"),
            "\\0\\u{1b}\\u{85}\\u{ffff}"
        );
        assert_eq!(xml("a\tb\nc\rd ∂"), "a\tb\nc\rd ∂");
    }

    #[test]
    fn dot_escapes_quotes_backslashes_and_controls() {
        assert_eq!(dot("a\"b\\c\nd", 100), "a\\\"b\\\\c\\nd");
        assert_eq!(
            dot("\u{0}\u{1b}\r\u{FFFE}", 100),
            "\\\\0\\\\u{1b}\\\\r\\\\u{fffe}"
        );
        assert_eq!(dot("∂z/∂w = 18", 100), "∂z/∂w = 18");
    }

    #[test]
    fn dot_cuts_at_its_limit_after_a_whole_escape() {
        assert_eq!(dot("abcdef", 6), "abcdef");
        // Three bytes for the ellipsis: "abc" and "…" fill six.
        assert_eq!(dot("abcdefg", 6), "abc…");
        // `\"` is two bytes and is not split.
        assert_eq!(dot("ab\"\"", 6), "ab\\\"\\\"");
        assert_eq!(dot("ab\"\"c", 6), "ab…");
        assert_eq!(dot("𝑥𝑥", 7), "𝑥…");
        assert_eq!(dot("𝑥𝑥", 6), "…");
        for s in [
            "\"".repeat(10_000),
            "𝑥".repeat(10_000),
            "\u{1b}".repeat(10_000),
        ] {
            assert!(dot(&s, 12_000).len() <= 12_000);
        }
    }
}
