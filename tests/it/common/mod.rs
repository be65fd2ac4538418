//! Helpers shared by the integration tests: running the binary and reading what it printed,
//! the samples, scratch directories, hex and MACs, root, and the reference tools (tshark).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ofscope::analysis::{Analyzer, Config};
use ofscope::session::Session;
use ofscope::stream::StreamConfig;

/// The repository root: samples, docs and scripts are found from it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The ofscope binary of this build, to be run from the repository root.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ofscope"));
    command.current_dir(ROOT);
    command
}

/// Runs the ofscope binary of this build with `args`.
pub fn ofscope(args: &[&str]) -> Output {
    command().args(args).output().expect("run ofscope")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The JSON lines a successful run printed.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// The path of `samples/NAME`.
pub fn sample(name: &str) -> String {
    format!("{ROOT}/samples/{name}")
}

/// Every capture in samples/, in name order.
pub fn samples() -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("samples");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| is_capture(p))
        .collect();
    all.sort();
    all
}

/// Every sample's path, with its records as `ofscope pcap -T jsonl` prints them.
pub fn samples_with_records() -> Vec<(String, Vec<serde_json::Value>)> {
    samples()
        .into_iter()
        .map(|path| {
            let path = path.to_string_lossy().into_owned();
            let records = json_lines(&ofscope(&["pcap", &path, "-T", "jsonl"]));
            (path, records)
        })
        .collect()
}

/// Whether a JSON record is of another OpenFlow version than 1.0, whose body ofscope does
/// not decode (a HELLO is decoded in every version).
pub fn undecoded_other_version(record: &serde_json::Value) -> bool {
    record["version"] != 1 && record["type"] != "HELLO"
}

/// A `.pcap` or `.pcapng` file by its name.
pub fn is_capture(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("pcap" | "pcapng")
    )
}

/// The analysis of a whole capture, keeping every latency pair.
pub fn analyse(path: impl AsRef<Path>) -> Analyzer {
    let mut a = Analyzer::new(Config {
        keep_pairs: true,
        ..Config::default()
    });
    let session = Session::open(path.as_ref(), StreamConfig::default()).expect("open sample");
    for event in session.flatten() {
        a.feed(&event);
    }
    a.finish();
    a
}

/// A scratch directory of this test process, `ofscope-NAME-PID` in the system's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ofscope-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Bytes from hex digits; anything else (spaces, line breaks, colons) is skipped.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ASCII"), 16).expect("hex"))
        .collect()
}

/// `aa:bb:cc:dd:ee:ff`, as tshark writes a MAC.
pub fn mac(bytes: &[u8; 6]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Whether this process runs as root (real uid 0), read from /proc without a libc call.
pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        == Some("0")
}

/// Whether `tool` can be run.
pub fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// True when every tool runs. A missing tool fails the test under `CI=true` (CI installs
/// them) and skips it with a notice elsewhere.
pub fn tools_present(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !installed(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "{test}: CI=true but {} not installed",
        missing.join(", ")
    );
    eprintln!(
        "NOTICE {test}: skipped, {} not installed (install tshark and openvswitch-common)",
        missing.join(", ")
    );
    false
}

/// `tshark -T fields` on a capture, with what every comparison needs: no name resolution,
/// OpenFlow on 6633 as on 6653, out-of-order segments reassembled and every occurrence of a
/// field. `args` adds the rest (`-E aggregator=`, `-Y`, more `-d`, the `-e` fields).
pub fn tshark_fields(path: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(path)
        .args([
            "-d",
            "tcp.port==6633,openflow",
            "-d",
            "tcp.port==6653,openflow",
        ])
        .args(["-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(["-T", "fields", "-E", "occurrence=a"])
        .args(args)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        stderr(&out)
    );
    stdout(&out)
}

/// Keeps a hostile input a test made (up to 64 KiB) as a seed of fuzz target `target`, when
/// `OFSCOPE_FUZZ_REGRESSIONS` names a directory (`fuzz/make_regressions.sh` sets it; see
/// docs/fuzzing.md). Named by content, so a rerun adds nothing twice.
pub fn keep_for_fuzzing(target: &str, bytes: &[u8]) {
    use std::hash::{Hash, Hasher};
    // Larger inputs would make the corpus heavy to keep in git and slow to fuzz.
    const LARGEST: usize = 64 << 10;
    let Some(dir) = std::env::var_os("OFSCOPE_FUZZ_REGRESSIONS") else {
        return;
    };
    if bytes.len() > LARGEST {
        return;
    }
    let dir = Path::new(&dir).join(target);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    std::fs::create_dir_all(&dir).expect("create the regression directory");
    std::fs::write(dir.join(format!("{:016x}", hasher.finish())), bytes)
        .expect("write a regression input");
}
