//! Text views: the detail tree (`-V`), derived from the field tree alone.

use std::fmt::Write;

use ofscope_dissectors::printable::Printable;
use ofscope_dissectors::tree::{Tree, Value};

/// Writes the tree indented by depth, `Label: value` per line.
pub fn write_detail(out: &mut String, tree: &Tree, indent: usize) {
    for field in &tree.fields {
        let pad = indent + 2 * field.depth as usize;
        let _ = write!(out, "{:pad$}{}", "", field.label);
        match &field.value {
            Value::None => {}
            // Text comes from the capture (port names, descriptions).
            Value::Text(text) => {
                let _ = write!(out, ": {}", Printable(text));
            }
            value => {
                let _ = write!(out, ": {value}");
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::packet;

    #[test]
    fn detail_indents_children() {
        let mut t = Tree::new();
        t.open(&packet::hf::OF_PACKET_IN, 8..30);
        t.leaf(&packet::hf::OF_PACKET_IN_IN_PORT, Value::Uint(3), 14..16);
        t.close();
        let mut out = String::new();
        write_detail(&mut out, &t, 0);
        assert_eq!(out, "Packet in\n  In port: 3\n");
    }
}
