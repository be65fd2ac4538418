//! PacketIn decisions per second for the learning app, excluding file decode: the messages
//! are decoded once up front, then fed to the engine again and again.
//!
//! `cargo bench --bench replay`; the figure is the `thrpt` line in elements/s. Time is the
//! thread's own CPU time (Linux `/proc/thread-self/schedstat`), so the figure is for one
//! core even on a loaded machine; elsewhere it falls back to wall time. That clock advances
//! in scheduler ticks (milliseconds), so the samples are few and long (flat sampling, 10
//! samples of about half a second each) rather than criterion's default ramp of short ones,
//! which would read zero.

use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use ofscope::replay::{AppSpec, Engine, Input};
use ofscope_dissectors::openflow::{Body, FeaturesReply, Message, PacketIn, NO_BUFFER};

const HOSTS: u64 = 64;
const PACKETS: usize = 4096;

/// A UDP frame between two of `HOSTS` hosts, padded to 60 bytes like a real PacketIn.
fn frame(src: u64, dst: u64) -> Vec<u8> {
    let mac = |h: u64| [0x02, 0, 0, 0, (h >> 8) as u8, h as u8];
    let mut f = Vec::with_capacity(60);
    f.extend_from_slice(&mac(dst));
    f.extend_from_slice(&mac(src));
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, src as u8, 10, 0, 0, dst as u8]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f.resize(60, 0);
    f
}

/// PacketIns of random host pairs (a fixed xorshift, so every run sees the same traffic).
fn packet_ins() -> Vec<Message> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..PACKETS)
        .map(|_| {
            let (src, dst) = (next() % HOSTS, next() % HOSTS);
            let data = frame(src, dst);
            Message::new(
                0,
                Body::PacketIn(PacketIn {
                    buffer_id: NO_BUFFER,
                    total_len: data.len() as u16,
                    in_port: (src % 48) as u16 + 1,
                    reason: 0,
                    data,
                }),
            )
        })
        .collect()
}

/// The calling thread's CPU time, or wall time where that is not available.
enum CpuClock {
    Cpu(u64),
    Wall(Instant),
}

impl CpuClock {
    fn cpu_ns() -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        stat.split_whitespace().next()?.parse().ok()
    }

    fn now() -> CpuClock {
        match CpuClock::cpu_ns() {
            Some(ns) => CpuClock::Cpu(ns),
            None => CpuClock::Wall(Instant::now()),
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            CpuClock::Cpu(start) => {
                Duration::from_nanos(CpuClock::cpu_ns().unwrap_or(*start).saturating_sub(*start))
            }
            CpuClock::Wall(start) => start.elapsed(),
        }
    }
}

fn learning(c: &mut Criterion) {
    let messages = packet_ins();
    let features = Message::new(
        0,
        Body::FeaturesReply(FeaturesReply {
            datapath_id: 1,
            ..FeaturesReply::default()
        }),
    );
    let mut group = c.benchmark_group("learning");
    group.throughput(Throughput::Elements(PACKETS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for variant in ["simple", "dst-only", "pyswitch-all", "nox", "pox"] {
        let spec: AppSpec = format!("learning:variant={variant}").parse().unwrap();
        group.bench_function(BenchmarkId::from_parameter(variant), |b| {
            let mut engine = Engine::new(std::slice::from_ref(&spec));
            let input = |message| Input {
                ts_ns: 1,
                conn: 0,
                message,
            };
            engine.feed(&input(&features));
            b.iter_custom(|iters| {
                let start = CpuClock::now();
                let mut emitted = 0;
                for _ in 0..iters {
                    for m in &messages {
                        emitted += engine.feed(&input(m)).map_or(0, <[_]>::len);
                    }
                }
                std::hint::black_box(emitted);
                start.elapsed()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, learning);
criterion_main!(benches);
