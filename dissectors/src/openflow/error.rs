//! ERROR messages: type and code by name, and the header of the offending message.

use std::fmt;

use super::header::{Header, HEADER_LEN};
use super::port::named_or_unknown;
use super::types::type_name;
use super::vendor::{vendor_value, NICIRA};
use super::wire::{lookup, Put, Reader, Result};
use crate::tree::{Tree, Value};

named_numbers! {
    /// `OFPET_*` error types.
    pub mod ofpet: u16, [names TYPE_NAMES] {
        HELLO_FAILED = 0,
        BAD_REQUEST = 1,
        BAD_ACTION = 2,
        FLOW_MOD_FAILED = 3,
        PORT_MOD_FAILED = 4,
        QUEUE_OP_FAILED = 5,
        /// Nicira's wrapper for extension errors: vendor id, type and code follow.
        NXET_VENDOR = 0xb0c2,
    }
}

const HELLO_FAILED_CODES: &[&str] = &["OFPHFC_INCOMPATIBLE", "OFPHFC_EPERM"];

/// The HELLO_FAILED codes a controller sends (their names are [`HELLO_FAILED_CODES`]).
pub mod hfc {
    /// No common version.
    pub const INCOMPATIBLE: u16 = 0;
}
/// The BAD_REQUEST codes a switch sends (their names are [`BAD_REQUEST_CODES`]).
pub mod brc {
    /// A stats type the switch does not know.
    pub const BAD_STAT: u16 = 2;
    /// A vendor (experimenter) the switch does not know.
    pub const BAD_VENDOR: u16 = 3;
}
const BAD_REQUEST_CODES: &[&str] = &[
    "OFPBRC_BAD_VERSION",
    "OFPBRC_BAD_TYPE",
    "OFPBRC_BAD_STAT",
    "OFPBRC_BAD_VENDOR",
    "OFPBRC_BAD_SUBTYPE",
    "OFPBRC_EPERM",
    "OFPBRC_BAD_LEN",
    "OFPBRC_BUFFER_EMPTY",
    "OFPBRC_BUFFER_UNKNOWN",
];
const BAD_ACTION_CODES: &[&str] = &[
    "OFPBAC_BAD_TYPE",
    "OFPBAC_BAD_LEN",
    "OFPBAC_BAD_VENDOR",
    "OFPBAC_BAD_VENDOR_TYPE",
    "OFPBAC_BAD_OUT_PORT",
    "OFPBAC_BAD_ARGUMENT",
    "OFPBAC_EPERM",
    "OFPBAC_TOO_MANY",
    "OFPBAC_BAD_QUEUE",
];
const FLOW_MOD_FAILED_CODES: &[&str] = &[
    "OFPFMFC_ALL_TABLES_FULL",
    "OFPFMFC_OVERLAP",
    "OFPFMFC_EPERM",
    "OFPFMFC_BAD_EMERG_TIMEOUT",
    "OFPFMFC_BAD_COMMAND",
    "OFPFMFC_UNSUPPORTED",
];
const PORT_MOD_FAILED_CODES: &[&str] = &["OFPPMFC_BAD_PORT", "OFPPMFC_BAD_HW_ADDR"];
const QUEUE_OP_FAILED_CODES: &[&str] = &["OFPQOFC_BAD_PORT", "OFPQOFC_BAD_QUEUE", "OFPQOFC_EPERM"];

/// Open vSwitch's OpenFlow 1.0 numbers for some of its extension errors, as carried
/// inside an NXET_VENDOR error: `(type, code)`.
const NICIRA_CODES: &[((u16, u16), &str)] = &[
    ((1, 0x104), "OFPBMC_BAD_PREREQ"),
    ((1, 0x203), "NXBRC_MUST_BE_ZERO"),
];

