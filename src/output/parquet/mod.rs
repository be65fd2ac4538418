//! `pcap --parquet DIR`: each capture as four Parquet tables for a data lake (DuckDB, Spark,
//! Trino): `messages`, `latency`, `findings` and `flow_events` (docs/parquet.md).
//!
//! A table's rows go to `DIR/TABLE/CAPTURE.parquet`, one file per table and capture, so
//! the outputs of many runs sit side by side and one glob (`DIR/**/messages/*.parquet`)
//! reads them all; every row names its capture. Rows are gathered in Arrow columns a
//! batch at a time and written in row groups as they come: memory holds one row group per
//! table, never the capture.

mod findings;
mod flow_events;
mod latency;
mod messages;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use ofscope_dissectors::printable::Echo;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::analysis::{Analyzer, SwitchKey};
use crate::files::AtomicFile;
use crate::session::{format_dpid, OfRecord};

/// Rows gathered in Arrow columns before they go to the writer as one batch.
const BATCH_ROWS: usize = 8192;
/// Rows of a row group. The writer holds a row group's encoded pages until it is full: a
/// few MB for `messages`, so four tables of a capture (and of each `-j` job) stay small.
const ROW_GROUP_ROWS: usize = 65_536;

/// The column every table starts with: the capture file the row comes from.
const CAPTURE: &str = "capture";

/// One table: its name (its folder in DIR), its columns after `capture`, and the rows
/// gathered for the next batch.
trait Rows: Default {
    const NAME: &'static str;
    fn fields() -> Vec<Field>;
    fn len(&self) -> usize;
    /// The gathered rows as columns (in the order of `fields`); the builders start afresh.
    fn columns(&mut self) -> Vec<ArrayRef>;
}

/// Every table's folder, in the order docs/parquet.md describes them.
pub const TABLES: [&str; 4] = [
    messages::Rows::NAME,
    latency::Rows::NAME,
    findings::Rows::NAME,
    flow_events::Rows::NAME,
];

/// Makes DIR and its table folders, before any capture is read: a bad DIR is said once.
pub fn prepare(dir: &Path) -> Result<()> {
    for table in TABLES {
        let folder = dir.join(table);
        std::fs::create_dir_all(&folder).with_context(|| {
            format!(
                "cannot create the Parquet folder {}; check the path and permissions",
                Echo::path(&folder)
            )
        })?;
    }
    Ok(())
}

/// The file name (without `.parquet`) each capture's rows get: its own name without the
/// capture extensions, made unique among the inputs by a `-2`, `-3`, ... in input order
/// (captures of the same name from several folders are common: one folder per switch).
pub fn capture_names<'a>(inputs: impl Iterator<Item = &'a PathBuf>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for path in inputs {
        let base = if crate::capture::is_stdin(path) {
            "stdin".to_owned()
        } else {
            stem(path)
        };
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}-{n}");
        }
        names.push(name);
    }
    names
}

fn stem(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".to_owned());
    for extension in [".gz", ".pcapng", ".pcap", ".cap"] {
        if let Some(stripped) = name.strip_suffix(extension).filter(|s| !s.is_empty()) {
            name = stripped.to_owned();
        }
    }
    name
}

/// The four tables of one capture, written as its messages are read and its analysis
/// decides.
pub struct CaptureTables {
    messages: TableFile<messages::Rows>,
    latency: TableFile<latency::Rows>,
    findings: TableFile<findings::Rows>,
    flow_events: TableFile<flow_events::Rows>,
}

impl CaptureTables {
    /// Starts the files `DIR/TABLE/NAME.parquet` of the capture `capture`.
    pub fn create(dir: &Path, name: &str, capture: &Path) -> Result<CaptureTables> {
        let capture = capture.to_string_lossy();
        Ok(CaptureTables {
            messages: TableFile::create(dir, name, &capture)?,
            latency: TableFile::create(dir, name, &capture)?,
            findings: TableFile::create(dir, name, &capture)?,
            flow_events: TableFile::create(dir, name, &capture)?,
        })
    }

    pub fn message(&mut self, record: &OfRecord) -> Result<()> {
        self.messages.rows.push(record);
        self.messages.write_if_full()
    }

    /// Writes what the analysis decided since the last call (pairs, flow-table events).
    pub fn analysis(&mut self, analyzer: &mut Analyzer) -> Result<()> {
        let decisions = analyzer.take_decisions();
        self.latency.rows.push(&decisions);
        self.latency.write_if_full()?;
        let events = &mut self.flow_events.rows;
        analyzer.drain_flow_events(|key, number, event| events.push(key, number, event));
        self.flow_events.write_if_full()
    }

