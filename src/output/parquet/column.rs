//! A column's values gathered for one page: whether each row has a value (a byte each,
//! cheaper to append than a bit), text already as Parquet's PLAIN bytes (each value's
//! length, then the value), numbers as they are (encoded when the page is written, see
//! `page.rs`).

use super::PAGE_ROWS;

/// A text column's bytes, sized for a page of addresses.
const TEXT_BYTES: usize = PAGE_ROWS * 24;

/// What a column holds, and so its Parquet type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// INT32: the fields of 16 bits or fewer, half the bytes of INT64 to encode.
    Int32,
    Int64,
    /// INT64 annotated as unsigned (a cookie): the bits of the number.
    UInt64,
    /// BYTE_ARRAY annotated as a string (UTF-8).
    Text,
    Bool,
}

/// A column's name and kind.
pub struct ColumnDef {
    pub name: String,
    pub kind: Kind,
}

impl ColumnDef {
    pub fn new(name: impl Into<String>, kind: Kind) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            kind,
        }
    }
}

/// The values of one column for one page (every column of a table has as many rows).
pub struct Column {
    pub kind: Kind,
    /// Byte `i` is 1 when row `i` has a value, else 0.
    pub valid: Vec<u8>,
    /// Rows with a value.
    pub present: usize,
    /// The numbers present (unsigned ones as their bits, flags as 0 and 1).
    pub numbers: Vec<i64>,
    /// The text present, PLAIN: each value's length (4 bytes, little-endian), then it.
    pub text: Vec<u8>,
}

impl Column {
    /// A column sized for a page (growing it value by value would copy it over and over).
    pub fn new(kind: Kind) -> Column {
        let (numbers, text) = match kind {
            Kind::Text => (0, TEXT_BYTES),
            _ => (PAGE_ROWS, 0),
        };
        Column {
            kind,
            valid: Vec::with_capacity(PAGE_ROWS),
            present: 0,
            numbers: Vec::with_capacity(numbers),
            text: Vec::with_capacity(text),
        }
    }

    /// Counts a row, with a value or without.
    fn row(&mut self, present: bool) {
        self.valid.push(u8::from(present));
        self.present += usize::from(present);
    }

    /// Rows gathered, with a value or without.
    pub fn rows(&self) -> usize {
        self.valid.len()
    }

    /// `count` rows without a value.
    pub fn nulls(&mut self, count: usize) {
        self.valid.resize(self.valid.len() + count, 0);
    }

    /// A number (Int32 columns take only values of 32 bits).
    pub fn number(&mut self, value: Option<i64>) {
        debug_assert!(matches!(self.kind, Kind::Int32 | Kind::Int64));
        if let Some(v) = value {
            self.numbers.push(v);
        }
        self.row(value.is_some());
    }

    pub fn unsigned(&mut self, value: Option<u64>) {
        debug_assert_eq!(self.kind, Kind::UInt64);
        if let Some(v) = value {
            self.numbers.push(i64::from_ne_bytes(v.to_ne_bytes()));
        }
        self.row(value.is_some());
    }

    pub fn flag(&mut self, value: Option<bool>) {
        debug_assert_eq!(self.kind, Kind::Bool);
        if let Some(v) = value {
            self.numbers.push(i64::from(v));
        }
        self.row(value.is_some());
    }

    pub fn text(&mut self, value: Option<&str>) {
        self.text_from(|out| value.map(|v| out.extend_from_slice(v.as_bytes())).is_some());
    }

    /// A text value `write` appends as UTF-8 (false: none, and what it appended is
    /// dropped).
    pub fn text_from(&mut self, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        debug_assert_eq!(self.kind, Kind::Text);
        let start = self.text.len();
        self.text.extend_from_slice(&[0; 4]);
        let present = write(&mut self.text);
        if present {
            // A page holds far less than 4 GB.
            let len = u32::try_from(self.text.len() - start - 4).unwrap_or(u32::MAX);
            self.text[start..start + 4].copy_from_slice(&len.to_le_bytes());
        } else {
            self.text.truncate(start);
        }
        self.row(present);
    }

    /// Empties the column for the next page, keeping its memory (warm in the caches).
    pub fn clear(&mut self) {
        self.valid.clear();
        self.present = 0;
        self.numbers.clear();
        self.text.clear();
    }
}
