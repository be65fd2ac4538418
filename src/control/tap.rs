//! The controller's TAP device (`tunnel:tap=NAME`): Ethernet frames between the Linux stack
//! and the tunnel app, one frame per read or write, non-blocking for the event loop.
//!
//! tun-rs does the `/dev/net/tun` ioctls (the workspace denies unsafe code). A TAP that
//! `open` creates lives as long as the process; one made beforehand with `ip tuntap add`
//! (persistent) keeps its addresses across runs, and when it belongs to the user, opening
//! it needs no privilege.

use std::io;
use std::os::fd::{AsRawFd, RawFd};

use libc::{EACCES, EBUSY, EINVAL, ENODEV, ENOENT, EPERM};
use ofscope_dissectors::printable::Echo;
use tun_rs::{DeviceBuilder, Layer, SyncDevice};

/// The longest interface name the kernel takes (IFNAMSIZ less its NUL).
const NAME_MAX: usize = 15;

pub struct Tap {
    device: SyncDevice,
    name: String,
}

/// Why the TAP could not be opened, each a single line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    #[error("TAP name '{n}' is not an interface name: 1 to {NAME_MAX} printable ASCII characters without '/', ':', '%' or spaces, e.g. ofs-tap0", n = Echo::text(.0))]
    BadName(String),
    #[error("TAP {n}: {what}; run ofscope as root, or create the TAP once for your user, who can then open it without privilege: sudo ip tuntap add dev {n} mode tap user $USER && sudo ip link set {n} up", n = Echo::text(.name), what = .denied.what())]
    NoPrivilege { name: String, denied: Denied },
    #[error("TAP {n} is down and only CAP_NET_ADMIN can bring it up: sudo ip link set {n} up", n = Echo::text(.0))]
    Down(String),
    #[error("TAP {n} is open in another process: stop that one or choose another name", n = Echo::text(.0))]
    Busy(String),
    #[error("{n} exists and is not a single-queue TAP (a TUN or another kind of interface): choose another name (ip link show {n})", n = Echo::text(.0))]
    NotTap(String),
    #[error("TAP {n}: there is no /dev/net/tun: load the tun module (sudo modprobe tun)", n = Echo::text(.0))]
    NoTunDevice(String),
    #[error("TAP {n}: {step}: {source} (ip link show {n})", n = Echo::text(.name))]
    Io {
        name: String,
        step: Step,
        source: io::Error,
    },
}

/// Which refusal [`TapError::NoPrivilege`] met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// TUNSETIFF said EPERM: creating a TAP, or opening one of another user, takes CAP_NET_ADMIN.
    Capability,
    /// Opening /dev/net/tun said EACCES: the node itself is closed to this user.
    Node,
}

impl Denied {
    fn what(self) -> &'static str {
        match self {
            Denied::Capability => "creating it, or opening one of another user, needs CAP_NET_ADMIN",
            Denied::Node => "/dev/net/tun is closed to this user (most systems ship it mode 0666) and CAP_NET_ADMIN is missing",
        }
    }
}

/// The step of [`Tap::open`] that failed, for [`TapError::Io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Step {
    #[error("opening /dev/net/tun")]
    Open,
    #[error("reading its flags")]
    Flags,
    #[error("bringing it up")]
    Up,
    #[error("making it non-blocking")]
    NonBlocking,
}

impl Tap {
    /// Opens the TAP device NAME, creating it if absent (IFF_TAP | IFF_NO_PI), non-blocking,
    /// and brings it up. A TAP already up is left as it is, so that its owner needs no
    /// privilege.
    pub fn open(name: &str) -> Result<Tap, TapError> {
        if !is_interface_name(name) {
            return Err(TapError::BadName(name.to_owned()));
        }
        let fail = |step: Step| move |err: io::Error| classify(name, step, err);
        let device = DeviceBuilder::new()
            .name(name)
            .layer(Layer::L2)
            .packet_information(false)
            .inherit_enable_state()
            .build_sync()
            .map_err(fail(Step::Open))?;
        if !device.is_running().map_err(fail(Step::Flags))? {
            device.enabled(true).map_err(fail(Step::Up))?;
        }
        device
            .set_nonblocking(true)
            .map_err(fail(Step::NonBlocking))?;
        Ok(Tap {
            device,
            name: name.to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// One frame, or Err(WouldBlock) when none is waiting. A frame longer than `buf` is cut
    /// to it: give room for the TAP's MTU, its Ethernet header and VLAN tags.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.device.recv(buf)
    }

    /// Writes one frame, whole: the kernel takes a TAP write entirely or not at all.
    pub fn write(&mut self, frame: &[u8]) -> io::Result<()> {
        let written = self.device.send(frame)?;
        if written == frame.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!(
                    "TAP {}: {written} of {} bytes written",
                    Echo::text(&self.name),
                    frame.len()
                ),
            ))
        }
    }
}

impl AsRawFd for Tap {
    fn as_raw_fd(&self) -> RawFd {
        self.device.as_raw_fd()
    }
}

/// What the kernel accepts as a new interface name (`dev_valid_name`), less `%` (a name
/// template: the kernel would pick the number) and anything not printable ASCII, which no
/// message could show as typed.
fn is_interface_name(name: &str) -> bool {
    (1..=NAME_MAX).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b':' | b'%'))
}

/// The error a failed step means, by its errno (TUNSETIFF's in drivers/net/tun.c).
fn classify(name: &str, step: Step, err: io::Error) -> TapError {
    let name = name.to_owned();
    match (step, err.raw_os_error()) {
        (Step::Open, Some(EACCES)) => TapError::NoPrivilege {
            name,
            denied: Denied::Node,
        },
        (Step::Open, Some(EPERM)) => TapError::NoPrivilege {
            name,
            denied: Denied::Capability,
        },
        (Step::Up, Some(EPERM | EACCES)) => TapError::Down(name),
        (Step::Open, Some(EBUSY)) => TapError::Busy(name),
        (Step::Open, Some(EINVAL)) => TapError::NotTap(name),
        (Step::Open, Some(ENOENT | ENODEV)) => TapError::NoTunDevice(name),
        _ => TapError::Io {
            name,
            step,
            source: err,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_kernel_would_refuse_are_refused_first() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a:b",
            "tap%d",
            "a b",
            "sixteen-chars-xx",
            "tap\u{e9}",
        ] {
            let err = Tap::open(bad).err().expect(bad);
            assert!(matches!(err, TapError::BadName(_)), "{bad}: {err}");
            assert_eq!(err.to_string().lines().count(), 1, "{err}");
        }
        assert!(is_interface_name("ofs-tap0"));
        assert!(is_interface_name("fifteen-chars-x"));
    }

    #[test]
    fn errors_are_one_line_naming_the_device() {
        let name = "ofs-tap0";
        for (step, errno) in [
            (Step::Open, EPERM),
            (Step::Open, EACCES),
            (Step::Up, EPERM),
            (Step::Open, EBUSY),
            (Step::Open, EINVAL),
            (Step::Open, ENOENT),
            (Step::NonBlocking, EINVAL),
        ] {
            let text = classify(name, step, io::Error::from_raw_os_error(errno)).to_string();
            assert_eq!(text.lines().count(), 1, "{text}");
            assert!(text.contains(name), "{text}");
        }
        let denied = classify(name, Step::Open, io::Error::from_raw_os_error(EPERM)).to_string();
        assert!(denied.contains("CAP_NET_ADMIN"), "{denied}");
        assert!(
            denied.contains("ip tuntap add dev ofs-tap0 mode tap user $USER"),
            "{denied}"
        );
    }
}
