//! The live viewer's follow mode on the project's Open vSwitch lab, driven in tmux
//! (tests/live/follow.sh). It needs root, OVS and tmux: without them it says so and passes,
//! except under CI=true, where they are expected and their absence fails.

use std::process::Command;

use crate::common::{installed, is_root, ROOT};

#[test]
fn live_viewer_follows_pauses_and_resumes_on_the_lab() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let missing: Vec<&str> = ["tmux", "ovs-vswitchd", "ovs-testcontroller", "ip"]
        .into_iter()
        .filter(|tool| !installed(tool))
        .collect();
    let blocker = if !is_root() {
        Some("the lab needs root".to_owned())
    } else if !missing.is_empty() {
        Some(format!("missing: {}", missing.join(", ")))
    } else {
        None
    };
    if let Some(blocker) = blocker {
        assert!(!ci, "CI runs this as root with OVS and tmux: {blocker}");
        eprintln!("skipping the live follow test: {blocker} (CI runs it)");
        return;
    }
    let script = format!("{ROOT}/tests/live/follow.sh");
    let output = Command::new("bash")
        .arg(script)
        .env("OFSCOPE", env!("CARGO_BIN_EXE_ofscope"))
        .output()
        .expect("run tests/live/follow.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "follow test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: live follow"), "{stdout}\n{stderr}");
}
