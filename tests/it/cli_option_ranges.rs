//! Every numeric option has a range, and a value outside it (or past any integer) is one
//! clear error naming the option and its range, with exit 2 (issue 14:
//! `learning:hold_down=18446744074` wrapped to 0.29 s).

use ofscope::replay::apps::APPS;

use crate::common::{ofscope, sample, stderr};

/// Asserts exit 2 and one line on stderr that says each of `needles`.
fn assert_refused(args: &[&str], needles: &[&str]) {
    let out = ofscope(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: no {needle:?} in {err}");
    }
}

#[test]
fn app_number_options_refuse_values_out_of_their_range() {
    let capture = sample("basic.pcap");
    let mut checked = 0;
    for app in APPS {
        for option in app.options {
            let Some((min, max)) = option.range else {
                continue;
            };
            let range = format!("from {min} to {max}");
            let mut values = vec![
                (u128::from(max) + 1).to_string(),
                "18446744074".to_owned(),
                "99999999999999999999999".to_owned(),
                "-1".to_owned(),
            ];
            if min > 0 {
                values.push((min - 1).to_string());
            }
            for value in values {
                let spec = format!("{}:{}={value}", app.name, option.key);
                assert_refused(&["replay", &capture, "--app", &spec], &[option.key, &range]);
            }
            // The bounds themselves are accepted.
            for bound in [min, max] {
                let spec = format!("{}:{}={bound}", app.name, option.key);
                let out = ofscope(&["replay", &capture, "--app", &spec, "-q"]);
                assert!(out.status.success(), "{spec}: {}", stderr(&out));
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} number options");
    // Help shows each range.
    let help = String::from_utf8(ofscope(&["replay", "--help"]).stdout).unwrap();
    assert!(help.contains("hold_down=SECONDS (0 to 65535)"), "{help}");
}

#[test]
fn numeric_flags_refuse_values_out_of_their_range() {
    let capture = sample("basic.pcap");
    let huge = "99999999999999999999999";
    let pcap = ["pcap", &capture];
    let flows = ["pcap", &capture, "--flows"];
    let replay = ["replay", &capture];
    let live = ["live", "-i", "lo"];
    // (command, flag, value, what the error says of the range)
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (&pcap, "--count", "0", "at least 1"),
        (&pcap, "--count", huge, "from 1 to"),
        (&pcap, "--port", "65536", "0..=65535"),
        (&pcap, "--port", huge, ""),
        (&replay, "--port", "70000", "0..=65535"),
        (&flows, "--at", "1e300", "from 0 to"),
        (&flows, "--at", "@1e11", "from 0 to"),
        (&pcap, "--pair-window", "1e30s", "at most 3600s"),
        (&pcap, "--pair-window", "0", "more than 0"),
        (&live, "--snaplen", "262145", "0..=262144"),
        (&live, "--snaplen", huge, ""),
        (&live, "--buffer-size", "0", "1..=2047"),
        (&live, "--buffer-size", "2048", "1..=2047"),
        (&live, "--queue-size", "65537", "0..=65536"),
        (&live, "--duration", "1e300", "at most 31536000"),
        (&live, "--duration", "0", "more than 0"),
        (&live, "--duration", "inf", "at most"),
    ];
    for (command, flag, value, range) in cases {
        let mut args = command.to_vec();
        args.extend([*flag, *value]);
        assert_refused(&args, &[flag, range]);
    }
}
