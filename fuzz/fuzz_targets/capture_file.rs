//! Any bytes as a capture file (pcap or pcapng, gzipped or not), through the whole
//! pipeline: the file reader, frame decoding, TCP reassembly and OpenFlow framing, the
//! decode stage, the summary and field tree of every message. Nothing may panic, a file that
//! is not a capture is a one-line error, and the session holds as `common/pipeline.rs` says.
//!
//! Its seeds are the hostile captures the tests make (`fuzz/regressions/capture_file/`).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use ofscope::capture::FileSource;

#[path = "common/pipeline.rs"]
mod pipeline;

fuzz_target!(|bytes: &[u8]| {
    match FileSource::from_reader(Cursor::new(bytes.to_vec()), "fuzz.pcap") {
        Ok(source) => pipeline::check(source),
        Err(err) => assert!(!err.to_string().contains('\n'), "{err}"),
    }
});
