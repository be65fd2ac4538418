//! Every command-line flag, in one place. Flags follow tshark and tcpdump where they overlap.
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use ofscope_dissectors::printable::Echo;

use crate::analysis::{parse_duration, TimeSpec};

/// A Wireshark-style analyser and replayer for OpenFlow 1.0.
#[derive(Debug, Parser)]
#[command(
    name = "ofscope",
    version,
    about,
    after_help = "Examples:\n  ofscope pcap session.pcap\n  ofscope pcap session.pcap -Y 'of.type == PACKET_IN && arp' -V\n  ofscope live -i eth0 -w session.pcap\n  ofscope decode 01000008000000ab"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode the OpenFlow messages of capture files (pcap, pcapng, .gz).
    Pcap(PcapArgs),
    /// Capture OpenFlow messages live from a network interface.
    Live(LiveArgs),
    /// Decode one OpenFlow message given as hex, as `ovs-ofctl ofp-print` does.
    Decode(DecodeArgs),
    /// Act as the controller on a recorded session and check its decisions.
    Replay(ReplayArgs),
    /// Be the controller: the replay apps drive real switches, live, recorded with -w.
    Control(ControlArgs),
    /// Benchmark a controller as cbench does: emulated switches send PacketIns and count
    /// the responses.
    Bench(BenchArgs),
    /// List every field the display filter knows, as `tshark -G fields` does.
    Fields(FieldsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per subcommand into a directory.
    Man(ManArgs),
}

/// `--mode` of `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchMode {
    /// Each switch keeps the controller's input full.
    Throughput,
    /// One PacketIn in flight per switch.
    Latency,
}

/// `-T` of `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A line per loop and cbench's RESULT line.
    Text,
    /// One JSON object at the end.
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    ofscope man | man -l -\n  \
    ofscope man --dir /usr/local/share/man/man1    # ofscope.1, ofscope-pcap.1, ...")]
pub struct ManArgs {
    /// Write ofscope.1 and one page per subcommand (ofscope-pcap.1, ...) into this directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = "Install (bash):\n  \
    ofscope completions bash > /etc/bash_completion.d/ofscope\n  \
    source <(ofscope completions bash)         # this shell only")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    ofscope bench tcp:127.0.0.1:6653 --mode throughput --switches 16 --loops 10 --warmup 1\n  \
    ofscope bench tcp:[::1]:6633 --mode latency --learn-macs -T json\n  \
    ofscope bench --sink --mode throughput")]
pub struct BenchArgs {
    /// The controller: tcp:HOST:PORT.
    #[arg(
        value_name = "tcp:HOST:PORT",
        required_unless_present = "sink",
        conflicts_with = "sink"
    )]
    pub target: Option<String>,
    /// Bench the bench's own sink controller (it answers every PacketIn with a
    /// precomputed PACKET_OUT): the most the bench can measure.
    #[arg(long)]
    pub sink: bool,
    /// Emulated switches.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub switches: u16,
    /// Source hosts (MAC addresses) per switch.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::bench::probe::MAX_MACS)))]
    pub macs: u32,
    /// Loops counted in the result.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub loops: u32,
    /// Length of a loop in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub ms: u64,
    /// Loops run first and not counted.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub warmup: u32,
    #[arg(long, value_enum, default_value_t = BenchMode::Latency)]
    pub mode: BenchMode,
    /// Announce each switch's destination host first (a gratuitous ARP), as cbench's -L.
    #[arg(long = "learn-macs")]
    pub learn_macs: bool,
    /// Seconds allowed to connect, to finish the handshake, and without any answer.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_bounded_seconds)]
    pub timeout: f64,
    /// Output format.
    #[arg(short = 'T', long = "format", value_enum, default_value_t = BenchFormat::Text)]
    pub format: BenchFormat,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Each line: key, label, type, JSON type, description, tab-separated.\n\
    Examples:\n  \
    ofscope fields | grep '^of.packet_in'\n  \
    ofscope fields --markdown > docs/fields.md"
)]
pub struct FieldsArgs {
    /// Write the Markdown field reference (docs/fields.md) instead.
    #[arg(long)]
    pub markdown: bool,
}

