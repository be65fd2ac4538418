//! A table's Parquet file, its pages encoded here: definition levels, DELTA_BINARY_PACKED
//! numbers, PLAIN text and flags, every page snappy-compressed (for numbers, a fifth
//! smaller files for about 1 % more work). The parquet crate writes each page's
//! header, the row groups and the footer. Encoding the pages ourselves, from columns
//! gathered in their final shape (`column.rs`), costs a third of what Arrow arrays through
//! the crate's column writers cost (measured with callgrind on the messages table): no
//! levels computed from null buffers, no statistics of text, no buffer zeroed or grown
//! page after page.
//!
//! Each row group holds `PAGE_ROWS` × `PAGES_PER_ROW_GROUP` rows; each of its column
//! chunks is encoded in memory, a page at a time, and goes to the file when the row group
//! is full.

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, EncodingMask, LogicalType, Repetition, Type};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::{ColumnDescPtr, SchemaDescriptor, Type as SchemaType};

use super::column::{Column, ColumnDef, Kind};

/// Pages of a row group. A row group's chunks are held until it is full: a few MB for
/// `messages`, so the four tables of a capture (and of each `-j` job) stay small; a query
/// that filters on a number (`WHERE frame > ...`) skips whole row groups by their minimum
/// and maximum.
const PAGES_PER_ROW_GROUP: usize = 32;

/// DELTA_BINARY_PACKED's blocks: 128 deltas, in 4 miniblocks of 32 (what other writers
/// use).
const BLOCK: usize = 128;
const MINIBLOCKS: usize = 4;
const MINIBLOCK: usize = BLOCK / MINIBLOCKS;

/// A table's file: the `capture` column (the one value of a dictionary), then the
/// table's columns.
pub struct TableWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    /// The capture's name as the dictionary page holds it (PLAIN).
    capture: Vec<u8>,
    kinds: Vec<Kind>,
    descriptors: Vec<ColumnDescPtr>,
    /// The `capture` chunk, then one per column.
    chunks: Vec<Chunk>,
    /// Pages of the row group so far.
    pages: usize,
    /// A page as encoded, and as compressed.
    body: Vec<u8>,
    compressed: Vec<u8>,
    snappy: snap::raw::Encoder,
}

