//! `pcap --parquet DIR`: each capture as four Parquet tables for a data lake (DuckDB, Spark,
//! Trino): `messages`, `latency`, `findings` and `flow_events` (docs/parquet.md).
//!
//! A table's rows go to `DIR/TABLE/CAPTURE.parquet`, one file per table and capture, so
//! the outputs of many runs sit side by side and one glob (`DIR/**/messages/*.parquet`)
//! reads them all; every row names its capture. Each table's rows are gathered in columns
//! a page at a time on a thread of the table's own, encoded there (`page.rs`), and written
//! in row groups as they come: memory holds one row group per table, never the capture.

/// Declares a table's `Rows`: each column once, with its kind (every column may be
/// null); its name is the field's unless given (`match_ as "match"`). The table's own `add`
/// takes an `input` and appends to the columns, counting `len`; `scratch` adds fields of
/// its own.
macro_rules! column_rows {
    (@name $column:ident) => { stringify!($column) };
    (@name $column:ident $rename:literal) => { $rename };
    (
        $table:literal from $input:ty {
            $($column:ident $(as $rename:literal)?: $kind:ident,)*
        }
        scratch { $($extra:ident: $extra_type:ty,)* }
    ) => {
        pub struct Rows {
            $($column: super::column::Column,)*
            len: usize,
            $($extra: $extra_type,)*
        }

        impl Default for Rows {
            fn default() -> Rows {
                Rows {
                    $($column: super::column::Column::new(super::column::Kind::$kind),)*
                    len: 0,
                    $($extra: Default::default(),)*
                }
            }
        }

        impl super::Rows for Rows {
            const NAME: &'static str = $table;
            type Bunch = Vec<$input>;

            fn push(&mut self, inputs: &Self::Bunch) {
                for input in inputs {
                    self.add(input);
                }
            }

            fn fields() -> Vec<super::column::ColumnDef> {
                vec![$(super::column::ColumnDef::new(
                    column_rows!(@name $column $($rename)?),
                    super::column::Kind::$kind,
                ),)*]
            }

            fn len(&self) -> usize {
                self.len
            }

            fn columns(&mut self) -> Vec<&mut super::column::Column> {
                self.len = 0;
                vec![$(&mut self.$column,)*]
            }
        }
    };
}

mod column;
mod findings;
mod flow_events;
mod latency;
mod messages;
mod page;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use ofscope_dissectors::printable::Echo;

use crate::analysis::{Analyzer, FastMap, SwitchKey};
use crate::files::AtomicFile;
use crate::session::{format_dpid, OfRecord};
use column::{Column, ColumnDef};
use page::TableWriter;

/// Rows gathered in columns before they are encoded as a page of each column. Small
/// enough that a page of every column stays in the caches until it is encoded.
const PAGE_ROWS: usize = 2048;
/// Rows' worth of inputs the reading thread hands over at a time, and how many such
/// hand-overs may wait for a table's thread. Small: the messages in flight (a few hundred
/// KB) stay in the caches (tried: 512 and 1,024 rows a time, and 64 waiting: no faster).
const HAND_OVER_ROWS: usize = 128;
const HAND_OVERS_WAITING: usize = 6;

/// The column every table starts with: the capture file the row comes from.
const CAPTURE: &str = "capture";

/// One table: its name (its folder in DIR), what the reading thread hands over for it,
/// its columns after `capture`, and the rows gathered for the next page.
trait Rows: Default + Send + 'static {
    const NAME: &'static str;
    /// Inputs handed over together: the rows are gathered on the table's own thread, off
    /// the reading one.
    type Bunch: Bunch;
    /// Gathers the rows of a bunch of inputs.
    fn push(&mut self, bunch: &Self::Bunch);
    fn fields() -> Vec<ColumnDef>;
    fn len(&self) -> usize;
    /// The gathered rows as columns (in the order of `fields`), a page of each, to be
    /// written and emptied; the count starts afresh.
    fn columns(&mut self) -> Vec<&mut Column>;
}