/// Output formats (`-T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per message (the default), or a detail tree with -V.
    Text,
    /// One JSON object per line (same as jsonl).
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// Output formats of the commands that print messages (`pcap`, `live`, `-T`): the report
/// formats, and tshark's `-T fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// One line per message (the default), or a detail tree with -V.
    Text,
    /// One JSON array of the messages' objects, as tshark's -T json.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// The fields given with -e, one line per message, as tshark's -T fields.
    Fields,
}

impl MessageFormat {
    /// The format of the reports (`--stats`, ...); `None` for -T fields, which has no
    /// report layout.
    pub fn report(self) -> Option<Format> {
        match self {
            MessageFormat::Text => Some(Format::Text),
            MessageFormat::Json => Some(Format::Json),
            MessageFormat::Jsonl => Some(Format::Jsonl),
            MessageFormat::Fields => None,
        }
    }
}

/// How the time column shows a message's time (`-t`), as tshark's `-t`. Absolute times are
/// UTC, whatever TZ says (tshark's `a` is local time, its `u` is UTC): `--at` takes a UTC time
/// of day, so a time read off the list can be given to it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeFormat {
    /// Absolute UTC time of day, 12:03:04.250000 (also accepted as tshark's u).
    #[value(name = "a", alias = "u")]
    Absolute,
    /// Absolute UTC date and time of day, 2026-11-21 12:03:04.250000 (also ud).
    #[value(name = "ad", alias = "ud")]
    AbsoluteDate,
    /// Seconds since the first frame of the capture, whatever its protocol (the default).
    #[value(name = "r")]
    Relative,
    /// Seconds since the previous message shown (also dd).
    #[value(name = "d", alias = "dd")]
    Delta,
    /// Seconds since the Unix epoch.
    #[value(name = "e")]
    Epoch,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    ofscope decode 01000008000000ab\n  \
    ofscope decode '01 0a 00 3c 00 00 00 00 ff ff ff ff 00 2a 00 03 00 00 ...'\n  \
    ofscope decode --raw message.bin -T json")]
