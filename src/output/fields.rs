//! `-T fields -e KEY ...`: one line per message with the chosen fields' values, as tshark's
//! `-T fields`, with its `-E` options. A value is written as the JSON output writes it
//! (`of.type` is `PACKET_IN`, `of.dpid` is `00:00:00:00:00:00:00:01`), without the quotes,
//! so a column and the `-T jsonl` member agree.

use ofscope_dissectors::printable::{Echo, Printable};
use ofscope_dissectors::tree::{FieldDef, Json, Tree, Type, Value};

use crate::cli::TimeFormat;
use crate::filter::context::{self, Context};
use crate::output::{json, time};

/// Where a column's values come from.
enum Source {
    /// A field of the message's tree: every occurrence of it.
    Tree(&'static FieldDef),
    /// A field of where the message came from (`frame.number`, `of.dpid`).
    Context(context::Reader),
}

/// Which occurrences of a field a column shows (`-E occurrence=`).
#[derive(Clone, Copy, PartialEq)]
enum Occurrence {
    All,
    First,
    Last,
}

/// The columns and tshark's `-E` layout options.
pub struct FieldColumns {
    columns: Vec<(String, Source)>,
    header: bool,
    separator: String,
    aggregator: String,
    quote: Option<char>,
    occurrence: Occurrence,
    /// The header line is still to be written.
    header_due: bool,
}

impl FieldColumns {
    /// Resolves `-e` keys against the field registry and reads the `-E` options; an
    /// unknown key or option is one line that says what would be right.
    pub fn parse(keys: &[String], options: &[String]) -> Result<FieldColumns, String> {
        if keys.is_empty() {
            return Err("-T fields needs at least one -e FIELD (ofscope fields lists them), e.g. -T fields -e frame.number -e of.type".into());
        }
        let mut columns = Vec::with_capacity(keys.len());
        for key in keys {
            columns.push((key.clone(), source(key)?));
        }
        let mut parsed = FieldColumns {
            columns,
            header: false,
            separator: "\t".into(),
            aggregator: ",".into(),
            quote: None,
            occurrence: Occurrence::All,
            header_due: false,
        };
        for option in options {
            parsed.set(option)?;
        }
        parsed.header_due = parsed.header;
        Ok(parsed)
    }

    /// One `-E NAME=VALUE`, with tshark's names and values.
    fn set(&mut self, option: &str) -> Result<(), String> {
        let bad = || {
            format!(
                "bad -E option '{}': give header=y|n, separator=/t|/s|CHAR, aggregator=,|/s|CHAR, quote=d|s|n or occurrence=f|l|a",
                Echo::text(option)
            )
        };
        let (name, value) = option.split_once('=').ok_or_else(bad)?;
        let text = |value: &str| match value {
            "/t" => Some("\t".to_string()),
            "/s" => Some(" ".to_string()),
            v if v.chars().count() == 1 => Some(v.to_string()),
            _ => None,
        };
        match (name, value) {
            ("header", "y") => self.header = true,
            ("header", "n") => self.header = false,
            ("separator", v) => self.separator = text(v).ok_or_else(bad)?,
            ("aggregator", v) => self.aggregator = text(v).ok_or_else(bad)?,
            ("quote", "d") => self.quote = Some('"'),
            ("quote", "s") => self.quote = Some('\''),
            ("quote", "n") => self.quote = None,
            ("occurrence", "a") => self.occurrence = Occurrence::All,
            ("occurrence", "f") => self.occurrence = Occurrence::First,
            ("occurrence", "l") => self.occurrence = Occurrence::Last,
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// Writes the header (once, if asked for) and the message's line.
    pub fn write_row(&mut self, line: &mut String, context: &Context, tree: &Tree, msg: &[u8]) {
        if std::mem::take(&mut self.header_due) {
            let keys: Vec<&str> = self.columns.iter().map(|(key, _)| key.as_str()).collect();
            line.push_str(&keys.join(&self.separator));
            line.push('\n');
        }
        let mut cell = String::new();
        for (i, (_, source)) in self.columns.iter().enumerate() {
            if i > 0 {
                line.push_str(&self.separator);
            }
            let values: Vec<String> = match source {
                Source::Tree(def) => tree
                    .fields
                    .iter()
                    .filter(|field| std::ptr::eq(field.def, *def))
                    .map(|field| {
                        cell.clear();
                        write_cell(&mut cell, def, def.json, &field.value, msg);
                        cell.clone()
                    })
                    .collect(),
                Source::Context(reader) => reader
                    .values(context)
                    .iter()
                    .flatten()
                    .map(|value| {
                        cell.clear();
                        // The record's `dpid` member is written as a datapath id.
                        let kind = if std::ptr::eq(reader.def, &context::OF_DPID) {
                            Json::Dpid
                        } else {
                            reader.def.json
                        };
                        write_cell(&mut cell, reader.def, kind, value, msg);
                        cell.clone()
                    })
                    .collect(),
            };
            let shown = match self.occurrence {
                Occurrence::All => &values[..],
                Occurrence::First => &values[..values.len().min(1)],
                Occurrence::Last => &values[values.len().saturating_sub(1)..],
            };
            if shown.is_empty() {
                continue;
            }
            let joined = shown.join(&self.aggregator);
            match self.quote {
                Some(q) => {
                    line.push(q);
                    line.push_str(&joined);
                    line.push(q);
                }
                None => line.push_str(&joined),
            }
        }
        line.push('\n');
    }
}

/// The column's source for a key: a context field, or a leaf of the registry.
fn source(key: &str) -> Result<Source, String> {
    if let Some(reader) = context::reader(key) {
        return Ok(Source::Context(reader));
    }
    match ofscope_dissectors::fields::lookup(key) {
        Some(def) if matches!(def.json, Json::Object | Json::Array) => Err(format!(
            "-e {key} names a group of fields; give one of them (ofscope fields | grep '^{key}\\.')"
        )),
        Some(def) => Ok(Source::Tree(def)),
        None => Err(format!(
            "-e: {}",
            crate::filter::keys::check_known(key, crate::filter::keys::known())
                .err()
                .unwrap_or_else(|| format!(
                    "'{}' is a protocol, not a field; give one of its fields (ofscope fields)",
                    Echo::text(key)
                ))
        )),
    }
}

/// A value as the JSON output writes it, without a string's quotes; escaped for a terminal.
/// The context's times (nanoseconds) are written as tshark writes them: seconds with nine
/// decimals, and a UTC date and time for `frame.time`.
fn write_cell(out: &mut String, def: &FieldDef, json_kind: Json, value: &Value, msg: &[u8]) {
    let mut written = String::new();
    match (def.ty, value) {
        (Type::Seconds, Value::Uint(ns)) => {
            written = format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000);
        }
        (Type::Time, Value::Uint(ns)) => {
            time::write_time(&mut written, TimeFormat::AbsoluteDate, *ns, 0);
        }
        _ => write_json_value(&mut written, json_kind, value, msg),
    }
    let unquoted = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(&written);
    out.push_str(&Printable(unquoted).to_string());
}

/// The value as the JSON output writes the member.
fn write_json_value(written: &mut String, json_kind: Json, value: &Value, msg: &[u8]) {
    match (json_kind, value) {
        (Json::NameAndCode, Value::Named { name, .. }) => written.push_str(name),
        (Json::NameAndCode, _) => written.push_str("UNKNOWN"),
        (Json::Dpid, _) if value.as_u64().is_some() => written.push_str(
            &crate::session::format_dpid(value.as_u64().unwrap_or_default()),
        ),
        _ => json::write_value(written, value, msg),
    }
}
