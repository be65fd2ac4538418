//! Any bytes from a switch, on a real connection to `ofscope control`: the framing, the
//! handshake and version check, the apps (every app of the registry, chained), the
//! recording of each message as frames, and the session that decodes those frames for the
//! views. Nothing may panic (fuzz builds abort on a panic, the server's thread included),
//! and the server must close every connection whose peer has finished (no hang).
//!
//! One server serves every input; each input is one connection that sends the bytes, ends
//! its side and reads until the server closes. Seeds: what the switches of the sample
//! captures sent (`fuzz/seed_corpus.py`).
#![no_main]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ofscope::capture::live::{LiveSource, Stopper};
use ofscope::capture::LinkType;
use ofscope::control::{Config, Listeners, Report, Server};
use ofscope::replay::AppSpec;
use ofscope::session::Session;
use ofscope::stream::StreamConfig;

const APPS: &[&str] = &[
    "arp:ip=10.0.0.254,mac=02:00:00:00:00:fe",
    "ping:ip=10.0.0.254,mac=02:00:00:00:00:fe",
    "tunnel:mac=02:00:00:00:00:fd",
    "learning:variant=pox",
];

/// The server's address, started once.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let listeners = Listeners::bind(&["127.0.0.1:0".parse().unwrap()]).unwrap();
        let addr = listeners.local_addrs()[0];
        let (unstarted, frames) =
            LiveSource::start("fuzz", LinkType::ETHERNET, None, 65_635, 64 << 20, Stopper::new(|| {}))
                .unwrap();
        let source = unstarted
            .spawn("control", move || {
                let apps: Vec<AppSpec> = APPS.iter().map(|a| a.parse().unwrap()).collect();
                let config = Config {
                    apps: APPS.iter().map(|a| a.to_string()).collect(),
                    echo_interval: Duration::from_secs(60),
                    log: Box::new(|_| {}),
                    tap: None,
                };
                let report = Arc::new(Mutex::new(Report::default()));
                Server::new(listeners, config, &apps, frames, report)
                    .unwrap()
                    .run(|| false)
            })
            .unwrap();
        // The recording decoded as the views decode it.
        std::thread::spawn(move || {
            let mut session = Session::new(source, StreamConfig::with_ports(&[addr.port()]));
            while session.next_event().is_some() {}
        });
        addr
    })
}

fuzz_target!(|bytes: &[u8]| {
    let mut switch = TcpStream::connect(server()).unwrap();
    switch
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may close first (garbage): what it did not read is its business.
    let _ = switch.write_all(bytes);
    let _ = switch.shutdown(Shutdown::Write);
    let mut sink = [0u8; 65_536];
    loop {
        match switch.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server did not close a finished connection: {e}"),
        }
    }
});
