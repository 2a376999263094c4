//! Inside the tapegrad workspace the runner's pictures go to the workspace's
//! `target/tapegrad-examples`, from whichever folder it runs. (Not part of the
//! published package: outside the workspace there is no such folder.)

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `--example chain` (two pictures) in `folder` without
/// `CARGO_TARGET_DIR`, and returns what it printed.
fn chain_from(folder: &Path) -> String {
    let out = Command::cargo_bin("tapegrad-examples")
        .unwrap()
        .args(["--example", "chain"])
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(folder)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// The picture was written by a run that started at `start`.
fn fresh(path: &Path, start: SystemTime) -> bool {
    let modified = std::fs::metadata(path).and_then(|m| m.modified());
    modified.is_ok_and(|m| m + Duration::from_secs(2) >= start)
}

#[test]
fn the_default_folder_is_the_workspace_target_from_any_folder() {
    // One test, so that no two runs write the same pictures at once.
    let folder = workspace().join("target").join("tapegrad-examples");
    let elsewhere = tempfile::tempdir().unwrap();
    for cwd in [elsewhere.path(), &workspace().join("examples").join("src")] {
        let start = SystemTime::now();
        let text = chain_from(cwd);
        assert!(fresh(&folder.join("chain-flow.svg"), start), "{text}");
        assert!(fresh(&folder.join("chain-grad-graph.svg"), start), "{text}");
        assert!(!cwd.join("target").exists(), "{}", cwd.display());
        assert!(
            text.trim_end()
                .ends_with(&format!("4 pictures written to {}", folder.display())),
            "{text}"
        );
    }

    // From the workspace root the paths are short.
    let text = chain_from(&workspace());
    assert!(
        text.contains("  example 3, the chain rule: target/tapegrad-examples/chain-flow.svg\n"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("4 pictures written to target/tapegrad-examples"),
        "{text}"
    );
}
