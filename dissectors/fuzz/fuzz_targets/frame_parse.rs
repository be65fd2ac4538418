//! Any bytes: `Frame::parse` must not panic, must give the bytes back on `emit`, and its
//! tree must point only at bytes that exist.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope_dissectors::frame::Frame;
use ofscope_dissectors::tree::Tree;

fuzz_target!(|data: &[u8]| {
    let frame = Frame::parse(data);
    assert_eq!(frame.emit(), data);
    let mut tree = Tree::new();
    frame.build_tree(&mut tree);
    for field in &tree.fields {
        assert!(field.range.end <= data.len(), "{} {:?}", field.key(), field.range);
    }
    let _ = frame.summary();
    if let Some(reply) = frame.icmp_echo_reply() {
        assert_eq!(Frame::parse(&reply.emit()), reply);
    }
    if let Some(reply) = frame.arp_reply([2, 0, 0, 0, 0, 1]) {
        assert_eq!(Frame::parse(&reply.emit()), reply);
    }
});
