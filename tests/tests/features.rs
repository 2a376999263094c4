//! The engine's features as its docs state them: the package README and the
//! crate docs list every feature `crates/tapegrad/Cargo.toml` declares, say
//! which are on by default and what each enables, exactly as cargo reads
//! the manifest; and both READMEs say how to depend on the unpublished crate
//! from the workspace's repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A feature as cargo or a doc states it: on by default or not, and the
/// features it enables.
#[derive(Debug, PartialEq, Eq)]
struct Feature {
    default: bool,
    enables: BTreeSet<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `tapegrad` package as `cargo metadata` reads it (offline, no
/// dependencies resolved).
fn engine_metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--offline",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .current_dir(root())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tapegrad")
        .expect("the workspace has the tapegrad package")
        .clone()
}

/// The features of `Cargo.toml`: every one but `default`, with whether
/// `default` lists it and the features (not `dep:` dependencies) it enables.
fn declared() -> BTreeMap<String, Feature> {
    let package = engine_metadata();
    let features = package["features"].as_object().unwrap();
    let names = |list: &serde_json::Value| -> BTreeSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .filter(|name| !name.starts_with("dep:") && !name.contains('/'))
            .collect()
    };
    let default = features.get("default").map(names).unwrap_or_default();
    features
        .iter()
        .filter(|(name, _)| name.as_str() != "default")
        .map(|(name, list)| {
            let feature = Feature {
                default: default.contains(name),
                enables: names(list),
            };
            (name.clone(), feature)
        })
        .collect()
}

/// The features a doc's section lists, one bullet each:
/// ``- `html` (default, enables `svg`): …`` or ``- `name`: …`` for a
/// feature that is off by default.
fn documented(section: &str) -> BTreeMap<String, Feature> {
    let mut features = BTreeMap::new();
    for line in section.lines() {
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let (name, rest) = rest.split_once('`').unwrap();
        let mut feature = Feature {
            default: false,
            enables: BTreeSet::new(),
        };
        if let Some(notes) = rest.strip_prefix(" (") {
            let (notes, _) = notes.split_once(')').unwrap();
            for note in notes.split(", ") {
                match note.strip_prefix("enables `") {
                    Some(other) => {
                        feature
                            .enables
                            .insert(other.trim_end_matches('`').to_string());
                    }
                    None if note == "default" => feature.default = true,
                    None => panic!("`{name}`: unknown note `{note}` in {line:?}"),
                }
            }
        }
        let old = features.insert(name.to_string(), feature);
        assert!(old.is_none(), "`{name}` is listed twice");
    }
    features
}

/// The text of `doc` from the line `heading` to the next heading of the
/// same level.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no `{heading}` heading"))
        + 1;
    let level = heading.split(' ').next().unwrap();
    let body = &doc[start + heading.len()..];
    let end = body.find(&format!("\n{level} ")).unwrap_or(body.len());
    &body[..end]
}

/// The crate docs of `lib.rs`: its `//!` lines without the marker.
fn crate_docs() -> String {
    read("crates/tapegrad/src/lib.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A count of features ("Both are on by default") goes stale when one is
/// added: the sections mark each feature instead.
fn counts_features(section: &str) -> Option<&'static str> {
    let words = ["both", "two", "three", "four", "five", "six"];
    section
        .split(|c: char| !c.is_alphanumeric())
        .find_map(|w| words.iter().find(|&&n| w.eq_ignore_ascii_case(n)).copied())
}

#[test]
fn the_package_readme_lists_the_manifests_features_with_their_defaults() {
    // Every feature of Cargo.toml, and no other, is a bullet of the
    // README's Features section, marked (default) exactly when `default`
    // lists it, and naming the features it enables.
    let readme = read("crates/tapegrad/README.md");
    let features = section(&readme, "## Features");
    assert_eq!(documented(features), declared());
    assert_eq!(counts_features(features), None, "{features}");
}

#[test]
fn the_crate_docs_list_the_manifests_features_with_their_defaults() {
    // The same list, in the crate docs' `# Features` section.
    let docs = crate_docs();
    let features = section(&docs, "# Features");
    assert_eq!(documented(features), declared());
    assert_eq!(counts_features(features), None, "{features}");
}

#[test]
fn the_feature_list_reader_tells_a_wrong_default_and_a_missing_feature() {
    // The comparison above can fail: a list that marks `svg` as off by
    // default, or leaves out `html`, differs from the manifest's.
    let declared = declared();
    let wrong = "- `petgraph` (default): a\n- `svg`: b\n- `html` (default, enables `svg`): c\n";
    assert_ne!(documented(wrong), declared);
    let short = "- `petgraph` (default): a\n- `svg` (default): b\n";
    assert_ne!(documented(short), declared);
    assert_eq!(counts_features("Both are on by default."), Some("both"));
}

#[test]
fn the_readmes_depend_on_the_repository_until_tapegrad_is_published() {
    // No registry serves tapegrad yet: the READMEs' dependency lines name
    // the repository of the workspace's manifest, and none asks a registry
    // for a version.
    let repository = engine_metadata()["repository"]
        .as_str()
        .expect("Cargo.toml names the repository")
        .to_string();
    let git = format!("git = \"{repository}\"");
    for path in ["README.md", "crates/tapegrad/README.md"] {
        let text = read(path);
        assert!(text.contains(&git), "{path} does not say `{git}`");
        for line in text.lines().filter(|l| l.contains("tapegrad = ")) {
            assert!(
                !line.contains("tapegrad = \"") && !line.contains("version = "),
                "{path} depends on a registry version: {line}"
            );
        }
    }
    assert!(
        crate_docs().contains(&git),
        "the crate docs do not say `{git}`"
    );
}
