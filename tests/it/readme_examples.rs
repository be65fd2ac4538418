//! The README's examples are what the bundled samples really print: every fenced block that
//! starts with `$ ofscope ...` is run (by bash, from the repository root, with this build's
//! binary first on PATH) and its output must be the block's other lines.
use std::path::Path;
use std::process::Command;

use crate::common::ROOT;

/// (command, expected output) for each example block of a Markdown text.
fn examples(markdown: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        if let Some(command) = block
            .first()
            .and_then(|first| first.strip_prefix("$ ofscope "))
        {
            let expected: String = block[1..].iter().map(|l| format!("{l}\n")).collect();
            found.push((format!("ofscope {command}"), expected));
        }
    }
    found
}

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let examples = examples(&readme);
    assert!(
        !examples.is_empty(),
        "the README has no `$ ofscope` example"
    );
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_ofscope")).parent().unwrap();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (command, expected) in examples {
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &command])
            .current_dir(ROOT)
            .env("PATH", &path)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            printed, expected,
            "README example `{command}` prints otherwise"
        );
    }
}
