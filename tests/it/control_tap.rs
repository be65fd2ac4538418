//! The controller's TAP device (`ofscope::control::tap`): the kernel answers an ARP request
//! written into it, a persistent TAP opens again, and without privilege `ofscope control`
//! exits 2 with one line that says the way out, while a TAP made for the user opens without
//! any. Making TAPs needs root (CI runs as root); elsewhere these tests say so and pass. The traffic stays in a network namespace the test makes; every TAP and
//! namespace is named after this process and removed at the end.

use std::net::Ipv4Addr;
use std::process::Command;
use std::time::{Duration, Instant};

use ofscope::control::tap::{Tap, TapError};
use ofscope_dissectors::frame::arp::op;
use ofscope_dissectors::frame::{ethertype, ArpRepr, EthernetRepr, Frame, Network};

use crate::common::{is_root, stderr, ROOT};

/// The account the no-privilege tests run as.
const NOBODY: &str = "65534";

fn needs_root(test: &str) -> bool {
    if !is_root() {
        eprintln!("skipping {test}: making TAP devices needs root (CI runs as root)");
    }
    is_root()
}

/// A TAP or namespace name of this test process: `ofs` + a letter per test + the PID, within
/// the kernel's 15 characters.
fn unique(letter: char) -> String {
    format!("ofs{letter}{}", std::process::id())
}

/// Runs `ip ARGS`, failing the test with its stderr if it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        stderr(&out)
    );
}

fn link_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// The interface's flags as the kernel shows them (IFF_UP is bit 0).
fn is_up(name: &str) -> bool {
    let flags = std::fs::read_to_string(format!("/sys/class/net/{name}/flags")).unwrap();
    let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap();
    flags & 1 == 1
}

