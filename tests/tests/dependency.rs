//! The engine as a dependency: what the core pulls in, and the oldest
//! compiler the workspace declares. Both ask cargo itself (offline, from the
//! lock file), so they check what a user's build would resolve.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Runs cargo with `args` at the workspace root and returns its stdout.
fn cargo(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo prints UTF-8")
}

/// The engine's direct normal dependencies, with `features` passed to
/// `cargo tree` as they are.
fn direct_dependencies(features: &[&str]) -> BTreeSet<String> {
    let mut args = vec![
        "tree",
        "--offline",
        "--locked",
        "-p",
        "tapegrad",
        "-e",
        "normal",
        "--depth",
        "1",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    args.extend_from_slice(features);
    cargo(&args)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&n| n != "tapegrad")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_core_depends_on_smallvec_thiserror_libm_and_foldhash_only() {
    assert_eq!(
        direct_dependencies(&["--no-default-features"]),
        BTreeSet::from(["foldhash", "libm", "smallvec", "thiserror"].map(String::from))
    );
}

#[test]
fn the_svg_feature_adds_no_dependency() {
    // The SVG view's layout and drawing are our own code: with `svg` on,
    // the engine resolves exactly the core's dependencies.
    assert_eq!(
        direct_dependencies(&["--no-default-features", "--features", "svg"]),
        BTreeSet::from(["foldhash", "libm", "smallvec", "thiserror"].map(String::from))
    );
}

#[test]
fn the_default_features_add_only_num_traits_and_petgraph() {
    // Of the default features, `num-traits` needs its crate, and of the
    // graph views only `petgraph` needs one.
    assert_eq!(
        direct_dependencies(&[]),
        BTreeSet::from(
            [
                "foldhash",
                "libm",
                "num-traits",
                "petgraph",
                "smallvec",
                "thiserror"
            ]
            .map(String::from)
        )
    );
}

/// `1.86` or `1.86.0` as comparable numbers.
fn version(v: &str) -> (u64, u64, u64) {
    let mut parts = v
        .split('.')
        .map(|p| p.parse::<u64>().expect("a numeric version"));
    let major = parts.next().unwrap_or(0);
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn rust_version_is_the_oldest_compiler_every_dependency_allows() {
    // Only this machine's platform: a build here downloads no other's
    // packages, and offline metadata cannot read what was never downloaded.
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let rustc = String::from_utf8(rustc.stdout).expect("rustc prints UTF-8");
    let host = rustc
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host");
    let metadata = cargo(&[
        "metadata",
        "--format-version",
        "1",
        "--offline",
        "--locked",
        "--filter-platform",
        host,
    ]);
    let m: serde_json::Value = serde_json::from_str(&metadata).expect("cargo metadata is JSON");
    let members: BTreeSet<&str> = m["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let packages = m["packages"].as_array().expect("packages");
    let ours: BTreeSet<&str> = packages
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap_or("")))
        .map(|p| {
            p["rust_version"]
                .as_str()
                .expect("every member declares rust-version")
        })
        .collect();
    assert_eq!(ours.len(), 1, "members disagree: {ours:?}");
    let ours = *ours.first().unwrap();
    // The newest rust-version any dependency (dev-dependencies included)
    // asks for: ours must not be older, or the build would fail on a
    // compiler we claim. (That the workspace itself builds with ours is
    // `.ci/run`'s check with that toolchain.)
    let newest = packages
        .iter()
        .filter(|p| !members.contains(p["id"].as_str().unwrap_or("")))
        .filter_map(|p| Some((p["rust_version"].as_str()?, p["name"].as_str()?)))
        .max_by_key(|&(v, _)| version(v))
        .expect("some dependency declares a rust-version");
    assert!(
        version(ours) >= version(newest.0),
        "rust-version {ours} is older than {} needs ({})",
        newest.1,
        newest.0
    );
}
