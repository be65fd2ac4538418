//! Output that names an input is refused, and the input is left byte for byte as it was
//! (issue: `pcap X -w X` truncated its own input while reading it, and `replay X --update X`
//! replaced the capture with the golden).

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{ofscope, sample};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ofscope-never-destroys-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs ofscope and asserts that it refused with one line naming the file, and that `input`
/// still holds `original`.
fn assert_refused(args: &[&str], input: &Path, original: &[u8]) {
    let out = ofscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("also an input"), "{stderr}");
    assert_eq!(
        fs::read(input).unwrap(),
        original,
        "{args:?} changed its input"
    );
}

#[test]
fn pcap_write_onto_an_input_is_refused() {
    let dir = scratch("pcap");
    let original = fs::read(sample("basic.pcap")).unwrap();
    let input = dir.join("basic.pcap");
    fs::write(&input, &original).unwrap();
    let link = dir.join("link.pcap");
    fs::hard_link(&input, &link).unwrap();
    let other = sample("vlan.pcap");
    let input_str = input.to_str().unwrap();
    for output in [input_str, link.to_str().unwrap()] {
        assert_refused(&["pcap", input_str, "-q", "-w", output], &input, &original);
        // One of several inputs is an input too.
        assert_refused(
            &["pcap", &other, input_str, "-q", "-w", output],
            &input,
            &original,
        );
    }
    // Another output is written as before.
    let out_path = dir.join("out.pcap");
    let out = ofscope(&["pcap", input_str, "-q", "-w", out_path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fs::metadata(&out_path).unwrap().len() > 24);
    assert_eq!(
        fs::read_dir(&dir).unwrap().count(),
        3,
        "no temporary file is left"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_update_onto_its_capture_is_refused_and_a_golden_is_replaced_whole() {
    let dir = scratch("replay");
    let original = fs::read(sample("basic.pcap")).unwrap();
    let capture = dir.join("basic.pcap");
    fs::write(&capture, &original).unwrap();
    let capture_str = capture.to_str().unwrap();
    let args = [
        "replay",
        capture_str,
        "--app",
        "learning",
        "--update",
        capture_str,
    ];
    assert_refused(&args, &capture, &original);

    let golden = dir.join("basic.golden.json");
    let golden_str = golden.to_str().unwrap();
    fs::write(&golden, "old golden").unwrap();
    let out = ofscope(&[
        "replay",
        capture_str,
        "--app",
        "learning",
        "--update",
        golden_str,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = fs::read_to_string(&golden).unwrap();
    assert!(written.contains("\"decisions\""), "{written}");
    assert_eq!(
        fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file is left"
    );
    let check = ofscope(&["replay", "--assert", golden_str]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    fs::remove_dir_all(&dir).unwrap();
}
