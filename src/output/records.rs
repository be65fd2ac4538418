//! The per-message views shared by `pcap` and `live`: the display filter that picks
//! messages, and one text line (with `-V` the detail tree under it) or one JSON object per
//! message.

use std::fmt::Write as _;
use std::io::{self, Write};

use ofscope_dissectors::printable::Printable;
use ofscope_dissectors::tree::Tree;

use crate::analysis::FastMap;
use crate::cli::{Format, MessageFormat, ViewArgs};
use crate::filter::{Channel, Context, Filter};
use crate::output::fields::FieldColumns;
use crate::output::time::Clock;
use crate::output::{hexdump, json, text};
use crate::session::{format_dpid, OfRecord, SessionEvent};
use crate::stream::{ConnId, Direction, StreamEvent};

/// Prints the records a display filter selects, in one format.
pub struct RecordPrinter {
    format: MessageFormat,
    /// The columns of -T fields.
    columns: Option<FieldColumns>,
    /// -x: each message's bytes after it.
    hex: bool,
    verbose: bool,
    filter: Option<Filter>,
    /// Each connection's two ends: the switch's address is shown until the datapath id is
    /// known, and the filter reads both.
    channels: FastMap<ConnId, Channel>,
    /// The capture's first frame (`frame.time_relative` counts from it); the first message's
    /// until the source says.
    pub origin_ns: Option<u64>,
    line: String,
    /// The tree of the record last filtered or printed (built once for both).
    tree: Tree,
    /// The layout of `-T json` / `-T jsonl` objects.
    sequence: json::Sequence,
}

impl RecordPrinter {
    pub fn new(format: MessageFormat, verbose: bool, filter: Option<Filter>) -> Self {
        RecordPrinter {
            format,
            columns: None,
            hex: false,
            verbose,
            filter,
            channels: FastMap::default(),
            origin_ns: None,
            line: String::with_capacity(4096),
            tree: Tree::new(),
            sequence: json::Sequence::new(format.report().unwrap_or(Format::Text)),
        }
    }

    /// Feeds every session event through here, so connections are known when their
    /// messages are printed.
    pub fn observe(&mut self, event: &SessionEvent) {
        if let SessionEvent::Stream(StreamEvent::ConnOpened {
            conn,
            switch,
            controller,
            via,
            ..
        }) = event
        {
            let channel = Channel {
                switch: *switch,
                controller: *controller,
                via: *via,
            };
            self.channels.insert(*conn, channel);
        }
    }

    /// Whether the display filter (if any) selects the record.
    pub fn selected(&mut self, record: &OfRecord) -> bool {
        let Some(filter) = &self.filter else {
            return true;
        };
        self.tree.fields.clear();
        record.message.build_tree(&mut self.tree);
        let origin_ns = *self.origin_ns.get_or_insert(record.ts_ns);
        let context = context_of(record, origin_ns, &self.channels);
        filter.matches(&context, &self.tree, &record.bytes)
    }

    /// The printer `pcap` and `live` view with: its format, -V, the filter and -T fields'
    /// columns, checked before any message is read.
    pub fn for_view(view: &ViewArgs, filter: Option<Filter>) -> anyhow::Result<Self> {
        let mut printer = RecordPrinter::new(view.format, view.verbose, filter);
        if view.hex && view.format != MessageFormat::Text {
            anyhow::bail!("-x dumps bytes under text lines; the JSON output has them in the tree's byte fields");
        }
        printer.hex = view.hex;
        if view.format == MessageFormat::Fields {
            printer.columns = Some(
                FieldColumns::parse(&view.fields, &view.field_options)
                    .map_err(anyhow::Error::msg)?,
            );
        } else if !view.fields.is_empty() || !view.field_options.is_empty() {
            anyhow::bail!("-e and -E choose the columns of -T fields; add -T fields");
        }
        Ok(printer)
    }

