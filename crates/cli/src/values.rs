//! Values of the inputs from the command line: `--at w=3,b=4` (or
//! `--at w=3 --at b=4`), and the names of `--wrt`.

use crate::error::{Error, Result};
use crate::expr::{Program, closest};
use crate::format::{LISTED, cut, quoted};

/// `` `a`, `b` and `c` ``, each name [`quoted`]; past [`LISTED`] names, the
/// first ones and a count: `` `x0`, …, `x9` and 990 more ``.
pub fn quote_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| quoted(n.as_ref()))
        .collect();
    match shown.as_slice() {
        [] => String::new(),
        _ if names.len() > LISTED => {
            format!("{} and {} more", shown.join(", "), names.len() - LISTED)
        }
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// ` (did you mean `w`?)` when a candidate is close to `name`, else
/// nothing. A one-letter name is one edit from every other, so it only gets
/// a suggestion that differs in case (`W` for `w`).
pub fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let close = if name.chars().count() == 1 {
        candidates
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(name))
    } else {
        closest(name, candidates)
    };
    close
        .map(|c| format!(" (did you mean {}?)", quoted(c)))
        .unwrap_or_default()
}

/// The values of every input of `program`, in the order of
/// [`Program::inputs`], from `items` like `["w=3", "b=4"]` given with
/// `flag` (`--at` or `--from`).
///
/// # Errors
/// An item that is not `NAME=VALUE`, a value that is not a finite number, a
/// name given twice, a name that is not an input (with a suggestion when one
/// is close), or inputs left without a value (all of them named).
pub fn input_values(program: &Program, items: &[String], flag: &str) -> Result<Vec<f64>> {
    let inputs = program.inputs();
    let mut values: Vec<Option<f64>> = vec![None; inputs.len()];
    // Empty items (`--at w=3,`) are allowed and ignored.
    for item in items.iter().filter(|item| !item.trim().is_empty()) {
        let Some((name, text)) = item.split_once('=') else {
            return Err(Error::msg(format_args!(
                "{} is not NAME=VALUE: write it like `{flag} {}=1.5`",
                quoted(&format!("{flag} {item}")),
                if item.trim().is_empty() {
                    "x".into()
                } else {
                    cut(item.trim())
                }
            )));
        };
        let (name, text) = (name.trim(), text.trim());
        let Some(slot) = inputs.iter().position(|&input| input == name) else {
            return Err(unknown_input(program, &inputs, name, flag));
        };
        let value = parse_number(name, text)?;
        if values[slot].replace(value).is_some() {
            return Err(Error::msg(format_args!(
                "{} is given two values with {flag}",
                quoted(name)
            )));
        }
    }
    let missing: Vec<&str> = inputs
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(&name, _)| name)
        .collect();
    if !missing.is_empty() {
        let mut example: Vec<String> = missing
            .iter()
            .take(LISTED)
            .map(|m| format!("{}=VALUE", cut(m)))
            .collect();
        if missing.len() > LISTED {
            example.push("…".to_string());
        }
        // A name close to a binding is more likely a typo than an input.
        let bound = program.bindings.iter().map(|b| b.name.as_str());
        let typo = match missing.as_slice() {
            [one] => suggestion(one, bound).replace("?)", ", which is bound above?)"),
            _ => String::new(),
        };
        return Err(Error::msg(format_args!(
            "no value for {}{typo}: give {} with {flag} {}",
            quote_list(&missing),
            if missing.len() == 1 { "it" } else { "them" },
            example.join(",")
        )));
    }
    Ok(values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// A value of `--at`: a finite decimal number.
pub(crate) fn parse_number(name: &str, text: &str) -> Result<f64> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(Error::msg(format_args!(
            "the value of {} must be a finite number, not {}",
            quoted(name),
            quoted(text)
        ))),
        Err(_) if text.is_empty() => Err(Error::msg(format_args!(
            "{} has no value after `=`",
            quoted(name)
        ))),
        Err(_) => Err(Error::msg(format_args!(
            "the value of {} is not a number: {}",
            quoted(name),
            quoted(text)
        ))),
    }
}

/// The error for a name given a value that is not an input of `program`.
fn unknown_input(program: &Program, inputs: &[&str], name: &str, flag: &str) -> Error {
    if program.bindings.iter().any(|b| b.name == name) {
        return Error::msg(format_args!(
            "{} is bound in the expression, so it cannot be given a value with {flag}",
            quoted(name)
        ));
    }
    if inputs.is_empty() {
        return Error::msg(format_args!(
            "the expression has no variable {}: it has no variables at all",
            quoted(name)
        ));
    }
    let hint = suggestion(name, inputs.iter().copied());
    Error::msg(format_args!(
        "the expression has no variable {}{hint}; its variables are {}",
        quoted(name),
        quote_list(inputs)
    ))
}

/// Splits the names of `--wrt`, checking that none is given twice.
///
/// # Errors
/// An empty name or a name given twice.
pub fn names(items: &[String], flag: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for item in items {
        let name = item.trim();
        if name.is_empty() {
            return Err(Error::msg(format_args!("{flag} has an empty name")));
        }
        if names.iter().any(|n| n == name) {
            return Err(Error::msg(format_args!(
                "{} is given twice with {flag}",
                quoted(name)
            )));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// The inputs that `--wrt` chooses (all inputs when it is not given), as
/// positions in [`Program::inputs`].
///
/// # Errors
/// A name that is not an input, with a suggestion when one is close.
pub fn chosen_inputs(program: &Program, wrt: &[String], flag: &str) -> Result<Vec<usize>> {
    let inputs = program.inputs();
    if wrt.is_empty() {
        return Ok((0..inputs.len()).collect());
    }
    names(wrt, flag)?
        .iter()
        .map(|name| {
            inputs.iter().position(|i| i == name).ok_or_else(|| {
                if program.bindings.iter().any(|b| &b.name == name) {
                    Error::msg(format_args!(
                        "{} is bound in the expression: {flag} takes inputs only; the inputs are {}",
                        quoted(name),
                        quote_list(&inputs)
                    ))
                } else {
                    unknown_input(program, &inputs, name, flag)
                }
            })
        })
        .collect()
}
