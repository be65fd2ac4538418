//! A test's own `ofscope control` process and raw OpenFlow 1.0 switches to talk to it
//! (`control_faults`, `control_replay`).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::header::HEADER_LEN;
use ofscope_dissectors::openflow::{Body, FeaturesReply, Hello, Message, PacketIn, NO_BUFFER};

use crate::common::ROOT;

/// How long any single expected thing may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A control process of this test, killed (by its PID) at the end if still running.
pub struct Control {
    child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Control {
    /// `ofscope control --app learning:variant=pox --listen 127.0.0.1:0 EXTRA...`, once it
    /// says where it listens.
    pub fn start(extra: &[&str]) -> Control {
        Control::with_apps(&["learning:variant=pox"], extra)
    }

    /// `ofscope control --app APP... --listen 127.0.0.1:0 EXTRA...`.
    pub fn with_apps(apps: &[&str], extra: &[&str]) -> Control {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ofscope"))
            .current_dir(ROOT)
            .arg("control")
            .args(apps.iter().flat_map(|app| ["--app", app]))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ofscope control");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = BufReader::new(child.stderr.take().unwrap());
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut control = Control {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        let line = control.wait_for_line(|l| l.contains("listening on"));
        let addr = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split([' ', ',']).next())
            .and_then(|a| a.parse().ok());
        control.addr = addr.unwrap_or_else(|| panic!("no address in: {line}"));
        control
    }

    pub fn lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// The first stderr line that `pred` accepts, waiting up to [`PATIENCE`] for it.
    pub fn wait_for_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| pred(l)) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("control exited ({status}): {:?}", self.lines());
            }
            assert!(Instant::now() < deadline, "not said: {:?}", self.lines());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The one line that says the connection from ADDR (a client's address) was dropped,
    /// once it is said.
    pub fn drop_line(&mut self, addr: SocketAddr) -> String {
        let about = |l: &str| l.contains(&addr.to_string()) && l.contains("dropped");
        let line = self.wait_for_line(about);
        let lines: Vec<String> = self.lines().into_iter().filter(|l| about(l)).collect();
        assert_eq!(lines, std::slice::from_ref(&line));
        line
    }

    /// Its resident memory, in KiB, from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// SIGTERM, then its exit status and everything it said.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(kill.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "control did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader thread has the rest once the pipe closes.
        let deadline = Instant::now() + PATIENCE;
        while !self.lines().iter().any(|l| l.contains("control: ")) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        (status, self.lines())
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("control said: {:#?}", self.lines());
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A switch of the test: OpenFlow 1.0 framing over a blocking socket, reads bounded by a
/// deadline. It answers control's ECHO_REQUEST and BARRIER_REQUEST wherever it reads.
pub struct Switch {
    pub stream: TcpStream,
    next_xid: u32,
}

impl Switch {
    pub fn connect(control: &Control) -> Switch {
        Switch::connect_to(control.addr)
    }

    pub fn connect_to(addr: SocketAddr) -> Switch {
        let stream = TcpStream::connect(addr).expect("connect to control");
        stream.set_nodelay(true).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        Switch {
            stream,
            next_xid: 0x5000,
        }
    }

    pub fn local(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    pub fn send(&mut self, body: Body) -> u32 {
        self.next_xid += 1;
        let xid = self.next_xid;
        self.send_xid(xid, body);
        xid
    }

    pub fn send_xid(&mut self, xid: u32, body: Body) {
        self.stream
            .write_all(&Message::new(xid, body).emit())
            .unwrap();
    }

    /// The next message, `Ok(None)` when control closed the connection.
    pub fn recv(&mut self, deadline: Instant) -> io::Result<Option<Message>> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let mut header = [0u8; HEADER_LEN];
        match self.stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if is_closed(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let mut bytes = header.to_vec();
        bytes.resize(len.max(HEADER_LEN), 0);
        match self.stream.read_exact(&mut bytes[HEADER_LEN..]) {
            Ok(()) => Ok(Some(Message::parse(&bytes))),
            Err(e) if is_closed(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first message `pred` accepts, answering keepalives and barriers on the way.
    pub fn expect(&mut self, what: &str, pred: impl Fn(&Message) -> bool) -> Message {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let message = match self.recv(deadline) {
                Ok(Some(message)) => message,
                Ok(None) => panic!("control closed the connection while we waited for {what}"),
                Err(e) => panic!("no {what} within {PATIENCE:?}: {e}"),
            };
            if pred(&message) {
                return message;
            }
            self.answer(&message);
        }
    }

    pub fn answer(&mut self, message: &Message) {
        let xid = message.header.xid;
        match &message.body {
            Body::EchoRequest(data) => self.send_xid(xid, Body::EchoReply(data.clone())),
            Body::BarrierRequest => self.send_xid(xid, Body::BarrierReply),
            _ => {}
        }
    }

    /// HELLO both ways, FEATURES_REQUEST answered with DPID, and the app's connect messages
    /// (learning:variant=pox: SET_CONFIG, a FLOW_MOD deleting every flow, a BARRIER).
    pub fn handshake(control: &Control, dpid: u64) -> Switch {
        Switch::handshake_at(control.addr, dpid)
    }

    pub fn handshake_at(addr: SocketAddr, dpid: u64) -> Switch {
        let mut switch = Switch::connect_to(addr);
        switch.send(Body::Hello(Hello::default()));
        let hello = switch.expect("HELLO", |m| matches!(m.body, Body::Hello(_)));
        assert_eq!(hello.header.version, 1);
        let request = switch.expect("FEATURES_REQUEST", |m| {
            matches!(m.body, Body::FeaturesRequest)
        });
        let features = FeaturesReply {
            datapath_id: dpid,
            n_buffers: 256,
            n_tables: 1,
            ..FeaturesReply::default()
        };
        switch.send_xid(request.header.xid, Body::FeaturesReply(features));
        switch.expect("SET_CONFIG", |m| matches!(m.body, Body::SetConfig(_)));
        let delete = switch.expect("FLOW_MOD", |m| matches!(m.body, Body::FlowMod(_)));
        assert!(matches!(delete.body, Body::FlowMod(f) if f.command == ofpfc::DELETE));
        let barrier = switch.expect("BARRIER_REQUEST", |m| {
            matches!(m.body, Body::BarrierRequest)
        });
        switch.answer(&barrier);
        switch
    }

    /// ECHO_REQUEST with a payload of its own; the reply has its xid and payload.
    pub fn echo(&mut self) {
        let payload = format!("ofscope-test {}", self.next_xid).into_bytes();
        let xid = self.send(Body::EchoRequest(payload.clone()));
        let reply = self.expect("ECHO_REPLY", |m| matches!(m.body, Body::EchoReply(_)));
        assert_eq!(reply.header.xid, xid);
        assert_eq!(reply.body, Body::EchoReply(payload));
    }

    /// Whether control has closed this connection, looking for up to `wait`; messages it
    /// sent before are skipped.
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            match self.recv(deadline) {
                Ok(None) => return true,
                Ok(Some(_)) => {}
                Err(_) => return false,
            }
        }
    }
}

/// Whether a read failed because the peer closed (a reset when it closed with our bytes
/// unread).
pub fn is_closed(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
    )
}

/// A PacketIn of an IPv4 frame from host `src` (behind port `src`) to host `dst`.
pub fn packet_in(src: u8, dst: u8) -> Body {
    let mut data = vec![0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x00];
    data.resize(60, 0);
    Body::PacketIn(PacketIn {
        buffer_id: NO_BUFFER,
        total_len: data.len() as u16,
        in_port: u16::from(src),
        reason: 0,
        data,
    })
}