/// The `OFP..._*` name of a standard OpenFlow 1.0 error code.
pub fn code_name(err_type: u16, code: u16) -> Option<&'static str> {
    let table = match err_type {
        ofpet::HELLO_FAILED => HELLO_FAILED_CODES,
        ofpet::BAD_REQUEST => BAD_REQUEST_CODES,
        ofpet::BAD_ACTION => BAD_ACTION_CODES,
        ofpet::FLOW_MOD_FAILED => FLOW_MOD_FAILED_CODES,
        ofpet::PORT_MOD_FAILED => PORT_MOD_FAILED_CODES,
        ofpet::QUEUE_OP_FAILED => QUEUE_OP_FAILED_CODES,
        _ => return None,
    };
    table.get(usize::from(code)).copied()
}

/// ERROR body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorMsg {
    pub err_type: u16,
    pub code: u16,
    /// ASCII text for HELLO_FAILED; otherwise (the start of) the offending message.
    /// For NXET_VENDOR, first the vendor id, vendor type and code.
    pub data: Vec<u8>,
}

/// The vendor part of an NXET_VENDOR error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorError {
    pub vendor: u32,
    pub err_type: u16,
    pub code: u16,
}

impl ErrorMsg {
    pub(crate) fn parse(r: &mut Reader) -> Result<ErrorMsg> {
        Ok(ErrorMsg {
            err_type: r.u16("error type")?,
            code: r.u16("error code")?,
            data: r.rest().to_vec(),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.err_type);
        out.put_u16(self.code);
        out.extend_from_slice(&self.data);
    }

    pub fn type_name(&self) -> Option<&'static str> {
        lookup(TYPE_NAMES, self.err_type)
    }

    pub fn vendor_error(&self) -> Option<VendorError> {
        if self.err_type != ofpet::NXET_VENDOR {
            return None;
        }
        let mut r = Reader::new(&self.data);
        Some(VendorError {
            vendor: r.u32("vendor").ok()?,
            err_type: r.u16("vendor error type").ok()?,
            code: r.u16("vendor error code").ok()?,
        })
    }

    /// The error's name as Open vSwitch prints it (`OFPBRC_BAD_LEN`, `NXBRC_MUST_BE_ZERO`).
    pub fn code_name(&self) -> Option<&'static str> {
        match self.vendor_error() {
            Some(v) if v.vendor == NICIRA => lookup(NICIRA_CODES, (v.err_type, v.code)),
            Some(_) => None,
            None => code_name(self.err_type, self.code),
        }
    }

    /// Where the offending message starts in `data`.
    fn offending_at(&self) -> Option<usize> {
        match self.err_type {
            ofpet::HELLO_FAILED => None,
            ofpet::NXET_VENDOR => Some(8),
            _ => Some(0),
        }
    }

    /// The offending message's header, when enough of it is present.
    pub fn offending_header(&self) -> Option<Header> {
        Header::parse(self.data.get(self.offending_at()?..)?)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let end = at + 4 + self.data.len();
        t.open(&hf::OF_ERROR, at..end);
        t.leaf(
            &hf::OF_ERROR_TYPE,
            named_or_unknown(self.err_type.into(), self.type_name()),
            at..at + 2,
        );
        let code_value = match self.vendor_error() {
            Some(_) => Value::Uint(self.code.into()),
            None => named_or_unknown(self.code.into(), self.code_name()),
        };
        t.leaf(&hf::OF_ERROR_CODE, code_value, at + 2..at + 4);
        let data_at = at + 4;
        if let Some(v) = self.vendor_error() {
            t.leaf(
                &hf::OF_ERROR_VENDOR,
                vendor_value(v.vendor),
                data_at..data_at + 4,
            );
            t.leaf(
                &hf::OF_ERROR_VENDOR_TYPE,
                Value::Uint(v.err_type.into()),
                data_at + 4..data_at + 6,
            );
            t.leaf(
                &hf::OF_ERROR_VENDOR_CODE,
                named_or_unknown(v.code.into(), self.code_name()),
                data_at + 6..data_at + 8,
            );
        }
        if self.err_type == ofpet::HELLO_FAILED {
            t.leaf(
                &hf::OF_ERROR_TEXT,
                Value::Text(String::from_utf8_lossy(&self.data).into_owned()),
                data_at..end,
            );
        } else if let (Some(h), Some(off)) = (self.offending_header(), self.offending_at()) {
            let o = data_at + off;
            t.open(&hf::OF_ERROR_REQUEST, o..end);
            t.leaf(
                &hf::OF_ERROR_REQUEST_VERSION,
                Value::Uint(h.version.into()),
                o..o + 1,
            );
            t.leaf(
                &hf::OF_ERROR_REQUEST_TYPE,
                named_or_unknown(h.msg_type.into(), type_name(h.msg_type)),
                o + 1..o + 2,
            );
            t.leaf(
                &hf::OF_ERROR_REQUEST_LENGTH,
                Value::Uint(h.length.into()),
                o + 2..o + 4,
            );
            t.leaf(
                &hf::OF_ERROR_REQUEST_XID,
                Value::Hex {
                    value: h.xid.into(),
                    digits: 1,
                },
                o + 4..o + HEADER_LEN,
            );
            t.close();
        }
        t.leaf(&hf::OF_ERROR_DATA, Value::Bytes(data_at..end), data_at..end);
        t.close();
    }
}

