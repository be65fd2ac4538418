//! The viewer driven for real in tmux (tests/tui/vlan_filter.sh): filter, selection, hex
//! highlight, the Latency tab and a clean exit, asserted on capture-pane output.

use std::process::Command;

use crate::common::{installed, sample, ROOT};

#[test]
fn viewer_in_tmux_filters_highlights_and_restores_the_terminal() {
    assert!(
        installed("tmux"),
        "this test needs tmux (apt-get install tmux)"
    );
    let output = Command::new("bash")
        .arg(format!("{ROOT}/tests/tui/vlan_filter.sh"))
        .arg(env!("CARGO_BIN_EXE_ofscope"))
        .arg(sample("vlan.pcap"))
        .output()
        .expect("run the tmux script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tmux test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: tmux viewer test"), "{stdout}");
}
