//! DESC stats: the switch's five description strings.

use crate::openflow::wire::{Put, Reader, Result};
use crate::tree::{FieldDef, Tree, Value};

/// `ofp_desc_stats`: five NUL-padded strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescStats {
    pub mfr_desc: String,
    pub hw_desc: String,
    pub sw_desc: String,
    pub serial_num: String,
    pub dp_desc: String,
}

const DESC_LEN: usize = 256;
const SERIAL_LEN: usize = 32;

impl DescStats {
    fn fields(&self) -> [(&'static FieldDef, &str, usize); 5] {
        [
            (&hf::OF_DESC_MFR_DESC, &self.mfr_desc, DESC_LEN),
            (&hf::OF_DESC_HW_DESC, &self.hw_desc, DESC_LEN),
            (&hf::OF_DESC_SW_DESC, &self.sw_desc, DESC_LEN),
            (&hf::OF_DESC_SERIAL_NUM, &self.serial_num, SERIAL_LEN),
            (&hf::OF_DESC_DP_DESC, &self.dp_desc, DESC_LEN),
        ]
    }

    pub(super) fn parse(r: &mut Reader) -> Result<DescStats> {
        Ok(DescStats {
            mfr_desc: r.text(DESC_LEN, "mfr_desc")?,
            hw_desc: r.text(DESC_LEN, "hw_desc")?,
            sw_desc: r.text(DESC_LEN, "sw_desc")?,
            serial_num: r.text(SERIAL_LEN, "serial_num")?,
            dp_desc: r.text(DESC_LEN, "dp_desc")?,
        })
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        for (_, text, len) in self.fields() {
            out.put_text(text, len);
        }
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_DESC, at..at + 4 * DESC_LEN + SERIAL_LEN);
        let mut off = at;
        for (field, text, len) in self.fields() {
            t.leaf(field, Value::Text(text.to_owned()), off..off + len);
            off += len;
        }
        t.close();
    }
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "DESC stats", "";
        OF_DESC_MFR_DESC = "of.desc.mfr_desc", Text, "Manufacturer", "manufacturer";
        OF_DESC_HW_DESC = "of.desc.hw_desc", Text, "Hardware", "hardware description";
        OF_DESC_SW_DESC = "of.desc.sw_desc", Text, "Software", "software description";
        OF_DESC_SERIAL_NUM = "of.desc.serial_num", Text, "Serial number", "serial number";
        OF_DESC_DP_DESC = "of.desc.dp_desc", Text, "Datapath description", "human-readable datapath description";
        OF_DESC = "of.desc", Group, "Description", "DESC reply";
    }
}