impl fmt::Display for ErrorMsg {
    /// `OFPBRC_BAD_LEN (FEATURES_REQUEST xid=0xeeff0011)` or `HELLO_FAILED OFPHFC_EPERM "text"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code_name(), self.vendor_error()) {
            (Some(n), _) => f.write_str(n)?,
            (None, Some(v)) => write!(
                f,
                "vendor=0x{:08x} type={} code={}",
                v.vendor, v.err_type, v.code
            )?,
            (None, None) => write!(f, "type={} code={}", self.err_type, self.code)?,
        }
        if self.err_type == ofpet::HELLO_FAILED {
            write!(
                f,
                " \"{}\"",
                String::from_utf8_lossy(&self.data).escape_debug()
            )?;
        } else if let Some(h) = self.offending_header() {
            let name = type_name(h.msg_type).unwrap_or("?");
            write!(f, " ({name} xid=0x{:x})", h.xid)?;
        }
        Ok(())
    }
}

super::types::body_codec!(ErrorMsg);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "ERROR", "";
        OF_ERROR = "of.error", Group, "Error", "ERROR body";
        OF_ERROR_TYPE = "of.error.type", Named, "Type", "`HELLO_FAILED`, `BAD_REQUEST`, `BAD_ACTION`, `FLOW_MOD_FAILED`, `PORT_MOD_FAILED`, `QUEUE_OP_FAILED`, `NXET_VENDOR`";
        OF_ERROR_CODE = "of.error.code", Named, "Code", "the code by its OpenFlow name (`OFPBRC_BAD_LEN`)";
        OF_ERROR_VENDOR = "of.error.vendor", Named, "Vendor", "the inner error of an `NXET_VENDOR` error (`NXBRC_MUST_BE_ZERO`)";
        OF_ERROR_VENDOR_TYPE = "of.error.vendor_type", Uint, "Vendor type", "the inner error of an `NXET_VENDOR` error (`NXBRC_MUST_BE_ZERO`)";
        OF_ERROR_VENDOR_CODE = "of.error.vendor_code", Named, "Vendor code", "the inner error of an `NXET_VENDOR` error (`NXBRC_MUST_BE_ZERO`)";
        OF_ERROR_TEXT = "of.error.text", Text, "Text", "HELLO_FAILED's text";
        OF_ERROR_REQUEST = "of.error.request", Group, "Offending message", "header of the offending message, when present";
        OF_ERROR_REQUEST_VERSION = "of.error.request.version", Uint, "Version", "version of the offending message";
        OF_ERROR_REQUEST_TYPE = "of.error.request.type", Named, "Type", "type of the offending message";
        OF_ERROR_REQUEST_LENGTH = "of.error.request.length", Uint, "Length", "length of the offending message";
        OF_ERROR_REQUEST_XID = "of.error.request.xid", Hex, "Transaction id", "transaction id of the offending message";
        OF_ERROR_DATA = "of.error.data", Bytes, "Data", "the data after type and code";
    }
}
