//! VENDOR stats: the vendor id and its bytes, Nicira's subtypes by name.

use std::fmt;

use crate::openflow::vendor::{stats_subtype_name, vendor_value, NICIRA};
use crate::openflow::wire::{Put, Reader, Result};
use crate::tree::{Tree, Value};

/// A vendor stats body: the vendor id and the bytes after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorStats {
    pub vendor: u32,
    pub data: Vec<u8>,
}

impl VendorStats {
    pub(super) fn parse(r: &mut Reader) -> Result<VendorStats> {
        Ok(VendorStats {
            vendor: r.u32("stats vendor")?,
            data: r.rest().to_vec(),
        })
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.vendor);
        out.extend_from_slice(&self.data);
    }

    /// `NXST_FLOW`, ... for Nicira's (32-bit subtype after the vendor id).
    pub fn subtype_name(&self) -> Option<&'static str> {
        if self.vendor != NICIRA {
            return None;
        }
        let b = self.data.first_chunk()?;
        stats_subtype_name(self.vendor, u32::from_be_bytes(*b))
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
        t.leaf(&hf::OF_STATS_VENDOR, vendor_value(self.vendor), at..at + 4);
        if let Some(name) = self.subtype_name() {
            t.leaf(
                &hf::OF_STATS_SUBTYPE,
                Value::Text(name.to_owned()),
                at + 4..at + 8,
            );
        }
        let end = at + 4 + self.data.len();
        t.leaf(
            &super::hf::OF_STATS_DATA,
            Value::Bytes(at + 4..end),
            at + 4..end,
        );
    }
}

impl fmt::Display for VendorStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.subtype_name() {
            Some(n) => f.write_str(n),
            None => write!(f, "vendor=0x{:08x} {} bytes", self.vendor, self.data.len()),
        }
    }
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "VENDOR stats", "";
        OF_STATS_VENDOR = "of.stats.vendor", Named, "Vendor", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
        OF_STATS_SUBTYPE = "of.stats.subtype", Text, "Subtype", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
    }
}