pub struct DecodeArgs {
    /// The message as hex digits; whitespace, colons and a 0x prefix are allowed.
    #[arg(value_name = "HEX", required_unless_present = "raw")]
    pub hex: Vec<String>,
    /// Read the message bytes from a binary file instead.
    #[arg(long, value_name = "FILE", conflicts_with = "hex")]
    pub raw: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'T', long = "format", value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    ofscope pcap session.pcap\n  \
    ofscope pcap session.pcap -V -c 10\n  \
    ofscope pcap session.pcap -T jsonl | jq .type\n  \
    ofscope pcap session.pcap -Y 'of.type == PACKET_IN && arp && vlan.id == 10'\n  \
    ofscope pcap session.pcap --stats\n  \
    ofscope pcap session.pcap --flows --at 12.5\n  \
    ofscope pcap session.pcap --latency -T json | jq '.switches[].packet_in.p99_ns'\n  \
    ofscope pcap session.pcap --port 6000 -Y 'of.type == FLOW_MOD' -w flow_mods.pcap")]
pub struct PcapArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Capture files (pcap or pcapng, optionally gzipped).
    #[arg(value_name = "FILE", required_unless_present = "read")]
    pub files: Vec<PathBuf>,
    /// Capture file to read (as tshark -r); may be repeated.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: Vec<PathBuf>,
    /// Write the frames that carry the selected messages to a pcap file; with several input
    /// files, in time order as mergecap merges them.
    #[arg(short = 'w', long = "write", value_name = "OUT")]
    pub write: Option<PathBuf>,
    /// Print a summary: sessions, switches, counts per type and direction, stream health,
    /// then the analysis (switches, controller latency, conversations, findings). Like
    /// --flows, --latency and --findings, it covers every message of the capture: -Y only
    /// selects the messages listed, counted by -c and written by -w.
    #[arg(long)]
    pub stats: bool,
    /// Print each switch's flow table as the controller built it, in ovs-ofctl dump-flows
    /// syntax (as the capture ends, or at --at).
    #[arg(long)]
    pub flows: bool,
    /// With --flows: the instant to show: seconds from the first frame of the capture (12.5,
    /// as -t r shows times), a UTC time of day (12:03:04.250, as -t a) or @epoch-seconds.
    #[arg(long, value_name = "TIME", requires = "flows")]
    pub at: Option<TimeSpec>,
    /// Print controller latency and jitter per switch and per host pair, with a histogram.
    #[arg(long)]
    pub latency: bool,
    /// Print the findings: unanswered PacketIns, truncation, FLOOD, MAC flapping, errors, ...
    #[arg(long)]
    pub findings: bool,
    /// Write the capture as Parquet tables into DIR: messages, latency, findings and
    /// flow_events, one file per table and capture file (DIR/TABLE/CAPTURE.parquet); see
    /// docs/parquet.md. -Y selects the messages written; the other tables cover them all.
    #[arg(long, value_name = "DIR")]
    pub parquet: Option<PathBuf>,
    /// Read the files with N threads (the reports, --parquet and -q -w only): the output is the same as
    /// with one, each file's reports in the order the files are given.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value = "1")]
    pub jobs: std::num::NonZeroUsize,
    /// How long a PacketIn may wait for its answer: 1s, 250ms, 0.5 (seconds).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub pair_window: u64,
}

impl PcapArgs {
    /// Every input file, positional first, then `-r`.
    pub fn inputs(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.iter().chain(self.read.iter())
    }

    /// True when a report (`--stats`, `--flows`, `--latency`, `--findings`) is asked for:
    /// the messages are analysed, and the report is printed instead of them.
    pub fn reports(&self) -> bool {
        self.stats || self.flows || self.latency || self.findings
    }

    /// True when the messages are analysed: for a report, or for --parquet's tables.
    pub fn analyses(&self) -> bool {
        self.reports() || self.parquet.is_some()
    }

    /// True when each selected message is printed.
    pub fn prints_messages(&self) -> bool {
        !(self.view.quiet || self.analyses())
    }
}

/// The end of `replay --help`, after the app list that [`Cli::from_env`] puts before it.
const REPLAY_EXAMPLES: &str = "Examples:\n  \
    ofscope replay session.pcap --app learning:variant=pox\n  \
    ofscope replay session.pcap --app arp:ip=10.0.0.254,mac=02:00:00:00:00:fe --app learning:variant=simple,idle=5 -T jsonl\n  \
    ofscope replay session.pcap --app learning:variant=simple,idle=5 --against-recording\n  \
    ofscope replay session.pcap --app learning:variant=pyswitch-all --closed-loop\n  \
    ofscope replay session.pcap --app learning --update session.golden.json\n  \
    ofscope replay --assert session.golden.json\n  \
    ofscope replay session.pcap --into tcp:127.0.0.1:6633 --against-recording\n  \
    ofscope replay session.pcap --into tcp:127.0.0.1:6633 --lockstep --speed 10 --update ctl.golden.json";

impl Cli {
    /// The command line, parsed; on a bad one, clap's message and exit. `replay --help`
    /// lists the registered apps with their options.
    pub fn from_env() -> Cli {
        let matches = Cli::full_command()
            .try_get_matches()
            .unwrap_or_else(|err| exit_on(err));
        Cli::from_arg_matches(&matches).unwrap_or_else(|err| exit_on(err))
    }