/// `ip ARGS` run at drop, so that what a test made goes even when it fails; errors ignored
/// (a TAP that `Tap::open` made is gone already once its Tap is dropped).
struct Undo(Vec<&'static str>, String);

impl Drop for Undo {
    fn drop(&mut self) {
        let mut args = self.0.clone();
        args.push(&self.1);
        let _ = Command::new("ip").args(&args).output();
    }
}

/// A TUN or TAP made with `ip tuntap add dev NAME ARGS` (persistent), removed when dropped.
fn made(letter: char, args: &[&str]) -> Undo {
    let name = unique(letter);
    ip(&[&["tuntap", "add", "dev", name.as_str()][..], args].concat());
    Undo(vec!["link", "del"], name)
}

const HOST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const HOST_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const TAP_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

fn arp_request() -> Vec<u8> {
    let mut frame = Vec::new();
    EthernetRepr {
        dst: [0xff; 6],
        src: HOST_MAC,
        ethertype: ethertype::ARP,
    }
    .emit(&mut frame);
    ArpRepr {
        htype: 1,
        ptype: ethertype::IPV4,
        op: op::REQUEST,
        sha: HOST_MAC,
        spa: HOST_IP,
        tha: [0; 6],
        tpa: TAP_IP,
    }
    .emit(&mut frame);
    frame
}

/// Reads frames until the kernel's reply to [`arp_request`] comes, for at most 3 s; the
/// other frames (IPv6 neighbour and multicast chatter of a new link) are skipped.
fn read_arp_reply(tap: &mut Tap) -> Option<ArpRepr> {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline {
        match tap.read(&mut buf) {
            Ok(n) => {
                if let Network::Arp(arp) = Frame::parse(&buf[..n]).network {
                    if arp.op == op::REPLY && arp.tpa == HOST_IP && arp.tha == HOST_MAC {
                        return Some(arp);
                    }
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(err) => panic!("reading {}: {err}", tap.name()),
        }
    }
    None
}

#[test]
fn the_kernel_answers_arp_through_a_tap_open_made() {
    if !needs_root("the_kernel_answers_arp_through_a_tap_open_made") {
        return;
    }
    let (name, netns) = (unique('a'), unique('n'));
    assert!(!link_exists(&name), "{name} exists before the test");
    ip(&["netns", "add", &netns]);
    let _netns = Undo(vec!["netns", "del"], netns.clone());

    let mut tap = Tap::open(&name).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(tap.name(), name);
    assert!(is_up(&name), "open left {name} down");
    // The kernel may have sent something as the link came up (IPv6 autoconfiguration):
    // read that, and the read after it must not block.
    let mut chatter = 0;
    loop {
        match tap.read(&mut [0; 2048]) {
            Ok(_) if chatter < 100 => chatter += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            other => panic!("a read with nothing waiting must not block: {other:?}"),
        }
    }

    // The TAP's kernel side goes into the namespace, where its address routes nothing of
    // this machine's; the descriptor stays this process's.
    ip(&["link", "set", &name, "netns", &netns]);
    let tap_ip = format!("{TAP_IP}/24");
    ip(&["-n", &netns, "addr", "add", &tap_ip, "dev", &name]);
    ip(&["-n", &netns, "link", "set", &name, "up"]);

    tap.write(&arp_request()).unwrap();
    let reply = read_arp_reply(&mut tap).expect("no ARP reply within 3 s");
    assert_eq!(reply.spa, TAP_IP);
    assert_ne!(reply.sha, [0; 6]);

    // A TAP that open made lives as long as its descriptor.
    drop(tap);
    let gone = Command::new("ip")
        .args(["-n", &netns, "link", "show", &name])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "{name} outlived its Tap");
}

#[test]
fn a_persistent_tap_opens_again_and_once_at_a_time() {
    if !needs_root("a_persistent_tap_opens_again_and_once_at_a_time") {
        return;
    }
    let made = made('p', &["mode", "tap"]);
    let name = &made.1;

    let first = Tap::open(name).unwrap_or_else(|err| panic!("{err}"));
    let busy = Tap::open(name)
        .err()
        .expect("a second open while the first holds it");
    assert!(matches!(busy, TapError::Busy(_)), "{busy}");
    assert_eq!(busy.to_string().lines().count(), 1, "{busy}");
    assert!(busy.to_string().contains(name.as_str()), "{busy}");
    drop(first);

    assert!(link_exists(name), "closing a persistent TAP removed it");
    let again = Tap::open(name).unwrap_or_else(|err| panic!("{err}"));
    assert!(is_up(name));
    drop(again);
    assert!(link_exists(name));
}

#[test]
fn a_name_taken_by_another_kind_of_link_is_refused() {
    if !needs_root("a_name_taken_by_another_kind_of_link_is_refused") {
        return;
    }
    let made = made('t', &["mode", "tun"]);
    let err = Tap::open(&made.1).err().expect("a TUN is not a TAP");
    assert!(matches!(err, TapError::NotTap(_)), "{err}");
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
}

/// Where the unprivileged `ofscope control` opens the TAP from: this system's /dev/net/tun,
/// or one of mode 0666, as most systems ship it, made in a mount namespace of its own.
#[derive(Clone, Copy)]
enum Node {
    System,
    OpenToAll,
}

/// `ofscope control --app tunnel:tap=NAME,..` for a moment, without privilege as `setpriv`
/// says: None when it started (exit 0), else its one line (exit 2); None too, with a
/// notice, when setpriv or unshare cannot run here.
fn control_without_privilege(
    name: &str,
    node: Node,
    setpriv: &[&str],
) -> Option<Result<(), String>> {
    let mut command = match node {
        Node::System => Command::new("setpriv"),
        Node::OpenToAll => {
            let mut unshare = Command::new("unshare");
            unshare.args(["--mount", "--", "sh", "-c"]);
            unshare.arg("mount -t tmpfs tmpfs /dev/net && mknod -m 0666 /dev/net/tun c 10 200 && exec setpriv \"$@\"");
            unshare.arg("sh");
            unshare
        }
    };
    let tunnel = format!("tunnel:tap={name},mac={TUNNEL_MAC}");
    let out = command
        .args(setpriv)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_ofscope"))
        .args(["control", "--app", &tunnel, "--listen", "127.0.0.1:0"])
        .args(["--duration", "0.2"])
        .current_dir(ROOT)
        .output();
    let tools = ["setpriv:", "unshare:", "mount:", "mknod:", "sh:"];
    let out = match out {
        Ok(out) if !tools.iter().any(|t| stderr(&out).starts_with(t)) => out,
        other => {
            eprintln!("skipping: no unprivileged child here (setpriv, unshare): {other:?}");
            return None;
        }
    };
    assert!(matches!(out.status.code(), Some(0 | 2)), "{out:?}");
    let err = stderr(&out);
    if out.status.success() {
        assert!(err.contains("listening on"), "{err}");
        return Some(Ok(()));
    }
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(out.stdout.is_empty());
    Some(Err(err))
}

const AS_NOBODY: &[&str] = &["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"];
const ROOT_WITHOUT_CAPS: &[&str] = &["--inh-caps=-all", "--bounding-set=-all"];

fn assert_the_way_out(line: &str, name: &str) {
    assert!(line.contains("CAP_NET_ADMIN"), "{line}");
    let hint = format!("ip tuntap add dev {name} mode tap user $USER");
    assert!(line.contains(&hint), "{line}");
}

#[test]
fn without_privilege_control_exits_2_with_one_line_and_the_way_out() {
    if !needs_root("without_privilege_control_exits_2_with_one_line_and_the_way_out") {
        return;
    }
    let name = unique('u');
    // Root without capabilities passes /dev/net/tun's mode but not TUNSETIFF's check; an
    // ordinary user may not even open /dev/net/tun where it is 0600. Each needs the hint.
    for (node, setpriv) in [
        (Node::System, ROOT_WITHOUT_CAPS),
        (Node::System, AS_NOBODY),
        (Node::OpenToAll, AS_NOBODY),
    ] {
        let Some(run) = control_without_privilege(&name, node, setpriv) else {
            return;
        };
        let line = run.expect_err("control made a TAP without privilege");
        assert_the_way_out(&line, &name);
        assert!(!link_exists(&name), "{name} was made without privilege");
    }
}

/// The tunnel's MAC in these runs.
const TUNNEL_MAC: &str = "02:00:00:00:00:fd";

#[test]
fn a_tap_made_for_a_user_opens_without_privilege() {
    if !needs_root("a_tap_made_for_a_user_opens_without_privilege") {
        return;
    }
    let made = made('o', &["mode", "tap", "user", NOBODY]);
    let name = &made.1;
    let down = control_without_privilege(name, Node::OpenToAll, AS_NOBODY);
    ip(&["link", "set", name, "up"]);
    let other_mac = control_without_privilege(name, Node::OpenToAll, AS_NOBODY);
    ip(&["link", "set", name, "address", TUNNEL_MAC]);
    let up = control_without_privilege(name, Node::OpenToAll, AS_NOBODY);
    let (Some(down), Some(other_mac), Some(up)) = (down, other_mac, up) else {
        return;
    };
    // Up with the tunnel's MAC, the owner's TAP opens; down, or with another MAC, only the
    // capability could fix it, and the line says how to do it once.
    assert_eq!(up, Ok(()));
    let other_mac = other_mac.expect_err("the TAP's MAC changed without privilege");
    assert!(
        other_mac.contains(&format!("sudo ip link set {name} address {TUNNEL_MAC}")),
        "{other_mac}"
    );
    let down = down.expect_err("a down TAP came up without privilege");
    assert!(
        down.contains(&format!("sudo ip link set {name} up")),
        "{down}"
    );
    assert!(down.contains("CAP_NET_ADMIN"), "{down}");
}
