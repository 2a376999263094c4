//! The engine's modules depend one way: each top-level module of
//! `crates/tapegrad/src` imports only from the modules below it in
//! [`LAYERS`], so no import cycle can come back unnoticed. Inside one folder
//! (one concept: the tape with `Var` and custom ops, the op table, a sweep)
//! the files may use each other. `docs/ARCHITECTURE.md` states the same
//! order, checked here too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The engine's top-level modules, bottom first: helpers, the op table,
/// errors (data and messages), the tape, the numbering of nodes, the
/// sweeps, replay, the views.
const LAYERS: &[&str] = &[
    "escape",
    "op",
    "error",
    "tape",
    "numbering",
    "backward",
    "grad_graph",
    "higher",
    "check",
    "replay",
    "function",
    "graph",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/tapegrad/src")
}

/// Every `.rs` file below `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the engine's sources") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of the engine belongs to (`tape/var.rs` is
/// `tape`); `None` for the crate root.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib").then_some(name)
}

/// The code of `text` without comments (doc links name modules freely).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path that starts with `crate::` in `code`,
/// `use crate::{a::X, b}` groups included.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top-level items.
            let (mut depth, mut start) = (0, 0);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.push(first_segment(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(first_segment(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(first_segment(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The modules the crate root re-exports each public name from
/// (`pub use tape::{Tape, Var}` maps `Tape` and `Var` to `tape`).
fn reexports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut map = BTreeMap::new();
    for line in code(&lib).lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        // A whole crate re-exported (`pub use num_traits;`) is no module of
        // the engine's.
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        let names = names
            .trim_end_matches(';')
            .trim_matches(|c| c == '{' || c == '}');
        for name in names.split(',') {
            let name = first_segment(name);
            if !name.is_empty() {
                map.insert(name, module.to_string());
            }
        }
    }
    map
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let rank = |m: &str| LAYERS.iter().position(|&l| l == m);
    let names = reexports();
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let here = rank(&module).unwrap_or_else(|| {
            panic!("module `{module}` is not in LAYERS; add it where it belongs")
        });
        let text = std::fs::read_to_string(file).unwrap();
        for path in crate_paths(&code(&text)) {
            let target = names.get(&path).cloned().unwrap_or(path);
            let Some(there) = rank(&target) else { continue };
            if there > here {
                let rel = file.strip_prefix(src()).unwrap().display().to_string();
                wrong.push(format!(
                    "{rel} ({module}) imports from {target}, a layer above it"
                ));
            }
        }
    }
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layer order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_architecture_doc_states_the_layer_order() {
    // The code map is written from the same order.
    let doc = std::fs::read_to_string(src().join("../../../docs/ARCHITECTURE.md")).unwrap();
    let order = LAYERS.join(" → ");
    assert!(
        doc.contains(&format!("Layer order: {order}.")),
        "docs/ARCHITECTURE.md must say `Layer order: {order}.`"
    );
}

#[test]
fn the_check_sees_imports_of_every_form() {
    // use crate::{a::X, b::{Y, Z}}, crate::c::W and a re-exported name.
    let code = "use crate::{op::{Op, Real}, tape::Var};\nlet w = crate::graph::Graph::of(x);\nuse crate::Tape;";
    assert_eq!(crate_paths(code), ["op", "tape", "graph", "Tape"]);
    assert_eq!(reexports().get("Tape").map(String::as_str), Some("tape"));
}

#[test]
fn the_code_map_has_a_line_for_every_file_of_the_engine() {
    // docs/ARCHITECTURE.md names each file at the start of a line of its
    // own, so a new file cannot go unmapped.
    let doc = std::fs::read_to_string(src().join("../../../docs/ARCHITECTURE.md")).unwrap();
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let missing: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(src()).unwrap().display().to_string())
        .filter(|f| f != "lib.rs" && !doc.contains(&format!("\n- `{f}`: ")))
        .collect();
    assert!(missing.is_empty(), "not in the code map: {missing:?}");
}

#[test]
fn every_method_of_var_is_in_the_module_that_owns_var() {
    // Inherent `impl Var` blocks only in tape/, where `Var` is defined; the
    // sweeps above reach `Var`'s methods through the traits tape/ declares.
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut outside = Vec::new();
    for file in &files {
        let text = code(&std::fs::read_to_string(file).unwrap());
        if module_of(file).as_deref() != Some("tape")
            && text
                .lines()
                .any(|l| l.trim_start().starts_with("impl Var {"))
        {
            outside.push(file.strip_prefix(src()).unwrap().display().to_string());
        }
    }
    assert!(outside.is_empty(), "impl Var outside tape/: {outside:?}");
}