    /// The capture is read and its analysis finished: the rest, then the files are closed
    /// and put in place.
    pub fn finish(mut self, analyzer: &mut Analyzer) -> Result<()> {
        self.analysis(analyzer)?;
        self.findings.rows.push(analyzer.findings());
        self.messages.close()?;
        self.latency.close()?;
        self.findings.close()?;
        self.flow_events.close()
    }
}

/// One table of one capture: a Parquet file written under a temporary name and put in
/// place when it is closed. The Parquet encoding (the larger part of the cost) runs on a
/// thread of its own, a batch or two behind the reading.
struct TableFile<R: Rows> {
    path: PathBuf,
    schema: SchemaRef,
    /// The dictionary of the `capture` column: the one capture.
    capture: Arc<StringArray>,
    batches: Option<SyncSender<RecordBatch>>,
    /// The encoding thread; it gives back the file, or why it could not write it.
    encoder: Option<JoinHandle<Result<AtomicFile>>>,
    rows: R,
}

impl<R: Rows> TableFile<R> {
    fn create(dir: &Path, name: &str, capture: &str) -> Result<TableFile<R>> {
        let path = dir.join(R::NAME).join(format!("{name}.parquet"));
        let mut fields = vec![Field::new(
            CAPTURE,
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        )];
        fields.extend(R::fields());
        let schema = Arc::new(Schema::new(fields));
        // Plain encoding and snappy: dictionaries cost more to build than they save here.
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let file = AtomicFile::create(&path).with_context(|| cannot_write(&path))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .with_context(|| cannot_write(&path))?;
        let (batches, received) = sync_channel::<RecordBatch>(2);
        let encoder = std::thread::Builder::new()
            .name(format!("parquet {}", R::NAME))
            .spawn(move || -> Result<AtomicFile> {
                for batch in received {
                    writer.write(&batch)?;
                }
                Ok(writer.into_inner()?)
            })
            .with_context(|| cannot_write(&path))?;
        Ok(TableFile {
            path,
            schema,
            capture: Arc::new(StringArray::from(vec![capture])),
            batches: Some(batches),
            encoder: Some(encoder),
            rows: R::default(),
        })
    }

    fn write_if_full(&mut self) -> Result<()> {
        if self.rows.len() >= BATCH_ROWS {
            self.write()?;
        }
        Ok(())
    }

    fn write(&mut self) -> Result<()> {
        let rows = self.rows.len();
        if rows == 0 {
            return Ok(());
        }
        let keys = Int32Array::from(vec![0; rows]);
        let capture = DictionaryArray::<Int32Type>::try_new(keys, self.capture.clone())?;
        let mut columns: Vec<ArrayRef> = vec![Arc::new(capture)];
        columns.extend(self.rows.columns());
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        match self.batches.as_ref().map(|b| b.send(batch)) {
            Some(Ok(())) => Ok(()),
            // The encoder stopped on an error: say which, now.
            _ => self.encoded().map(drop),
        }
    }

    /// Ends the encoder's input and waits for it.
    fn encoded(&mut self) -> Result<AtomicFile> {
        self.batches = None;
        let path = &self.path;
        self.encoder
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} is closed", Echo::path(path)))?
            .join()
            .map_err(|_| anyhow::anyhow!("the Parquet encoder of {} failed", Echo::path(path)))?
            .with_context(|| cannot_write(path))
    }

    /// Writes the last rows, waits for the encoder and puts the file in place.
    fn close(mut self) -> Result<()> {
        self.write()?;
        let file = self.encoded()?;
        file.commit().with_context(|| cannot_write(&self.path))
    }
}

impl<R: Rows> Drop for TableFile<R> {
    /// A table left unclosed (its capture failed): the encoder ends and its temporary
    /// file is removed before the process exits.
    fn drop(&mut self) {
        if self.encoder.is_some() {
            let _ = self.encoded();
        }
    }
}

fn cannot_write(path: &Path) -> String {
    format!("cannot write {}", Echo::path(path))
}

/// A switch as the reports name it: its datapath id, or (before FEATURES_REPLY named it)
/// its connection.
fn switch_columns(key: SwitchKey) -> (Option<String>, Option<i64>) {
    match key {
        SwitchKey::Dpid(d) => (Some(format_dpid(d)), None),
        SwitchKey::Conn(c) => (None, Some(i64::from(c))),
    }
}

/// A nullable column of numbers.
fn int_field(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}

/// A nullable column of text.
fn text_field(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

/// Numbers are stored as 64-bit signed integers (Spark and DuckDB read them alike);
/// a value above `i64::MAX` (only a 64-bit field could have one) is saturated.
fn int(v: impl Into<u64>) -> i64 {
    i64::try_from(v.into()).unwrap_or(i64::MAX)
}