    /// The whole command definition, with what is only known at run time (the registered
    /// apps in `replay --help`): what `--help`, the man page and the completions show.
    pub fn full_command() -> clap::Command {
        let apps = format!(
            "Apps (chained in the order given; the first that consumes a PacketIn ends it):\n{}\n{REPLAY_EXAMPLES}",
            crate::replay::spec::help()
        );
        Cli::command().mut_subcommand("replay", |replay| replay.after_help(apps))
    }
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The capture to replay (optional with --assert/--update of an existing golden, which
    /// names it).
    #[arg(value_name = "CAPTURE")]
    pub capture: Option<PathBuf>,
    /// A controller app with its options, e.g. learning:variant=pox; repeatable, chained in
    /// order.
    #[arg(long = "app", value_name = "APP[:KEY=VALUE,...]")]
    pub apps: Vec<String>,
    /// Replay into a running controller instead of apps: ofscope connects as each recorded
    /// switch and reports what the controller decides.
    #[arg(long, value_name = "tcp:HOST:PORT", conflicts_with = "apps")]
    pub into: Option<String>,
    /// With --into: the pace, as a multiple of the recorded one (2: twice as fast; inf: no
    /// pause) [default: 1].
    #[arg(long, value_name = "X", value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// With --into: each PacketIn waits until the controller has answered the one before
    /// (or a second has passed).
    #[arg(long)]
    pub lockstep: bool,
    /// With --into: the longest the controller may keep us waiting (to connect, to
    /// handshake, to answer an ECHO_REQUEST) before the run stops with exit 2 [default: 10].
    #[arg(long, value_name = "SECS", value_parser = parse_capture_seconds)]
    pub timeout: Option<f64>,
    /// Output format of the decisions.
    #[arg(short = 'T', long = "format", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the decisions to this golden file (capture and apps are named in it).
    #[arg(long, value_name = "GOLDEN", conflicts_with = "assert")]
    pub update: Option<PathBuf>,
    /// Check the decisions against this golden file; exit 1 on any difference.
    #[arg(long = "assert", value_name = "GOLDEN")]
    pub assert: Option<PathBuf>,
    /// Compare with the controller messages recorded in the capture and print the agreement.
    #[arg(long, conflicts_with_all = ["closed_loop", "update", "assert"])]
    pub against_recording: bool,
    /// Model the switch: only frames that miss the apps' own flows reach the apps.
    #[arg(long)]
    pub closed_loop: bool,
    /// Also treat this TCP port as OpenFlow (6633 and 6653 always are); repeatable.
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// Print only the summary (and the report of --assert / --against-recording).
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Capturing needs CAP_NET_RAW: run ofscope with sudo, or grant it once with\n  \
    sudo setcap cap_net_raw,cap_net_admin=eip $(which ofscope)\n\n\
    Examples:\n  \
    ofscope live -i eth0                       (on a terminal: the viewer, following)\n  \
    ofscope live -i lo -T jsonl -w session.pcap\n  \
    ofscope live -i eth0 --port 6000 -Y 'of.type == PACKET_IN' --duration 60\n  \
    ofscope live -i any -f 'tcp port 6653 and host 10.0.0.5' -c 100\n  \
    ofscope live --list"
)]
pub struct LiveArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Interface to capture on (see --list); the first one libpcap finds when omitted.
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// List the capture devices and exit.
    #[arg(short = 'D', long = "list")]
    pub list: bool,
    /// Capture filter (BPF, as tcpdump); default 'tcp port 6633 or tcp port 6653' plus --port.
    #[arg(short = 'f', long = "capture-filter", value_name = "BPF")]
    pub capture_filter: Option<String>,
    /// Also save every captured frame to this pcap file.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long = "duration", value_name = "SECS", value_parser = parse_capture_seconds)]
    pub duration: Option<f64>,
    /// Put the interface in promiscuous mode.
    #[arg(long)]
    pub promisc: bool,
    /// Bytes kept of each frame (0: all, as tcpdump).
    #[arg(
        short = 's',
        long = "snaplen",
        value_name = "BYTES",
        default_value_t = 262_144,
        // libpcap's largest snapshot.
        value_parser = clap::value_parser!(u32).range(0..=262_144)
    )]
    pub snaplen: u32,
    /// Kernel capture buffer in MiB (a bigger one absorbs longer bursts).
    #[arg(
        short = 'B',
        long = "buffer-size",
        value_name = "MIB",
        default_value_t = 64,
        // libpcap takes the size in bytes as an i32.
        value_parser = clap::value_parser!(u32).range(1..=2047)
    )]
    pub buffer_mib: u32,
    /// Memory in MiB for captured frames waiting to be decoded, when decoding or the
    /// display falls behind; beyond it frames are only saved (-w) and counted as dropped
    /// by the queue.
    #[arg(
        long = "queue-size",
        value_name = "MIB",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(0..=65_536)
    )]
    pub queue_mib: u32,
    /// Hand each frame over as it arrives, even when the output is not a terminal (it
    /// always is on one). Costs drops under heavy load: see docs/capture.md.
    #[arg(long = "immediate-mode")]
    pub immediate_mode: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Point a switch at it: ovs-vsctl set-controller br0 tcp:127.0.0.1:6633\n\n\
    Examples:\n  \
    ofscope control --app learning:variant=pox\n  \
    ofscope control --app arp:ip=10.0.0.254,mac=02:00:00:00:00:fe --app ping:ip=10.0.0.254,mac=02:00:00:00:00:fe\n  \
    ofscope control --app tunnel:tap=ofs-tap0,mac=02:00:00:00:00:fd -w session.pcap\n  \
    ofscope replay session.pcap --app learning:variant=pox --against-recording"
)]
pub struct ControlArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// A controller app with its options, as replay takes them; repeatable, chained in order.
    #[arg(long = "app", value_name = "APP[:KEY=VALUE,...]", required = true)]
    pub apps: Vec<String>,
    /// Listen on this port, or address and port (repeatable); default 6633 and 6653 on
    /// every address.
    #[arg(long = "listen", value_name = "[ADDR:]PORT")]
    pub listen: Vec<String>,
    /// Save every OpenFlow message both ways to this pcap file (TAP frames go beside it,
    /// in NAME.tap.pcap).
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long = "duration", value_name = "SECS", value_parser = parse_capture_seconds)]
    pub duration: Option<f64>,
    /// Send a switch quiet this long an ECHO_REQUEST; one silent three times as long is
    /// dropped.
    #[arg(long = "echo-interval", value_name = "SECS", default_value_t = 5.0, value_parser = parse_bounded_seconds)]
    pub echo_interval: f64,
}

