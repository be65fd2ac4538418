//! Any bytes as the golden file of `replay --assert`: read as the command reads it (UTF-8,
//! then `Golden::parse`), then its apps parsed as the command parses them. Nothing may panic;
//! a golden that reads is written back (`to_text`, as `--update` writes it) to text that reads
//! as the same golden, and its decisions compare equal to themselves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope::replay::compare;
use ofscope::replay::golden::Golden;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(golden) = Golden::parse(text) else {
        return;
    };
    let _ = golden.app_specs();
    let written = golden.to_text();
    let again = Golden::parse(&written).expect("a written golden reads back");
    assert_eq!(again, golden);
    assert_eq!(again.to_text(), written);
    assert!(compare::diff(&golden.decisions, &again.decisions).is_empty());
});
