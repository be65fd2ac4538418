//! `ofscope bench` on loopback, with small bounded loops: against `ofscope control` in both
//! modes, against its own sink (`--sink`, JSON), and `--learn-macs` making a learning
//! controller install flows. Figures are nonzero and the RESULT line has cbench's shape.

use std::time::{Duration, Instant};

use crate::common::{command, stderr, stdout};
use crate::control_support::Control;

/// The four figures of `RESULT: N switches L tests min/max/avg/stdev = a/b/c/d responses/s`.
fn result_line(out: &str, switches: u32, tests: u32) -> [f64; 4] {
    let line = out
        .lines()
        .find(|l| l.starts_with("RESULT: "))
        .unwrap_or_else(|| panic!("no RESULT line in:\n{out}"));
    let prefix = format!("RESULT: {switches} switches {tests} tests min/max/avg/stdev = ");
    let figures = line
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(" responses/s"))
        .unwrap_or_else(|| panic!("not cbench's shape: {line}"));
    let values: Vec<f64> = figures.split('/').map(|v| v.parse().unwrap()).collect();
    for v in figures.split('/') {
        assert_eq!(
            v.split('.').nth(1).map(str::len),
            Some(2),
            "two decimals: {line}"
        );
    }
    values.try_into().unwrap()
}

fn bench(args: &[&str]) -> std::process::Output {
    let started = Instant::now();
    let out = command().arg("bench").args(args).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(60), "bounded");
    out
}

#[test]
fn both_modes_against_control_give_nonzero_figures_in_cbench_shape() {
    let control = Control::start(&[]);
    let target = format!("tcp:{}", control.addr);
    for mode in ["latency", "throughput"] {
        let out = bench(&[
            &target,
            "--mode",
            mode,
            "--switches",
            "2",
            "--loops",
            "3",
            "--ms",
            "200",
            "--warmup",
            "1",
        ]);
        let text = stdout(&out);
        assert!(out.status.success(), "{mode}: {}\n{text}", stderr(&out));
        let loops: Vec<&str> = text.lines().filter(|l| l.contains(": loop ")).collect();
        assert_eq!(loops.len(), 4, "{text}");
        assert!(loops[0].contains("loop 1/4 (warmup)"), "{text}");
        let [min, max, avg, stdev] = result_line(&text, 2, 3);
        assert!(
            min > 0.0 && min <= avg && avg <= max && stdev >= 0.0,
            "{mode}: {text}"
        );
        let ceiling = text
            .lines()
            .find(|l| l.starts_with("bench ceiling"))
            .unwrap_or_else(|| panic!("no ceiling: {text}"));
        let sink: f64 = ceiling
            .split(": ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{ceiling}"));
        assert!(sink > 0.0, "{ceiling}");
    }
}

#[test]
fn the_sink_in_json_has_every_loop_and_switch() {
    let out = bench(&[
        "--sink",
        "--mode",
        "throughput",
        "--switches",
        "3",
        "--loops",
        "2",
        "--ms",
        "200",
        "--warmup",
        "1",
        "--macs",
        "10",
        "-T",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let loops = report["loops"].as_array().unwrap();
    assert_eq!(loops.len(), 3);
    assert_eq!(loops[0]["warmup"], true);
    for l in loops {
        let per_switch = l["per_switch"].as_array().unwrap();
        assert_eq!(per_switch.len(), 3);
        assert!(per_switch.iter().all(|r| r.as_f64().unwrap() > 0.0), "{l}");
        assert!(l["offered_per_s"].as_f64().unwrap() > 0.0, "{l}");
    }
    let result = &report["result"];
    assert_eq!(result["tests"], 2);
    assert!(result["avg"].as_f64().unwrap() > 0.0, "{result}");
    // Benching the sink, the ceiling is the result itself.
    assert_eq!(report["sink"], report["result"]);
    assert_eq!(report["mode"], "throughput");
    assert!(report["error"].is_null());
}

#[test]
fn learned_macs_turn_floods_into_flows() {
    let control = Control::start(&[]);
    let target = format!("tcp:{}", control.addr);
    let out = bench(&[
        &target,
        "--mode",
        "latency",
        "--switches",
        "1",
        "--loops",
        "1",
        "--ms",
        "200",
        "--warmup",
        "0",
        "--learn-macs",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, lines) = control.terminate();
    let summary = lines
        .iter()
        .find(|l| l.contains("flows installed"))
        .unwrap_or_else(|| panic!("no summary in {lines:?}"));
    let flows: u64 = summary
        .split(", ")
        .find_map(|part| part.strip_suffix(" flows installed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(flows > 0, "{summary}");
}
