//! The hostile-input suite at small sizes: `bench/hostile.sh --small` makes captures shaped to
//! exhaust memory or time (many switches, reconnections, HELLO-only connections, distinct
//! flows, gzip bombs, endless files, a long `contains` needle) and holds each run to its exit
//! code, peak RSS, time and a one-line stderr. Its bounds are ten times what a linear,
//! lazily-allocating analyser needs, and broken by per-switch histograms or a quadratic walk.

use crate::common::{tools_present, ROOT};

#[test]
fn every_hostile_input_stays_within_its_bounds() {
    if !tools_present("hostile_suite", &["python3", "/usr/bin/time"]) {
        return;
    }
    let out = std::process::Command::new("bash")
        .arg(format!("{ROOT}/bench/hostile.sh"))
        .args(["--small", "--ofscope", env!("CARGO_BIN_EXE_ofscope")])
        .output()
        .expect("run bench/hostile.sh");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("every input within its bounds"),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