    /// Prints a record that [`selected`](Self::selected) accepted; the clock writes the time
    /// of text lines.
    pub fn print(
        &mut self,
        out: &mut impl Write,
        record: &OfRecord,
        clock: &mut Clock,
    ) -> io::Result<()> {
        self.line.clear();
        let needs_tree = self.verbose || self.format != MessageFormat::Text;
        if needs_tree && self.filter.is_none() {
            self.tree.fields.clear();
            record.message.build_tree(&mut self.tree);
        }
        match self.format {
            MessageFormat::Text => {
                self.write_line(record, clock);
                if self.verbose {
                    text::write_detail(&mut self.line, &self.tree, 4);
                    self.line.push('\n');
                }
                if self.hex {
                    hexdump::write(&mut self.line, &record.bytes);
                    self.line.push('\n');
                }
            }
            MessageFormat::Fields => {
                let origin_ns = *self.origin_ns.get_or_insert(record.ts_ns);
                let context = context_of(record, origin_ns, &self.channels);
                if let Some(columns) = &mut self.columns {
                    columns.write_row(&mut self.line, &context, &self.tree, &record.bytes);
                }
            }
            MessageFormat::Json | MessageFormat::Jsonl => {
                self.sequence.before_item(&mut self.line);
                write_json(&mut self.line, record, &self.tree);
                self.sequence.after_item(&mut self.line);
            }
        }
        out.write_all(self.line.as_bytes())
    }

    /// Ends the output once the last record is printed (closes `-T json`'s array).
    pub fn finish(&self, out: &mut impl Write) -> io::Result<()> {
        match self.format {
            MessageFormat::Text | MessageFormat::Fields => Ok(()),
            MessageFormat::Json | MessageFormat::Jsonl => {
                out.write_all(self.sequence.end().as_bytes())
            }
        }
    }

    /// `frame  time  switch  arrow  summary`, the arrow pointing from sender to receiver
    /// with the switch on the left.
    fn write_line(&mut self, record: &OfRecord, clock: &mut Clock) {
        let line = &mut self.line;
        let _ = write!(line, "{:>6} ", record.frame());
        clock.write(line, record.ts_ns);
        line.push(' ');
        match (record.dpid, self.channels.get(&record.conn)) {
            (Some(dpid), _) => line.push_str(&format_dpid(dpid)),
            (None, Some(channel)) => {
                let _ = write!(line, "{:<23}", channel.switch.to_string());
            }
            (None, None) => {
                let _ = write!(line, "{:<23}", "?");
            }
        }
        line.push_str(match record.direction {
            Direction::SwitchToController => " -> ",
            Direction::ControllerToSwitch => " <- ",
        });
        let _ = write!(line, "{}", Printable(&record.message.summary()));
        line.push('\n');
    }
}

/// What the filter and -T fields know of a record beside its tree.
fn context_of<'a>(
    record: &OfRecord,
    origin_ns: u64,
    channels: &'a FastMap<ConnId, Channel>,
) -> Context<'a> {
    Context {
        frame: record.frame(),
        ts_ns: record.ts_ns,
        origin_ns,
        conn: record.conn,
        dpid: record.dpid,
        from_switch: record.from_switch(),
        channel: channels.get(&record.conn),
    }
}

/// One JSON object: where the message came from, then its field tree.
fn write_json(line: &mut String, record: &OfRecord, tree: &Tree) {
    line.push_str("{\"frame\":");
    json::push_decimal(line, record.frame());
    line.push_str(",\"ts_ns\":");
    json::push_decimal(line, record.ts_ns);
    line.push_str(",\"conn\":");
    json::push_decimal(line, record.conn.0.into());
    line.push_str(if record.from_switch() {
        ",\"from\":\"switch\",\"dpid\":"
    } else {
        ",\"from\":\"controller\",\"dpid\":"
    });
    match record.dpid {
        Some(dpid) => {
            line.push('"');
            line.push_str(&format_dpid(dpid));
            line.push('"');
        }
        None => line.push_str("null"),
    }
    // No `summary` member: scripts read the structured fields, and formatting the
    // summary would cost a quarter of the JSON time on big captures.
    json::write_tree_members(line, tree, &record.bytes, true);
    line.push('}');
}