/// Inputs the reading thread hands over together; the table's thread gives the bunch back
/// to be reused (or freed: glibc frees memory of another thread's dearly).
trait Bunch: Default + Send + 'static {
    /// What the reading thread adds.
    type Input<'a>;
    fn add(&mut self, input: Self::Input<'_>);
    fn is_empty(&self) -> bool;
    fn clear(&mut self);
}

/// Inputs moved in as they are.
impl<T: Send + 'static> Bunch for Vec<T> {
    type Input<'a> = T;

    fn add(&mut self, input: T) {
        self.push(input);
    }

    fn is_empty(&self) -> bool {
        <[T]>::is_empty(self)
    }

    fn clear(&mut self) {
        Vec::clear(self);
    }
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
        self.messages.push(record, 1)
    }

    /// Hands over what the analysis decided since the last call (pairs, flow-table
    /// events).
    pub fn analysis(&mut self, analyzer: &mut Analyzer) -> Result<()> {
        let decisions = analyzer.take_decisions();
        let rows = decisions.count();
        self.latency.push(decisions, rows)?;
        let mut result = Ok(());
        analyzer.drain_flow_events(|key, number, event| {
            if result.is_ok() {
                result = self.flow_events.push((key, number, event), 1);
            }
        });
        result
    }

    /// The capture is read and its analysis finished: the rest, then the files are closed
    /// and put in place.
    pub fn finish(mut self, analyzer: &mut Analyzer) -> Result<()> {
        self.analysis(analyzer)?;
        let findings = analyzer.findings().clone();
        let rows = findings.list().len();
        self.findings.push(findings, rows)?;
        self.messages.close()?;
        self.latency.close()?;
        self.findings.close()?;
        self.flow_events.close()
    }
}

/// One table of one capture: a Parquet file written under a temporary name and put in
/// place when it is closed. The reading thread hands the table's inputs over in bunches;
/// a thread of the table's own gathers them into columns and encodes them (the larger
/// part of the cost), so reading goes on meanwhile.
struct TableFile<R: Rows> {
    path: PathBuf,
    /// Inputs not handed over yet, and the rows they make.
    pending: R::Bunch,
    pending_rows: usize,
    inputs: Option<SyncSender<R::Bunch>>,
    /// Bunches the table's thread is done with, given back to be reused (or freed) here:
    /// glibc frees memory of another thread's dearly (measured: freeing the records on the
    /// table's thread cost it more instructions than it saved the reading thread).
    done: Receiver<R::Bunch>,
    /// The table's thread; it gives back the file, or why it could not write it.
    writer: Option<JoinHandle<Result<AtomicFile>>>,
}

impl<R: Rows> TableFile<R> {
    fn create(dir: &Path, name: &str, capture: &str) -> Result<TableFile<R>> {
        let path = dir.join(R::NAME).join(format!("{name}.parquet"));
        let file = AtomicFile::create(&path).with_context(|| cannot_write(&path))?;
        let mut writer = TableWriter::new(file, CAPTURE, capture, &R::fields())
            .with_context(|| cannot_write(&path))?;
        let (inputs, received) = sync_channel::<R::Bunch>(HAND_OVERS_WAITING);
        let (give_back, done) = sync_channel::<R::Bunch>(HAND_OVERS_WAITING);
        // One thread gathers the rows into columns and encodes each page: the page is
        // still in its core's caches when it is encoded.
        let writer = spawn(R::NAME, &path, move || {
            let mut rows = R::default();
            for bunch in received {
                rows.push(&bunch);
                if rows.len() >= PAGE_ROWS {
                    writer.write(&mut rows.columns())?;
                }
                // Should the reading thread be gone or behind, it is freed here.
                let _ = give_back.try_send(bunch);
            }
            if rows.len() > 0 {
                writer.write(&mut rows.columns())?;
            }
            writer.finish()
        })?;
        Ok(TableFile {
            path,
            pending: R::Bunch::default(),
            pending_rows: 0,
            inputs: Some(inputs),
            done,
            writer: Some(writer),
        })
    }

