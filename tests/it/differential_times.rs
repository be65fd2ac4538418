//! Issue 12 point 9: the time column of `ofscope pcap` is tshark's `-t r` column
//! (`frame.time_relative`, cut to microseconds) for the frame each message is credited to,
//! on every sample, with and without a display filter.
//!
//! Needs tshark: under `CI=true` a missing tool fails, elsewhere the test is skipped.

use std::collections::HashMap;

use crate::common::{command, samples, tools_present, tshark_fields};
use crate::differential_support::stdout_of;

#[test]
fn relative_times_are_tsharks_on_every_sample() {
    if !tools_present("relative_times_are_tsharks_on_every_sample", &["tshark"]) {
        return;
    }
    let mut compared = 0;
    for path in samples() {
        let name = path.to_string_lossy().into_owned();
        // frame number → seconds since the first frame, as tshark has it.
        let tshark: HashMap<String, String> =
            tshark_fields(&path, &["-e", "frame.number", "-e", "frame.time_relative"])
                .lines()
                .filter_map(|line| {
                    let (frame, time) = line.split_once('\t')?;
                    let (secs, frac) = time.split_once('.')?;
                    Some((frame.to_owned(), format!("{secs}.{:.6}", frac)))
                })
                .collect();
        for filter in [None, Some("of.type == PACKET_IN || of.type == FLOW_MOD")] {
            let mut ofscope = command();
            ofscope.args(["pcap", &name]);
            if let Some(expr) = filter {
                ofscope.args(["-Y", expr]);
            }
            for line in stdout_of(&mut ofscope).lines() {
                let mut columns = line.split_whitespace();
                let (frame, time) = (columns.next().unwrap(), columns.next().unwrap());
                assert_eq!(
                    tshark.get(frame).map(String::as_str),
                    Some(time),
                    "{name} (-Y {filter:?}): {line}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "only {compared} lines compared");
}
