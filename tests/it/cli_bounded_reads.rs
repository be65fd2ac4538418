//! Files read whole have a bound: an endless or huge file is one clear error, not all of
//! memory (issue: `replay --assert /dev/zero` and `decode --raw /dev/zero` read until
//! memory ran out).

use crate::common::{keep_for_fuzzing, ofscope};

#[test]
fn endless_inputs_read_whole_end_with_one_clear_line() {
    // The start of /dev/zero, for the fuzz target of the golden reader.
    keep_for_fuzzing("golden_reader", &[0; 4096]);
    for (args, what) in [
        (
            ["decode", "--raw", "/dev/zero"],
            "16 MiB, the most a raw message file may be",
        ),
        (
            ["replay", "--assert", "/dev/zero"],
            "32 MiB, the most a golden file may be",
        ),
    ] {
        let out = ofscope(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
    }
}