/// The longest echo interval or bench timeout: an hour.
const MAX_ECHO_SECONDS: f64 = 3_600.0;

/// `--echo-interval SECS`, `--timeout SECS`: at least a millisecond, at most
/// [`MAX_ECHO_SECONDS`].
fn parse_bounded_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if (0.001..=MAX_ECHO_SECONDS).contains(&secs) => Ok(secs),
        _ => Err(format!(
            "not a number of seconds from 0.001 to {MAX_ECHO_SECONDS}"
        )),
    }
}

/// How decoded messages are selected and shown: the same for `pcap` and `live`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Output format.
    #[arg(short = 'T', long = "format", value_enum, default_value_t = MessageFormat::Text)]
    pub format: MessageFormat,
    /// A field to print with -T fields (a key of `ofscope fields`); repeatable, in order.
    #[arg(short = 'e', long = "field", value_name = "FIELD")]
    pub fields: Vec<String>,
    /// A -T fields layout option, as tshark's -E: header=y|n, separator=/t|/s|CHAR,
    /// aggregator=,|/s|CHAR, quote=d|s|n, occurrence=f|l|a; repeatable.
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    pub field_options: Vec<String>,
    /// Print the full detail tree of each message.
    #[arg(short = 'V', long = "verbose")]
    pub verbose: bool,
    /// Print each message's bytes as hex and ASCII after it (text output), as tshark's -x.
    #[arg(short = 'x', long = "hex")]
    pub hex: bool,
    /// Display filter, e.g. 'of.type == PACKET_IN && arp && vlan.id == 10': it selects the
    /// messages listed; the analysis and the viewer's tabs still cover every message.
    #[arg(short = 'Y', long = "display-filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Stop after N messages have been shown (N at least 1).
    #[arg(short = 'c', long = "count", value_name = "N", value_parser = parse_count)]
    pub count: Option<u64>,
    /// Time format: a, ad, r (the default), d or e, as tshark's -t.
    #[arg(short = 't', long = "time-format", value_name = "FORMAT", value_enum, default_value_t = TimeFormat::Relative)]
    pub time: TimeFormat,
    /// Also treat this TCP port as OpenFlow (6633 and 6653 always are); repeatable.
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// Also take UDP port N as VXLAN on the way to the channel (4789 always is); repeatable.
    #[arg(long = "vxlan-port", value_name = "N")]
    pub vxlan_ports: Vec<u16>,
    /// Quiet: print no per-message lines (useful with -w or --stats).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Print text even on a terminal, instead of opening the viewer.
    #[arg(long)]
    pub print: bool,
}

