//! Any bytes: `openflow::parse` must not panic; `emit` gives canonical bytes that parse to
//! the same message and emit again unchanged; the summary and field tree must build without
//! panicking, with every range inside the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope_dissectors::openflow;
use ofscope_dissectors::tree::Tree;

fuzz_target!(|data: &[u8]| {
    let message = openflow::parse(data);
    let canonical = message.emit();
    let again = openflow::parse(&canonical);
    assert_eq!(again, message);
    assert_eq!(again.emit(), canonical);
    let _ = message.summary();
    let _ = message.type_name();
    let mut tree = Tree::new();
    message.build_tree(&mut tree);
    for field in &tree.fields {
        assert!(
            field.range.start <= field.range.end && field.range.end <= data.len(),
            "{} {:?} outside {} bytes",
            field.key(),
            field.range,
            data.len()
        );
    }
});
