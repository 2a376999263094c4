//! A CSV file of numbers with a header row, as `tapegrad fit` reads its
//! data: parsed by the `csv` crate (quoted fields, CRLF line ends), each
//! field trimmed, blank lines skipped. Only the columns a command uses must
//! hold numbers, so a file may carry a column of labels beside them.

use crate::format::quoted;
use crate::values::quote_list;

/// A parsed CSV file: its column names and its rows of fields, each row with
/// the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header's column names, in order.
    pub names: Vec<String>,
    /// The rows' fields as written (trimmed), each row as long as the header.
    rows: Vec<Vec<String>>,
    /// The 1-based line each row starts on, for messages.
    lines: Vec<u64>,
    /// The file's name as messages show it.
    shown: String,
}

impl Table {
    /// Parses `text`, the contents of the file `shown` (named in messages).
    ///
    /// ```
    /// use tapegrad_cli::table::Table;
    ///
    /// let table = Table::parse("x, y\n1, 2\n3, 4\n", "data.csv").unwrap();
    /// assert_eq!(table.names, ["x", "y"]);
    /// assert_eq!(table.column("y").unwrap(), [2.0, 4.0]);
    /// let error = Table::parse("x,y\n1,2\n3,abc\n", "data.csv").unwrap().column("y").unwrap_err();
    /// assert_eq!(error, "data.csv: line 3, column 2 (`y`): `abc` is not a number");
    /// ```
    ///
    /// # Errors
    /// A message naming the file for an empty file, a header with an empty
    /// or repeated name, a file with no rows, a row with more or fewer fields
    /// than the header (naming its line), or text that is not UTF-8.
    pub fn parse(text: &str, shown: &str) -> Result<Table, String> {
        if text.trim().is_empty() {
            return Err(format!(
                "{shown} is empty: expected a header row of column names, then rows of numbers"
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let names: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(shown, &e, &|_| 1))?
            .iter()
            .map(str::to_string)
            .collect();
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(format!(
                    "{shown}: column {} of the header has no name",
                    i + 1
                ));
            }
            if names[..i].contains(name) {
                return Err(format!(
                    "{shown}: the header names column {} twice",
                    quoted(name)
                ));
            }
        }
        // The reader's own line count leaves out blank lines, and its byte
        // offset of a record is where it started reading, before the blank
        // lines it skipped: count lines from the first byte after them.
        let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        let bytes = text.as_bytes();
        let line_at = |byte: u64| {
            let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            newlines.partition_point(|&i| i < at) as u64 + 1
        };
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(shown, &e, &line_at))?;
            lines.push(record.position().map_or(0, |p| line_at(p.byte())));
            rows.push(record.iter().map(str::to_string).collect());
        }
        if rows.is_empty() {
            return Err(format!(
                "{shown} has a header ({}) but no rows of data",
                quote_list(&names)
            ));
        }
        Ok(Table {
            names,
            rows,
            lines,
            shown: shown.to_string(),
        })
    }

    /// How many rows of data the file has.
    ///
    /// ```
    /// let table = tapegrad_cli::table::Table::parse("x\n1\n\n2\n", "d.csv").unwrap();
    /// // Blank lines are skipped; the second row is on line 4.
    /// assert_eq!((table.len(), table.line(1), table.has("x")), (2, 4, true));
    /// ```
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file has no rows (never, for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The line row `row` (from 0) starts on.
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// Whether the header has a column called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The header's names, quoted, for messages: `` `x` and `y` ``.
    pub fn columns(&self) -> String {
        quote_list(&self.names)
    }

    /// The numbers of the column `name`.
    ///
    /// # Errors
    /// A message for a missing column (listing the columns), or a field
    /// that is not a finite number (naming its line and column).
    pub fn column(&self, name: &str) -> Result<Vec<f64>, String> {
        let Some(c) = self.names.iter().position(|n| n == name) else {
            return Err(format!(
                "no column {}; the columns are {}",
                quoted(name),
                self.columns()
            ));
        };
        self.rows
            .iter()
            .zip(&self.lines)
            .map(|(row, line)| {
                let field = row[c].as_str();
                let at = format!("line {line}, column {} ({})", c + 1, quoted(name));
                match field.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(x),
                    Ok(_) => Err(format!("{at}: {} is not a finite number", quoted(field))),
                    Err(_) if field.is_empty() => Err(format!("{at}: the field is empty")),
                    Err(_) => Err(format!("{at}: {} is not a number", quoted(field))),
                }
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{}: {e}", self.shown))
    }

    /// The column `name` read to 160 bits from its decimal text, or `None`
    /// if there is no such column or a field is not a number.
    pub(crate) fn precise_column(&self, name: &str) -> Option<Vec<crate::precise::Precise>> {
        let c = self.names.iter().position(|n| n == name)?;
        self.rows
            .iter()
            .map(|row| crate::precise::parse(&row[c]))
            .collect()
    }

    /// The file's name as messages show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// A CSV reader's error as a message naming the file and the line
/// (`line_at` turns a byte offset into a line number).
fn csv_error(shown: &str, e: &csv::Error, line_at: &dyn Fn(u64) -> u64) -> String {
    let line = |pos: &Option<csv::Position>| pos.as_ref().map_or(0, |p| line_at(p.byte()));
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "{shown}: line {} has {len} field{}, but the header has {expected_len}",
            line(pos),
            if *len == 1 { "" } else { "s" }
        ),
        csv::ErrorKind::Utf8 { pos, .. } => {
            format!("{shown}: line {} is not UTF-8 text", line(pos))
        }
        _ => format!("{shown}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_file_gets_one_message_naming_the_place() {
        let error = |text: &str| Table::parse(text, "d.csv").unwrap_err();
        assert_eq!(
            error(""),
            "d.csv is empty: expected a header row of column names, then rows of numbers"
        );
        assert_eq!(
            error("x,y\n"),
            "d.csv has a header (`x` and `y`) but no rows of data"
        );
        assert_eq!(
            error("x,y\n1,2\n3\n"),
            "d.csv: line 3 has 1 field, but the header has 2"
        );
        // Regression: lines are counted in the file, blank ones included.
        assert_eq!(
            error("x,y\n\n1,2\n\r\n\n3\n"),
            "d.csv: line 6 has 1 field, but the header has 2"
        );
        assert_eq!(
            error("x,x\n1,2\n"),
            "d.csv: the header names column `x` twice"
        );
        assert_eq!(
            error("x,\n1,2\n"),
            "d.csv: column 2 of the header has no name"
        );
        let table = Table::parse("x,y\n1,\n2,inf\n", "d.csv").unwrap();
        assert_eq!(
            table.column("y").unwrap_err(),
            "d.csv: line 2, column 2 (`y`): the field is empty"
        );
        assert_eq!(
            table.column("z").unwrap_err(),
            "no column `z`; the columns are `x` and `y`"
        );
        // A column of words is fine while nothing asks for its numbers.
        let table = Table::parse("name,x\nab,1\ncd,2\n", "d.csv").unwrap();
        assert_eq!(table.column("x").unwrap(), [1.0, 2.0]);
        assert_eq!((table.len(), table.line(1)), (2, 3));
    }
}
