//! Helpers shared by the integration tests (each test file uses its own subset).
#![allow(dead_code)]

use std::process::{Command, Output};

/// Whether this process runs as root (real uid 0), read from /proc without a libc call.
pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        == Some("0")
}

/// The JSON lines a successful run printed.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// Runs the ofscope binary of this build.
pub fn ofscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofscope"))
        .args(args)
        .output()
        .expect("run ofscope")
}

/// The path of `samples/NAME`.
pub fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}