    /// Takes an input that makes `rows` rows.
    fn push(&mut self, input: <R::Bunch as Bunch>::Input<'_>, rows: usize) -> Result<()> {
        self.pending.add(input);
        self.pending_rows += rows;
        if self.pending_rows >= HAND_OVER_ROWS {
            self.hand_over()?;
        }
        Ok(())
    }

    fn hand_over(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let next = match self.done.try_recv() {
            Ok(mut done) => {
                done.clear();
                done
            }
            Err(_) => R::Bunch::default(),
        };
        let bunch = std::mem::replace(&mut self.pending, next);
        self.pending_rows = 0;
        match self.inputs.as_ref().map(|i| i.send(bunch)) {
            Some(Ok(())) => Ok(()),
            // The table's thread stopped on an error: say which, now.
            _ => self.written().map(drop),
        }
    }

    /// Ends the table's input and waits for its thread.
    fn written(&mut self) -> Result<AtomicFile> {
        self.inputs = None;
        let path = &self.path;
        self.writer
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} is closed", Echo::path(path)))?
            .join()
            .map_err(|_| anyhow::anyhow!("the Parquet writer of {} failed", Echo::path(path)))?
            .with_context(|| cannot_write(path))
    }

    /// Hands over the last inputs, waits for the table's thread and puts the file in place.
    fn close(mut self) -> Result<()> {
        self.hand_over()?;
        let file = self.written()?;
        file.commit().with_context(|| cannot_write(&self.path))
    }
}

impl<R: Rows> Drop for TableFile<R> {
    /// A table left unclosed (its capture failed): its thread ends and its temporary file
    /// is removed before the process exits.
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.written();
        }
    }
}

/// Starts a table's thread, named after the table as `top -H` shows it.
fn spawn(
    table: &str,
    path: &Path,
    work: impl FnOnce() -> Result<AtomicFile> + Send + 'static,
) -> Result<JoinHandle<Result<AtomicFile>>> {
    std::thread::Builder::new()
        .name(format!("{table} table"))
        .spawn(work)
        .with_context(|| cannot_write(path))
}

fn cannot_write(path: &Path) -> String {
    format!("cannot write {}", Echo::path(path))
}

/// The switches' datapath ids as text, each made once (rather than once per row), for
/// every table.
#[derive(Default)]
struct DpidNames(FastMap<u64, String>);

impl DpidNames {
    /// Switches named at once, beyond which the names are made afresh (a bound for
    /// captures of very many switches).
    const KEPT: usize = 4096;

    /// Names the datapath ids not named yet; `get` then finds each.
    fn learn(&mut self, dpids: impl IntoIterator<Item = u64>) {
        if self.0.len() > Self::KEPT {
            self.0.clear();
        }
        for dpid in dpids {
            self.0.entry(dpid).or_insert_with(|| format_dpid(dpid));
        }
    }

    /// The name of a datapath id `learn` was given.
    fn get(&self, dpid: Option<u64>) -> Option<&str> {
        dpid.and_then(|d| self.0.get(&d)).map(String::as_str)
    }

    fn of(&mut self, dpid: Option<u64>) -> Option<&str> {
        self.learn(dpid);
        self.get(dpid)
    }

    /// A switch as the reports name it: its datapath id, or (before FEATURES_REPLY named
    /// it) its connection.
    fn switch(&mut self, key: SwitchKey) -> (Option<&str>, Option<i64>) {
        match key {
            SwitchKey::Dpid(d) => (self.of(Some(d)), None),
            SwitchKey::Conn(c) => (None, Some(i64::from(c))),
        }
    }
}

/// The 64-bit columns take numbers as signed integers (Spark and DuckDB read them alike);
/// a value above `i64::MAX` (only a 64-bit field could have one) is saturated.
fn int(v: impl Into<u64>) -> i64 {
    i64::try_from(v.into()).unwrap_or(i64::MAX)
}