impl<W: Write + Send> TableWriter<W> {
    pub fn new(
        file: W,
        capture_column: &str,
        capture: &str,
        columns: &[ColumnDef],
    ) -> Result<Self> {
        let mut fields = vec![field(capture_column, None)?];
        for column in columns {
            fields.push(field(&column.name, Some(column.kind))?);
        }
        let schema = Arc::new(
            SchemaType::group_type_builder("schema")
                .with_fields(fields)
                .build()?,
        );
        let descriptors = SchemaDescriptor::new(schema.clone()).columns().to_vec();
        let file = SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::new()))?;
        let mut plain = Vec::new();
        plain_text(&mut plain, capture.as_bytes());
        Ok(TableWriter {
            file,
            capture: plain,
            kinds: columns.iter().map(|c| c.kind).collect(),
            chunks: (0..=columns.len()).map(|_| Chunk::default()).collect(),
            descriptors,
            pages: 0,
            body: Vec::new(),
            compressed: Vec::new(),
            snappy: snap::raw::Encoder::new(),
        })
    }

    /// Writes a page of each column (all of as many rows) and empties them; a full row
    /// group goes to the file.
    pub fn write(&mut self, columns: &mut [&mut Column]) -> Result<()> {
        let Some(rows) = columns.first().map(|c| c.rows()) else {
            return Ok(());
        };
        if rows == 0 {
            return Ok(());
        }
        self.write_capture(rows)?;
        for (index, column) in columns.iter_mut().enumerate() {
            debug_assert_eq!(column.rows(), rows);
            self.write_column(index + 1, column)?;
            column.clear();
        }
        self.pages += 1;
        if self.pages == PAGES_PER_ROW_GROUP {
            self.end_row_group()?;
        }
        Ok(())
    }

    /// The file, finished: its last row group and its footer written.
    pub fn finish(mut self) -> Result<W> {
        if self.pages > 0 {
            self.end_row_group()?;
        }
        Ok(self.file.into_inner()?)
    }

    /// The `capture` column's page: every row the dictionary's one value (a run of index
    /// 0, one bit wide), after the dictionary page at the start of the chunk.
    fn write_capture(&mut self, rows: usize) -> Result<()> {
        let chunk = &mut self.chunks[0];
        if chunk.values == 0 {
            let page = Page::DictionaryPage {
                buf: Bytes::copy_from_slice(&self.capture),
                num_values: 1,
                encoding: Encoding::PLAIN,
                is_sorted: true,
            };
            chunk.dictionary_offset = Some(chunk.page(page, self.capture.len())?);
        }
        self.body.clear();
        self.body.push(1);
        rle_run(&mut self.body, rows, 0);
        let page = data_page(&self.body, rows, Encoding::RLE_DICTIONARY);
        chunk.data(page, self.body.len(), rows)
    }

    fn write_column(&mut self, index: usize, column: &Column) -> Result<()> {
        self.body.clear();
        levels(&mut self.body, column);
        let encoding = match column.kind {
            Kind::Int32 => delta_binary_packed::<true>(&mut self.body, &column.numbers),
            Kind::Int64 | Kind::UInt64 => {
                delta_binary_packed::<false>(&mut self.body, &column.numbers)
            }
            Kind::Text => {
                self.body.extend_from_slice(&column.text);
                Encoding::PLAIN
            }
            Kind::Bool => {
                bits(&mut self.body, &column.numbers);
                Encoding::PLAIN
            }
        };
        let chunk = &mut self.chunks[index];
        chunk.nulls += (column.rows() - column.present) as u64;
        if matches!(column.kind, Kind::Int32 | Kind::Int64) {
            chunk.range(&column.numbers);
        }
        let most = snap::raw::max_compress_len(self.body.len());
        if self.compressed.len() < most {
            self.compressed.resize(most, 0);
        }
        let len = self.snappy.compress(&self.body, &mut self.compressed)?;
        let page = data_page(&self.compressed[..len], column.rows(), encoding);
        chunk.data(page, self.body.len(), column.rows())
    }

    /// Puts each column's chunk in the file as a row group.
    fn end_row_group(&mut self) -> Result<()> {
        let mut group = self.file.next_row_group()?;
        let kinds = std::iter::once(None).chain(self.kinds.iter().copied().map(Some));
        for ((chunk, descriptor), kind) in self.chunks.iter_mut().zip(&self.descriptors).zip(kinds)
        {
            let chunk = std::mem::take(chunk);
            let encodings = match kind {
                None => [Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY].iter(),
                Some(Kind::Int32 | Kind::Int64 | Kind::UInt64) => {
                    [Encoding::RLE, Encoding::DELTA_BINARY_PACKED].iter()
                }
                Some(Kind::Text | Kind::Bool) => [Encoding::PLAIN, Encoding::RLE].iter(),
            };
            let mut metadata = ColumnChunkMetaData::builder(descriptor.clone())
                .set_compression(match kind {
                    None => Compression::UNCOMPRESSED,
                    Some(_) => Compression::SNAPPY,
                })
                .set_encodings_mask(EncodingMask::new_from_encodings(encodings))
                .set_total_compressed_size(chunk.compressed)
                .set_total_uncompressed_size(chunk.uncompressed)
                .set_num_values(chunk.values)
                .set_data_page_offset(chunk.data_offset.unwrap_or(0))
                .set_dictionary_page_offset(chunk.dictionary_offset);
            match (kind, chunk.range) {
                (Some(Kind::Int32), Some((min, max))) => {
                    let (min, max) = (i32::try_from(min)?, i32::try_from(max)?);
                    let stats =
                        Statistics::int32(Some(min), Some(max), None, Some(chunk.nulls), false);
                    metadata = metadata.set_statistics(stats);
                }
                (Some(Kind::Int64), Some((min, max))) => {
                    let stats =
                        Statistics::int64(Some(min), Some(max), None, Some(chunk.nulls), false);
                    metadata = metadata.set_statistics(stats);
                }
                _ => {}
            }
            let bytes = Bytes::from(chunk.sink.into_inner()?);
            let close = ColumnCloseResult {
                bytes_written: bytes.len() as u64,
                rows_written: u64::try_from(chunk.values)?,
                metadata: metadata.build()?,
                bloom_filter: None,
                column_index: None,
                offset_index: None,
            };
            group.append_column(&bytes, close)?;
        }
        group.close()?;
        self.pages = 0;
        Ok(())
    }
}

