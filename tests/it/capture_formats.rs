//! Reading captures: pcap variants, pcapng interfaces, gzip, bad files, and writing pcap.

use std::io::{Cursor, Write};

use crate::common::keep_for_fuzzing;
use crate::stream_support::*;
use ofscope::capture::{CaptureError, FileSource, FrameSource, LinkType, PcapWriter};
use ofscope::stream::{decode_tcp, OuterPath};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/pcaps");

/// (number, ts_ns, data, orig_len, linktype) of every frame, and the error if any.
type Frames = Vec<(u64, u64, Vec<u8>, u32, LinkType)>;

fn read_all(source: &mut FileSource) -> (Frames, Option<CaptureError>) {
    let mut frames = Vec::new();
    let mut error = None;
    while let Some(frame) = source.next_frame() {
        match frame {
            Ok(f) => frames.push((f.number, f.ts_ns, f.data.to_vec(), f.orig_len, f.linktype)),
            Err(e) => {
                assert!(error.is_none(), "a second error after {error:?}");
                error = Some(e);
            }
        }
    }
    (frames, error)
}

fn read_bytes(bytes: Vec<u8>) -> (Frames, Option<CaptureError>) {
    keep_for_fuzzing("capture_file", &bytes);
    let mut source = FileSource::from_reader(Cursor::new(bytes), "mem.pcap").unwrap();
    read_all(&mut source)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn pcap_in_micro_and_nanoseconds_and_both_byte_orders() {
    let ts = 1_700_000_000_123_456_789u64;
    for nanos in [false, true] {
        for big_endian in [false, true] {
            let mut pcap = PcapBuilder::with(LinkType::RAW, nanos, big_endian, 65535);
            pcap.frame(ts, b"first").frame(ts + 1_000, b"second frame");
            let (frames, error) = read_bytes(pcap.bytes());
            assert!(error.is_none(), "{error:?}");
            let expected_ts = if nanos { ts } else { ts / 1000 * 1000 };
            assert_eq!(frames.len(), 2, "nanos={nanos} be={big_endian}");
            assert_eq!(frames[0].0, 1);
            assert_eq!(frames[0].1, expected_ts, "nanos={nanos} be={big_endian}");
            assert_eq!(frames[1].0, 2);
            assert_eq!(frames[1].2, b"second frame");
            assert_eq!(frames[1].4, LinkType::RAW);
        }
    }
}

#[test]
fn pcapng_interfaces_keep_their_own_link_type_and_resolution() {
    // Interface 0: Ethernet in µs (tsresol 6); interface 1: raw IP in ns (tsresol 9);
    // interface 2: SLL2 in 2^-10 s units.
    let interfaces = [
        (LinkType::ETHERNET, 6),
        (LinkType::RAW, 9),
        (LinkType::LINUX_SLL2, 0x80 | 10),
    ];
    let packets = vec![
        (0, 1_700_000_000_000_001, vec![1u8; 60]),
        (1, 1_700_000_000_000_000_002, vec![2u8; 41]),
        (2, 3 * 1024 + 512, vec![3u8; 7]),
    ];
    let (frames, error) = read_bytes(pcapng(&interfaces, &packets));
    assert!(error.is_none(), "{error:?}");
    let got: Vec<(u64, u64, usize, LinkType)> =
        frames.iter().map(|f| (f.0, f.1, f.2.len(), f.4)).collect();
    assert_eq!(
        got,
        vec![
            (1, 1_700_000_000_000_001_000, 60, LinkType::ETHERNET),
            (2, 1_700_000_000_000_000_002, 41, LinkType::RAW),
            (3, 3_500_000_000, 7, LinkType::LINUX_SLL2),
        ]
    );
}

#[test]
fn real_pcapng_from_the_corpus_reads_with_microsecond_timestamps() {
    let mut source = FileSource::open(format!("{CORPUS}/tcpdump_of10/of10_7050q.pcapng")).unwrap();
    let (frames, error) = read_all(&mut source);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(frames.len(), 4);
    // tcpdump's reference output prints the first frame at 2013-06-15 09:55:19.501959 UTC;
    // a 1000x scaling bug would put it in 1970.
    assert_eq!(frames[0].1, 1_371_290_119_501_959_000);
    assert!(frames.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn gzip_is_read_transparently() {
    let path = format!("{CORPUS}/tcpdump_of10/of10_s4810.pcap");
    let plain = std::fs::read(&path).unwrap();
    let (expected, _) = read_bytes(plain.clone());
    let mut source = FileSource::from_reader(Cursor::new(gzip(&plain)), "x.pcap.gz").unwrap();
    assert!(source.compressed());
    let (frames, error) = read_all(&mut source);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(frames.len(), expected.len());
    assert_eq!(frames, expected);
}

#[test]
fn a_cut_file_yields_every_frame_before_the_cut_then_names_the_frame() {
    let mut pcap = PcapBuilder::new(LinkType::RAW);
    for i in 0..5u8 {
        pcap.frame(u64::from(i) * 1000, &[i; 100]);
    }
    let mut bytes = pcap.bytes();
    bytes.truncate(bytes.len() - 40); // in the middle of frame 5's data
    let (frames, error) = read_bytes(bytes.clone());
    assert_eq!(frames.len(), 4);
    match error {
        Some(CaptureError::Truncated { frame, .. }) => assert_eq!(frame, 5),
        other => panic!("expected a truncation, got {other:?}"),
    }
    // The same file gzipped, and a gzip stream cut short, behave alike.
    let (frames, error) = read_bytes(gzip(&bytes));
    assert_eq!(frames.len(), 4);
    assert!(error.is_some_and(|e| e.is_truncation()));
    let whole = gzip(&pcap.bytes());
    let (frames, error) = read_bytes(whole[..whole.len() - 30].to_vec());
    assert!(frames.len() < 5, "{}", frames.len());
    let error = error.expect("a cut gzip stream must be reported");
    assert!(error.is_truncation(), "{error}");
    assert!(error.to_string().contains("cut in the middle of frame"));
}

#[test]
fn missing_and_non_capture_files_give_clear_typed_errors() {
    let missing = FileSource::open("no/such/file.pcap").err().unwrap();
    assert!(matches!(missing, CaptureError::Open { .. }));
    assert!(missing
        .to_string()
        .starts_with("no/such/file.pcap: cannot open"));

    let not_capture = FileSource::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .err()
        .unwrap();
    assert!(matches!(not_capture, CaptureError::NotACapture { .. }));
    assert!(not_capture
        .to_string()
        .contains("not a pcap or pcapng capture"));

    let empty = FileSource::from_reader(Cursor::new(Vec::new()), "empty.pcap")
        .err()
        .unwrap();
    assert!(empty.to_string().contains("empty"), "{empty}");
}

#[test]
fn a_record_longer_than_any_buffer_is_corruption_not_an_endless_loop() {
    let mut bytes = PcapBuilder::new(LinkType::RAW).bytes();
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(&0x7fff_0000u32.to_le_bytes()); // caplen
    bytes.extend_from_slice(&0x7fff_0000u32.to_le_bytes());
    bytes.extend_from_slice(&[0; 64]);
    let (frames, error) = read_bytes(bytes);
    assert!(frames.is_empty());
    assert!(
        matches!(
            error,
            Some(CaptureError::Corrupt { .. }) | Some(CaptureError::Truncated { .. })
        ),
        "{error:?}"
    );
}

#[test]
fn writer_round_trips_frames_in_micro_and_nanoseconds() {
    let (frames, _) = read_bytes({
        let mut pcap = PcapBuilder::with(LinkType::ETHERNET, true, false, 65535);
        pcap.frame(1_700_000_000_987_654_321, &[7; 70])
            .frame(1_700_000_001_000_000_001, &[8; 20]);
        pcap.bytes()
    });
    for nanos in [true, false] {
        let mut writer = PcapWriter::new(Vec::new(), LinkType::ETHERNET, nanos, 65535).unwrap();
        let mut source = FileSource::from_reader(
            Cursor::new({
                let mut pcap = PcapBuilder::with(LinkType::ETHERNET, true, false, 65535);
                for f in &frames {
                    pcap.frame(f.1, &f.2);
                }
                pcap.bytes()
            }),
            "in.pcap",
        )
        .unwrap();
        while let Some(Ok(frame)) = source.next_frame() {
            writer.write_frame(&frame).unwrap();
        }
        let (written, error) = read_bytes(writer.into_inner().unwrap());
        assert!(error.is_none());
        assert_eq!(written.len(), 2);
        for (w, f) in written.iter().zip(&frames) {
            let ts = if nanos { f.1 } else { f.1 / 1000 * 1000 };
            assert_eq!((w.1, &w.2, w.4), (ts, &f.2, f.4));
        }
    }
    let mut writer = PcapWriter::new(Vec::new(), LinkType::RAW, false, 65535).unwrap();
    let mut source = FileSource::from_reader(
        Cursor::new(PcapBuilder::new(LinkType::ETHERNET).bytes()),
        "x",
    )
    .unwrap();
    assert!(source.next_frame().is_none());
    let frame = ofscope::capture::RawFrame {
        number: 1,
        ts_ns: 0,
        data: &[1, 2, 3],
        orig_len: 3,
        linktype: LinkType::ETHERNET,
    };
    assert!(writer.write_frame(&frame).is_err(), "mixed link types");
}

#[test]
fn every_link_type_decodes_to_the_same_segment() {
    let v4 = ("10.0.0.1:40000", "10.0.0.2:6633");
    let v6 = ("[2001:db8::1]:40000", "[2001:db8::2]:6653");
    for (client, server) in [v4, v6] {
        let ip = ip_tcp(
            client.parse().unwrap(),
            server.parse().unwrap(),
            77,
            PSH_ACK,
            b"payload!",
        );
        for linktype in [
            LinkType::ETHERNET,
            LinkType::LINUX_SLL,
            LinkType::LINUX_SLL2,
            LinkType::NULL,
            LinkType::LOOP,
            LinkType::RAW,
        ] {
            let frame = link(linktype, &ip);
            let outer = OuterPath::default();
            let seg = decode_tcp(linktype, &frame, frame.len() as u32, &outer)
                .unwrap_or_else(|skipped| panic!("{linktype} {client}: {skipped}"));
            assert_eq!(seg.src.to_string(), client, "{linktype}");
            assert_eq!(seg.dst.to_string(), server, "{linktype}");
            assert_eq!(
                (seg.seq, seg.payload, seg.missing),
                (77, &b"payload!"[..], 0)
            );
            // Cut by a snaplen inside the payload: the rest is reported missing.
            let cut = &frame[..frame.len() - 3];
            let seg = decode_tcp(linktype, cut, frame.len() as u32, &outer).unwrap();
            assert_eq!((seg.payload, seg.missing), (&b"paylo"[..], 3), "{linktype}");
        }
    }
}

/// Four raw-IP frames as a pcap file.
fn four_frames() -> Vec<u8> {
    let mut pcap = PcapBuilder::new(LinkType::RAW);
    for i in 0..4u8 {
        pcap.frame(u64::from(i) * 1000, &[i; 100]);
    }
    pcap.bytes()
}

#[test]
fn gzip_members_follow_one_another_and_what_follows_the_last_is_a_warning() {
    let plain = four_frames();
    // Two members, split inside a frame, read as one capture (as gzip -d does).
    let two_members = [gzip(&plain[..150]), gzip(&plain[150..])].concat();
    let (frames, error) = read_bytes(two_members);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(frames.len(), 4);

    // Stray bytes after the gzip data: every frame is read, and a warning counts them.
    let (frames, error) = read_bytes([gzip(&plain), b"not gzip\n".to_vec()].concat());
    assert_eq!(frames.len(), 4);
    let error = error.expect("trailing bytes are reported");
    assert!(error.is_truncation(), "{error}");
    assert!(
        error
            .to_string()
            .contains("9 bytes after the end of the gzip data"),
        "{error}"
    );
}

#[test]
fn a_gzip_checksum_mismatch_is_a_warning_and_the_frames_stand() {
    let mut bytes = gzip(&four_frames());
    let crc_at = bytes.len() - 8;
    bytes[crc_at] ^= 0xff;
    let (frames, error) = read_bytes(bytes);
    assert_eq!(frames.len(), 4);
    let error = error.expect("a checksum mismatch is reported");
    assert!(error.is_truncation(), "{error}");
    assert!(error.to_string().contains("damaged"), "{error}");
}

#[test]
fn a_gzip_cut_inside_its_header_says_so() {
    let bytes = gzip(&four_frames());
    keep_for_fuzzing("capture_file", &bytes[..5]);
    let Err(error) = FileSource::from_reader(Cursor::new(bytes[..5].to_vec()), "cut.pcap.gz")
    else {
        panic!("a gzip header cut short is not a capture");
    };
    let text = error.to_string();
    assert!(text.contains("cut short"), "{text}");
    assert!(!text.contains("empty"), "{text}");
}

#[test]
fn pcapng_blocks_that_carry_no_frame_are_skipped_even_when_unreadable() {
    let interfaces = [(LinkType::RAW, 6)];
    let packets: Vec<_> = (0..4u8).map(|i| (0, u64::from(i), vec![i; 40])).collect();
    let first = pcapng(&interfaces, &packets[..2]);
    // The second file's section header (28 bytes) and interface block (32) are left out.
    let rest = pcapng(&interfaces, &packets[2..])[60..].to_vec();
    let block = |block_type: u32, body: &[u8]| {
        let len = (12 + body.len()) as u32;
        [
            &block_type.to_le_bytes(),
            &len.to_le_bytes(),
            body,
            &len.to_le_bytes(),
        ]
        .concat()
    };
    // An empty local-use block (the parser takes its type for a process-information
    // block, which must hold more), and one of an unknown type with a body.
    for extra in [block(0x8000_0001, &[]), block(0x8000_0abc, &[7; 8])] {
        let (frames, error) = read_bytes([first.clone(), extra, rest.clone()].concat());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(frames.len(), 4);
    }
    // A packet block that cannot be read is corruption, said in the user's terms.
    let broken_packet = block(6, &[0; 4]);
    let (frames, error) = read_bytes([first.clone(), broken_packet, rest].concat());
    assert_eq!(frames.len(), 2);
    let error = error
        .expect("an unreadable packet block is reported")
        .to_string();
    assert!(
        error.contains("unreadable pcapng block (type 0x6)"),
        "{error}"
    );
    assert!(!error.contains("Nom"), "{error}");
}
