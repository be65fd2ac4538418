//! The bench's own controller, to measure what the bench sustains: it answers every
//! PacketIn with one PACKET_OUT made once and patched (the PacketIn's xid, buffer id and
//! in_port), and does nothing else but the handshake and echo. It runs on its own thread
//! on a loopback port, with the connection layer of `ofscope control` (`control::conn`).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::types::ofpt;
use ofscope_dissectors::openflow::{Action, Body, Hello, Message, PacketOut};

use super::probe::{
    PACKET_IN_BUFFER_AT, PACKET_IN_PORT_AT, PACKET_OUT_BUFFER_AT, PACKET_OUT_PORT_AT, XID_AT,
};
use crate::control::conn::{Conn, State};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const FIRST_CONN: usize = 2;

/// A running sink; dropped, it stops.
pub struct Sink {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Listens on a free loopback port and serves until dropped.
    pub fn start() -> io::Result<Sink> {
        let poll = Poll::new()?;
        let mut listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("ofscope-sink".into())
            .spawn(move || serve(poll, listener, &stopped))?;
        Ok(Sink {
            addr,
            stop,
            waker,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.waker.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut poll: Poll, listener: TcpListener, stop: &AtomicBool) {
    let reply = Message::new(
        0,
        Body::PacketOut(PacketOut {
            buffer_id: 0,
            in_port: 0,
            actions: vec![Action::output(ofpp::FLOOD)],
            data: Vec::new(),
        }),
    )
    .emit();
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut events = Events::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        if poll
            .poll(&mut events, Some(Duration::from_millis(100)))
            .is_err()
        {
            continue;
        }
        for event in &events {
            match event.token() {
                WAKER => {}
                LISTENER => {
                    while let Ok((mut stream, peer)) = listener.accept() {
                        let token = Token(FIRST_CONN + conns.len());
                        if poll
                            .registry()
                            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                            .is_err()
                        {
                            continue;
                        }
                        let _ = stream.set_nodelay(true);
                        let local = stream.local_addr().unwrap_or(peer);
                        let mut conn = Conn::new(conns.len() as u32, stream, peer, local);
                        conn.queue(&Message::new(0, Body::Hello(Hello::default())).emit());
                        conns.push(Some(conn));
                    }
                }
                Token(i) => {
                    let slot = &mut conns[i - FIRST_CONN];
                    if let Some(conn) = slot {
                        if answer(conn, &reply).is_err() {
                            *slot = None;
                        }
                    }
                }
            }
        }
    }
}

/// Reads what waits and answers it; `Err` when the connection is over.
fn answer(conn: &mut Conn, reply: &[u8]) -> Result<(), ()> {
    loop {
        let read = conn.read_chunk().map_err(drop)?;
        let mut inbox = conn.take_inbox();
        while let Ok(Some(message)) = conn.next_message(&mut inbox) {
            match (conn.state, message[1]) {
                (State::Hello, _) => {
                    conn.state = State::Features;
                    conn.queue(&Message::new(0, Body::FeaturesRequest).emit());
                }
                (_, ofpt::FEATURES_REPLY) => conn.state = State::Up { dpid: 0 },
                (_, ofpt::ECHO_REQUEST) => {
                    let mut echo = message.to_vec();
                    echo[1] = ofpt::ECHO_REPLY;
                    conn.queue(&echo);
                }
                (_, ofpt::PACKET_IN) if message.len() > PACKET_IN_PORT_AT + 2 => {
                    let mut out = [0u8; 64];
                    let out = &mut out[..reply.len()];
                    out.copy_from_slice(reply);
                    out[XID_AT..XID_AT + 4].copy_from_slice(&message[XID_AT..XID_AT + 4]);
                    out[PACKET_OUT_BUFFER_AT..PACKET_OUT_BUFFER_AT + 4]
                        .copy_from_slice(&message[PACKET_IN_BUFFER_AT..PACKET_IN_BUFFER_AT + 4]);
                    out[PACKET_OUT_PORT_AT..PACKET_OUT_PORT_AT + 2]
                        .copy_from_slice(&message[PACKET_IN_PORT_AT..PACKET_IN_PORT_AT + 2]);
                    conn.queue(out);
                }
                _ => {}
            }
        }
        conn.put_inbox(inbox);
        conn.flush().map_err(drop)?;
        match read {
            Some(0) => return Err(()),
            Some(_) => {}
            None => return Ok(()),
        }
    }
}