/// A column in the schema: `capture` (no kind) is the one that is never null.
fn field(name: &str, kind: Option<Kind>) -> Result<Arc<SchemaType>> {
    let (physical, logical) = match kind {
        None | Some(Kind::Text) => (Type::BYTE_ARRAY, Some(LogicalType::String)),
        Some(Kind::Int32) => (Type::INT32, None),
        Some(Kind::Int64) => (Type::INT64, None),
        Some(Kind::UInt64) => (Type::INT64, Some(LogicalType::integer(64, false))),
        Some(Kind::Bool) => (Type::BOOLEAN, None),
    };
    let repetition = match kind {
        None => Repetition::REQUIRED,
        Some(_) => Repetition::OPTIONAL,
    };
    Ok(Arc::new(
        SchemaType::primitive_type_builder(name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()?,
    ))
}

fn data_page(body: &[u8], rows: usize, encoding: Encoding) -> Page {
    Page::DataPage {
        buf: Bytes::copy_from_slice(body),
        num_values: u32::try_from(rows).unwrap_or(u32::MAX),
        encoding,
        def_level_encoding: Encoding::RLE,
        rep_level_encoding: Encoding::RLE,
        statistics: None,
    }
}

/// A column chunk being encoded: its pages so far, and what its metadata will say.
struct Chunk {
    sink: TrackedWrite<Vec<u8>>,
    dictionary_offset: Option<i64>,
    data_offset: Option<i64>,
    compressed: i64,
    uncompressed: i64,
    values: i64,
    nulls: u64,
    /// The least and greatest number (signed columns).
    range: Option<(i64, i64)>,
}

impl Default for Chunk {
    fn default() -> Chunk {
        Chunk {
            sink: TrackedWrite::new(Vec::new()),
            dictionary_offset: None,
            data_offset: None,
            compressed: 0,
            uncompressed: 0,
            values: 0,
            nulls: 0,
            range: None,
        }
    }
}

impl Chunk {
    /// Writes a page (its header, then it) and says where it starts.
    fn page(&mut self, page: Page, uncompressed: usize) -> Result<i64> {
        let spec = SerializedPageWriter::new(&mut self.sink)
            .write_page(CompressedPage::new(page, uncompressed))?;
        self.compressed += i64::try_from(spec.compressed_size)?;
        self.uncompressed += i64::try_from(spec.uncompressed_size)?;
        Ok(i64::try_from(spec.offset)?)
    }

    fn data(&mut self, page: Page, uncompressed: usize, rows: usize) -> Result<()> {
        let offset = self.page(page, uncompressed)?;
        self.data_offset.get_or_insert(offset);
        self.values += i64::try_from(rows)?;
        Ok(())
    }

    fn range(&mut self, numbers: &[i64]) {
        for &n in numbers {
            self.range = Some(match self.range {
                Some((min, max)) => (min.min(n), max.max(n)),
                None => (n, n),
            });
        }
    }
}

/// The definition levels of an optional column's page, as a v1 data page holds them
/// (their length, then the RLE/bit-packed runs of one bit): one run when every value is
/// there or none is, else one bit-packed run of them all (groups of 8 values, least
/// significant bit first).
fn levels(out: &mut Vec<u8>, column: &Column) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    if column.present == column.rows() {
        rle_run(out, column.rows(), 1);
    } else if column.present == 0 {
        rle_run(out, column.rows(), 0);
    } else {
        uleb128(out, ((column.rows().div_ceil(8) as u64) << 1) | 1);
        bits(out, &column.valid);
    }
    let len = u32::try_from(out.len() - start - 4).unwrap_or(u32::MAX);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

/// A run of `count` times a value of one byte (bit widths 1 to 8).
fn rle_run(out: &mut Vec<u8>, count: usize, value: u8) {
    uleb128(out, (count as u64) << 1);
    out.push(value);
}

/// Flags (PLAIN booleans, bit-packed levels): one bit each, least significant first.
fn bits<T: Copy + Default + PartialEq>(out: &mut Vec<u8>, flags: &[T]) {
    for eight in flags.chunks(8) {
        let byte = eight.iter().enumerate().fold(0u8, |byte, (i, &f)| {
            byte | (u8::from(f != T::default()) << i)
        });
        out.push(byte);
    }
}

fn plain_text(out: &mut Vec<u8>, text: &[u8]) {
    out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(text);
}

/// Numbers DELTA_BINARY_PACKED: a header (block size, miniblocks, count, first value),
/// then blocks of the differences between neighbours: the least difference, each
/// miniblock's bit width, and the differences less the least, bit-packed. `INT32`: the
/// arithmetic wraps at 32 bits, as a reader of an INT32 column computes.
fn delta_binary_packed<const INT32: bool>(out: &mut Vec<u8>, numbers: &[i64]) -> Encoding {
    uleb128(out, BLOCK as u64);
    uleb128(out, MINIBLOCKS as u64);
    uleb128(out, numbers.len() as u64);
    let Some((&first, rest)) = numbers.split_first() else {
        zigzag(out, 0);
        return Encoding::DELTA_BINARY_PACKED;
    };
    zigzag(out, first);
    let mut previous = first;
    let mut deltas = [0i64; BLOCK];
    for block in rest.chunks(BLOCK) {
        for (delta, &n) in deltas.iter_mut().zip(block) {
            *delta = if INT32 {
                i64::from((n as i32).wrapping_sub(previous as i32))
            } else {
                n.wrapping_sub(previous)
            };
            previous = n;
        }
        let deltas = &deltas[..block.len()];
        let least = deltas.iter().copied().min().unwrap_or(0);
        zigzag(out, least);
        let widths = out.len();
        out.extend_from_slice(&[0; MINIBLOCKS]);
        for (index, mini) in deltas.chunks(MINIBLOCK).enumerate() {
            let mut packed = [0u64; MINIBLOCK];
            for (p, &d) in packed.iter_mut().zip(mini) {
                *p = if INT32 {
                    u64::from((d as i32).wrapping_sub(least as i32) as u32)
                } else {
                    d.wrapping_sub(least) as u64
                };
            }
            let width = 64 - packed.iter().fold(0, |all, p| all | p).leading_zeros();
            out[widths + index] = width as u8;
            pack(out, &packed, width);
        }
    }
    Encoding::DELTA_BINARY_PACKED
}

/// A miniblock's values in `width` bits each, least significant first.
fn pack(out: &mut Vec<u8>, values: &[u64; MINIBLOCK], width: u32) {
    let mut pending: u128 = 0;
    let mut bits = 0;
    for &v in values {
        pending |= u128::from(v) << bits;
        bits += width;
        if bits >= 64 {
            out.extend_from_slice(&(pending as u64).to_le_bytes());
            pending >>= 64;
            bits -= 64;
        }
    }
    // 32 values of `width` bits: a whole number of 32-bit words, so 0 or 4 bytes remain.
    out.extend_from_slice(&(pending as u64).to_le_bytes()[..bits as usize / 8]);
}

fn zigzag(out: &mut Vec<u8>, n: i64) {
    uleb128(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn uleb128(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    use super::*;

    /// A value a column holds in the test, or none.
    #[derive(Clone, Debug, PartialEq)]
    enum Value {
        Null,
        Number(i64),
        Unsigned(u64),
        Text(String),
        Flag(bool),
    }

    /// Numbers that walk, jump to the extremes and wrap: every bit width, and
    /// differences that overflow.
    fn number(state: &mut u64, kind: Kind) -> i64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let wide = match *state % 7 {
            0 => i64::MIN,
            1 => i64::MAX,
            2 => 0,
            3 => -1,
            4 => (*state >> 20) as i64 % 1000,
            _ => *state as i64,
        };
        match (kind, *state % 7) {
            (Kind::Int32, 0) => i64::from(i32::MIN),
            (Kind::Int32, 1) => i64::from(i32::MAX),
            (Kind::Int32, _) => i64::from(wide as i32),
            _ => wide,
        }
    }

    fn value(state: &mut u64, kind: Kind, row: usize, page: usize) -> Value {
        // A page of nulls, a page without one, and nulls here and there in the others.
        let null = match page % 4 {
            1 => true,
            2 => false,
            _ => (*state).is_multiple_of(3),
        };
        let n = number(state, kind);
        if null {
            return Value::Null;
        }
        match kind {
            Kind::Int32 | Kind::Int64 => Value::Number(n),
            Kind::UInt64 => Value::Unsigned(n as u64),
            Kind::Text => Value::Text(match row % 3 {
                0 => String::new(),
                1 => format!("héllo {n}"),
                _ => "x".repeat(row % 300),
            }),
            Kind::Bool => Value::Flag(n % 2 == 0),
        }
    }

    fn append(column: &mut Column, value: &Value) {
        match (column.kind, value) {
            (Kind::Int32 | Kind::Int64, Value::Number(n)) => column.number(Some(*n)),
            (Kind::Int32 | Kind::Int64, _) => column.number(None),
            (Kind::UInt64, Value::Unsigned(n)) => column.unsigned(Some(*n)),
            (Kind::UInt64, _) => column.unsigned(None),
            (Kind::Text, Value::Text(t)) => column.text(Some(t)),
            (Kind::Text, _) => column.text(None),
            (Kind::Bool, Value::Flag(f)) => column.flag(Some(*f)),
            (Kind::Bool, _) => column.flag(None),
        }
    }

    fn read(field: &Field) -> Value {
        match field {
            Field::Null => Value::Null,
            Field::Int(n) => Value::Number(i64::from(*n)),
            Field::Long(n) => Value::Number(*n),
            Field::ULong(n) => Value::Unsigned(*n),
            Field::Str(t) => Value::Text(t.clone()),
            Field::Bool(f) => Value::Flag(*f),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// What the writer writes, the parquet crate's own reader reads back, value for
    /// value: pages of several sizes (1 row, under 8, a block and one, more than a row
    /// group holds), every kind, nulls in every pattern.
    #[test]
    fn pages_read_back_as_written() {
        let kinds = [
            Kind::Int32,
            Kind::Int64,
            Kind::UInt64,
            Kind::Text,
            Kind::Bool,
        ];
        let defs: Vec<ColumnDef> = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| ColumnDef::new(format!("c{i}"), k))
            .collect();
        let mut writer = TableWriter::new(Vec::new(), "capture", "a.pcap", &defs).unwrap();
        let mut state = 0x9E37_79B9_7F4A_7C15;
        let mut expected: Vec<Vec<Value>> = Vec::new();
        let sizes = [1, 7, 129, 1000, 8, 3, 2048, 0, 5, 64, 700, 1, 9, 130, 4000];
        // More pages than a row group holds: several row groups.
        let pages = sizes.iter().cycle().take(PAGES_PER_ROW_GROUP * 2 + 3);
        for (page, &rows) in pages.enumerate() {
            let mut columns: Vec<Column> = kinds.iter().map(|&k| Column::new(k)).collect();
            for row in 0..rows {
                let values: Vec<Value> = kinds
                    .iter()
                    .map(|&k| value(&mut state, k, row, page))
                    .collect();
                for (column, v) in columns.iter_mut().zip(&values) {
                    append(column, v);
                }
                expected.push(values);
            }
            writer
                .write(&mut columns.iter_mut().collect::<Vec<_>>())
                .unwrap();
        }
        let file = Bytes::from(writer.finish().unwrap());
        let reader = SerializedFileReader::new(file).unwrap();
        let groups = reader.metadata().num_row_groups();
        assert!(groups >= 2, "{groups} row groups");
        let mut read_rows = 0;
        for (row, expected) in reader.get_row_iter(None).unwrap().zip(&expected) {
            let row = row.unwrap();
            let fields: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
            assert_eq!(fields[0], &Field::Str("a.pcap".into()));
            let values: Vec<Value> = fields[1..].iter().map(|f| read(f)).collect();
            assert_eq!(&values, expected, "row {read_rows}");
            read_rows += 1;
        }
        assert_eq!(read_rows, expected.len());
    }

    /// Each row group's minimum and maximum of a number column are those of its values.
    #[test]
    fn number_statistics_are_the_values_range() {
        let defs = [ColumnDef::new("n", Kind::Int64)];
        let mut writer = TableWriter::new(Vec::new(), "capture", "a", &defs).unwrap();
        let mut column = Column::new(Kind::Int64);
        for n in [5, -3, 12] {
            column.number(Some(n));
        }
        column.number(None);
        writer.write(&mut [&mut column]).unwrap();
        let reader = SerializedFileReader::new(Bytes::from(writer.finish().unwrap())).unwrap();
        let stats = reader
            .metadata()
            .row_group(0)
            .column(1)
            .statistics()
            .unwrap();
        match stats {
            Statistics::Int64(s) => {
                assert_eq!((s.min_opt(), s.max_opt()), (Some(&-3), Some(&12)));
                assert_eq!(s.null_count_opt(), Some(1));
            }
            other => panic!("{other:?}"),
        }
    }
}