/// `-c N`: a count of 0 is refused, as tshark and tcpdump refuse it (it would otherwise have
/// to mean either "nothing" or "no limit").
fn parse_count(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("the count must be at least 1; leave -c out to show every message".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("not a number of messages from 1 to {}", u64::MAX)),
    }
}

/// The longest `live --duration`: a year.
const MAX_CAPTURE_SECONDS: f64 = 31_536_000.0;

/// `--duration SECS`: more than 0, at most [`MAX_CAPTURE_SECONDS`].
/// A pace factor: any positive number (`inf`: as fast as the controller takes them).
fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed > 0.0 => Ok(speed),
        _ => Err("not a number more than 0 (1: the recorded pace, inf: no pause)".into()),
    }
}

fn parse_capture_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= MAX_CAPTURE_SECONDS => Ok(secs),
        _ => Err(format!(
            "not a number of seconds more than 0 and at most {MAX_CAPTURE_SECONDS}"
        )),
    }
}

/// clap's message for a bad value or an unknown argument echoes it raw (a newline splits
/// it, an escape sequence reaches the terminal) over several lines: it becomes one line,
/// the argument echoed as every message echoes one. Help, version and clap's other
/// messages are clap's.
fn exit_on(err: clap::Error) -> ! {
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => text.as_str(),
        _ => "",
    };
    let message = match err.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let why = match (
                std::error::Error::source(&err),
                err.get(ContextKind::ValidValue),
            ) {
                (Some(source), _) => source.to_string(),
                (None, Some(ContextValue::Strings(valid))) => {
                    format!("valid values: {}", valid.join(", "))
                }
                _ => "see --help".to_owned(),
            };
            format!(
                "invalid value '{}' for {}: {why}",
                Echo::text(context(ContextKind::InvalidValue)),
                context(ContextKind::InvalidArg)
            )
        }
        ErrorKind::UnknownArgument => format!(
            "unexpected argument '{}'; see --help",
            Echo::text(context(ContextKind::InvalidArg))
        ),
        ErrorKind::InvalidSubcommand => format!(
            "unknown command '{}'; see --help",
            Echo::text(context(ContextKind::InvalidSubcommand))
        ),
        ErrorKind::MissingRequiredArgument => match err.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(missing)) => {
                format!("missing {}; see --help", missing.join(", "))
            }
            _ => "a required argument is missing; see --help".to_owned(),
        },
        _ => err.exit(),
    };
    eprintln!("ofscope: {message}");
    std::process::exit(i32::from(crate::commands::exit::BAD_INPUT))
}
