//! `ofscope bench`: runs the benchmark, prints a line per loop and cbench's RESULT line
//! (or one JSON object), and beside it what the bench sustains against its own sink.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::exit;
use crate::bench::sink::Sink;
use crate::bench::{self, Config, LoopResult, Mode, Stopped, Summary};
use crate::cli::{BenchArgs, BenchFormat, BenchMode};
use crate::switch::Target;

/// The sink's figure beside a controller's: this many loops at most, one of warmup.
const CEILING_LOOPS: u32 = 3;

/// The JSON output (`-T json`), documented in docs/bench.md.
#[derive(Serialize)]
struct Report<'a> {
    target: String,
    mode: Mode,
    switches: u16,
    macs: u32,
    ms: u64,
    warmup: u32,
    learn_macs: bool,
    loops: &'a [LoopResult],
    result: Option<Summary>,
    /// What the bench sustains against its own sink, same switches and mode.
    sink: Option<Summary>,
    error: Option<String>,
}

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let config = Config {
        switches: args.switches,
        macs: args.macs,
        loops: args.loops,
        ms: args.ms,
        warmup: args.warmup,
        mode: match args.mode {
            BenchMode::Throughput => Mode::Throughput,
            BenchMode::Latency => Mode::Latency,
        },
        learn_macs: args.learn_macs,
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let own_sink;
    let target = match &args.target {
        Some(text) => Target::parse(text).map_err(anyhow::Error::msg)?,
        None => {
            own_sink = Sink::start()?;
            Target::parse(&format!("tcp:{}", own_sink.addr())).map_err(anyhow::Error::msg)?
        }
    };
    let text = args.format == BenchFormat::Text;
    if text {
        println!(
            "ofscope bench: {target}{}, {} switches, {} MACs each, {} loops of {} ms after {} warmup, {} mode{}",
            if args.sink { " (its own sink)" } else { "" },
            config.switches,
            config.macs,
            config.loops,
            config.ms,
            config.warmup,
            mode_name(config.mode),
            if config.learn_macs { ", MACs learned first" } else { "" },
        );
    }
    let total = config.warmup + config.loops;
    let outcome = bench::run(&target, &config, |l| {
        if text {
            println!("{}", loop_line(l, total));
        }
    });
    let (loops, error) = match outcome {
        Ok(loops) => (loops, None),
        Err(Stopped { why, loops }) => (loops, Some(why)),
    };
    let result = Summary::of(config.switches, &loops);
    let sink = match (&error, args.sink) {
        (None, false) => Some(ceiling(&config)?),
        (None, true) => result,
        (Some(_), _) => None,
    };
    if text {
        if let Some(result) = &result {
            if error.is_none() {
                println!("{}", result.result_line());
            }
        }
        if let Some(sink) = &sink {
            println!(
                "bench ceiling (its own sink, same switches and mode): {:.2} responses/s avg, {:.2} PacketIns/s offered",
                sink.avg, sink.offered_per_s
            );
        }
    } else {
        let report = Report {
            target: target.to_string(),
            mode: config.mode,
            switches: config.switches,
            macs: config.macs,
            ms: config.ms,
            warmup: config.warmup,
            learn_macs: config.learn_macs,
            loops: &loops,
            result: result.filter(|_| error.is_none()),
            sink,
            error: error.clone(),
        };
        println!("{}", serde_json::to_string(&report)?);
    }
    match error {
        Some(why) => {
            let done = loops.len();
            eprintln!("ofscope: bench stopped after {done} of {total} loops: {why}",);
            Ok(ExitCode::from(exit::BAD_INPUT))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// What the bench sustains against its own sink with the same switches and mode.
fn ceiling(config: &Config) -> Result<Summary> {
    let sink = Sink::start()?;
    let target = Target::parse(&format!("tcp:{}", sink.addr())).map_err(anyhow::Error::msg)?;
    let short = Config {
        loops: config.loops.min(CEILING_LOOPS),
        warmup: config.warmup.min(1),
        ..config.clone()
    };
    let loops = bench::run(&target, &short, |_| {})
        .map_err(|stopped| anyhow::anyhow!("the bench against its own sink: {}", stopped.why))?;
    Summary::of(config.switches, &loops).ok_or_else(|| anyhow::anyhow!("the sink gave no loop"))
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Throughput => "throughput",
        Mode::Latency => "latency",
    }
}

/// cbench's per-test line, with the loop's number and the PacketIns offered.
fn loop_line(l: &LoopResult, total: u32) -> String {
    let per_switch: Vec<String> = l.per_switch.iter().map(|r| format!("{r:.0}")).collect();
    format!(
        "{} switches: loop {}/{total}{}: responses/s: {}  total = {:.2} responses/s ({:.2} PacketIns/s offered)",
        l.per_switch.len(),
        l.number,
        if l.warmup { " (warmup)" } else { "" },
        per_switch.join(" "),
        l.responses_per_s,
        l.offered_per_s
    )
}
