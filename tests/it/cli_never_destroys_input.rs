//! Output that names an input is refused, and the input is left byte for byte as it was
//! (issue: `pcap X -w X` truncated its own input while reading it, and `replay X --update X`
//! replaced the capture with the golden).

use std::fs;
use std::path::{Path, PathBuf};

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{command, ofscope, sample};
use crate::stream_support::{of_message, Session};
use ofscope::capture::LinkType;

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

/// A switch's session with `packet_ins` PACKET_INs from as many source MACs: enough work for
/// `replay --update` to be stopped in the middle.
fn busy_capture(packet_ins: u32) -> Vec<u8> {
    let mut s = Session::new("10.0.0.1:40000", "10.0.0.2:6633", LinkType::RAW);
    s.handshake();
    s.send(false, &of_message(0, 1, &[]));
    s.send(true, &of_message(0, 1, &[]));
    let mut features = 1u64.to_be_bytes().to_vec();
    features.extend_from_slice(&[0, 0, 1, 0, 254, 0, 0, 0, 0, 0, 0, 0xc7, 0, 0, 0x0f, 0xff]);
    s.send(true, &of_message(6, 2, &features));
    for i in 0..packet_ins {
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(&[2, 0]);
        frame.extend_from_slice(&i.to_be_bytes());
        frame.extend_from_slice(&[0x88, 0xb5]);
        frame.resize(60, 0);
        let in_port = (i % 4 + 1) as u16;
        let mut body = vec![0xff, 0xff, 0xff, 0xff, 0, 60];
        body.extend_from_slice(&in_port.to_be_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend(frame);
        s.send(true, &of_message(10, 0, &body));
    }
    s.bytes()
}

#[test]
fn a_killed_update_leaves_the_old_golden_whole() {
    let dir = scratch("killed-update");
    let capture = dir.join("busy.pcap");
    fs::write(&capture, busy_capture(20_000)).unwrap();
    let golden = dir.join("busy.golden.json");
    let (capture, golden_str) = (capture.to_str().unwrap(), golden.to_str().unwrap());
    let update = |variant: &str| {
        let app = format!("learning:variant={variant}");
        [
            "replay", capture, "--app", &app, "-q", "--update", golden_str,
        ]
        .map(str::to_owned)
    };
    let run = |args: &[String]| {
        let out = command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // The new golden, and how long writing it takes.
    run(&update("pox"));
    let new = fs::read(&golden).unwrap();
    run(&update("simple"));
    let old = fs::read(&golden).unwrap();
    assert_ne!(old, new);
    let started = Instant::now();
    run(&update("simple"));
    let whole_run = started.elapsed();
    for eighth in 1..8 {
        let mut child = command()
            .args(update("pox"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole_run * eighth / 8);
        // SIGKILL: no destructor runs, as when the machine goes down.
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(&golden).unwrap();
        assert!(
            now == old || now == new,
            "killed at {eighth}/8 of the run: the golden is neither the old one nor the new"
        );
        // Put the old one back for the next moment.
        if now == new {
            fs::write(&golden, &old).unwrap();
        }
    }
    // A temporary file a killed run left has a name of its own, and a later run neither
    // reads it nor minds it.
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            ["busy.pcap", "busy.golden.json"].contains(&name.as_str())
                || name.starts_with(".busy.golden.json.ofscope-") && name.ends_with(".tmp"),
            "{name}"
        );
    }
    run(&update("pox"));
    assert_eq!(fs::read(&golden).unwrap(), new);
    let out = ofscope(&["replay", "--assert", golden_str]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(whole_run < Duration::from_secs(5), "{whole_run:?}");
    fs::remove_dir_all(&dir).unwrap();
}
