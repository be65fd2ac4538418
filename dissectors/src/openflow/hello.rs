//! HELLO: OpenFlow 1.0 has no body, but later versions append elements; the version
//! bitmap element (type 1) tells which versions the peer speaks. Any bytes are kept.

use std::fmt;

use super::wire::{Reader, Result};
use crate::tree::{Tree, Value};

const VERSION_BITMAP: u16 = 1;

/// HELLO body: whatever follows the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    pub data: Vec<u8>,
}

impl Hello {
    /// The versions (wire numbers, 1 = OpenFlow 1.0) of the first version bitmap element.
    pub fn versions(&self) -> Option<Vec<u8>> {
        let mut r = Reader::new(&self.data);
        while r.remaining() >= 4 {
            let kind = r.u16("hello element type").ok()?;
            let len = usize::from(r.u16("hello element length").ok()?);
            let body = r.take(len.checked_sub(4)?, "hello element").ok()?;
            if kind == VERSION_BITMAP {
                let versions = body
                    .chunks_exact(4)
                    .enumerate()
                    .flat_map(|(word, b)| {
                        // `chunks_exact(4)` yields four bytes at a time: the fallback
                        // is never taken.
                        let bits = b.first_chunk().map_or(0, |&b| u32::from_be_bytes(b));
                        (0..32u32)
                            .filter(move |i| bits & (1 << i) != 0)
                            .map(move |i| (word as u32 * 32 + i) as u8)
                            // Version 0 does not exist; peers that set the bit are ignored.
                            .filter(|&v| v != 0)
                    })
                    .collect();
                return Some(versions);
            }
            // Elements are padded to 8 bytes.
            r.take((8 - len % 8) % 8, "hello element padding").ok()?;
        }
        None
    }

    pub(crate) fn parse(r: &mut Reader) -> Result<Hello> {
        Ok(Hello {
            data: r.rest().to_vec(),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.data);
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        if self.data.is_empty() {
            return;
        }
        let end = at + self.data.len();
        t.open(&hf::OF_HELLO, at..end);
        if let Some(v) = self.versions() {
            t.leaf(
                &hf::OF_HELLO_VERSIONS,
                Value::Text(version_list(&v)),
                at..end,
            );
        }
        t.leaf(&hf::OF_HELLO_DATA, Value::Bytes(at..end), at..end);
        t.close();
    }
}

fn version_list(v: &[u8]) -> String {
    v.iter()
        .map(|x| format!("0x{x:02x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Hello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.versions() {
            match v.is_empty() {
                true => f.write_str("version bitmap: none")?,
                false => write!(f, "version bitmap: {}", version_list(&v))?,
            }
        } else if !self.data.is_empty() {
            write!(f, "{} bytes of data", self.data.len())?;
        }
        Ok(())
    }
}

super::types::body_codec!(Hello);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "HELLO", "";
        OF_HELLO = "of.hello", Group, "Hello", "present when a HELLO carries bytes after its header";
        OF_HELLO_VERSIONS = "of.hello.versions", Text, "Version bitmap", "versions of the version-bitmap element (`0x01, 0x04`)";
        OF_HELLO_DATA = "of.hello.data", Bytes, "Data", "the bytes after the header";
    }
}
