//! What the pipeline targets assert of a session, whatever fed it its frames.

use ofscope::capture::FrameSource;
use ofscope::session::{Session, SessionEvent};
use ofscope::stream::StreamConfig;
use ofscope_dissectors::openflow;
use ofscope_dissectors::tree::Tree;

/// Runs the session to its end. Nothing may panic, every message is what its bytes parse
/// as and emits to bytes that parse back to it, its summary and tree build (the tree's
/// ranges within its bytes), an error is one line, and the bytes held for the
/// connections stay within the reassembly limits (per connection) and are all released at the end.
pub fn check<S: FrameSource>(source: S) {
    let config = StreamConfig::default();
    let limits = config.limits;
    // Per connection, per direction: the held out-of-order segments, plus a partial message or a resync
    // window (under two maximal messages), plus the segment being handled.
    let bound = 2 * (limits.max_held_bytes + 2 * 65_536 + 2 * 256);
    let mut session = Session::new(source, config);
    let mut tree = Tree::new();
    while let Some(event) = session.next_event() {
        let tracker = session.tracker();
        assert!(tracker.held_bytes() <= bound * tracker.connections().len().max(1));
        match event {
            Ok(SessionEvent::Record(record)) => {
                // The message is what its bytes say. Its emitted form is canonical (zero
                // padding), not always the captured bytes, and says the same.
                assert_eq!(record.message, openflow::parse(&record.bytes));
                assert_eq!(openflow::parse(&record.message.emit()), record.message);
                let _ = record.message.summary();
                tree.fields.clear();
                record.message.build_tree(&mut tree);
                assert!(tree
                    .fields
                    .iter()
                    .all(|f| f.range.end <= record.bytes.len()));
            }
            Ok(SessionEvent::Stream(_)) => {}
            Err(err) => assert!(!err.to_string().contains('\n'), "{err}"),
        }
    }
    assert_eq!(session.tracker().held_bytes(), 0);
}
