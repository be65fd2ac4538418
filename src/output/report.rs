//! The one way a report reaches the user: a typed view of what was found, written as text
//! through its `Display` or as one line of JSON through serde. `pcap`'s reports (`--stats`,
//! `--flows`, `--latency`, `--findings`) and `replay`'s decisions go through it. The
//! per-message lines of `pcap` and `live` have a writer of their own (`records`): they are
//! the hot path, and are written by hand.

use std::fmt::Display;
use std::io::{self, Write};

use serde::{Serialize, Serializer};

use crate::cli::Format;

/// A report: text through `Display`, one JSON document through serde, and for `-T jsonl`
/// the items scripts iterate over, one a line (a flow, a latency series, a finding).
pub trait Report: Serialize + Display {
    /// The lines of `-T jsonl`; `None` (the default): the whole report is one, as `-T json`.
    fn jsonl_items(&self) -> Option<serde_json::Result<Vec<serde_json::Value>>> {
        None
    }
}

/// Writes `report` in `format`: its text (which ends its own lines), its JSON document and
/// a newline, or its items a line each.
pub fn write(out: &mut impl Write, format: Format, report: &impl Report) -> io::Result<()> {
    match format {
        Format::Text => write!(out, "{report}"),
        Format::Json => {
            serde_json::to_writer(&mut *out, report)?;
            out.write_all(b"\n")
        }
        Format::Jsonl => match report.jsonl_items() {
            None => write(out, Format::Json, report),
            Some(items) => {
                for item in items? {
                    serde_json::to_writer(&mut *out, &item)?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
        },
    }
}

/// The items of the array `key` of each object of `holders`, each with its holder's other
/// members (which switch, which instant, ...) beside its own: a `-T jsonl` line must stand
/// alone.
pub fn items_of(
    holders: impl IntoIterator<Item = serde_json::Value>,
    key: &str,
) -> Vec<serde_json::Value> {
    let mut lines = Vec::new();
    for holder in holders {
        let serde_json::Value::Object(mut holder) = holder else {
            continue;
        };
        let Some(serde_json::Value::Array(items)) = holder.remove(key) else {
            continue;
        };
        for item in items {
            let mut line = holder.clone();
            if let serde_json::Value::Object(members) = item {
                line.extend(members);
            }
            lines.push(serde_json::Value::Object(line));
        }
    }
    lines
}

/// Serializes `value` with the members of its objects in alphabetical order (through a
/// `serde_json::Value`, whose objects are sorted maps): for a view whose members come from
/// parts merged together (`#[serde(flatten)]`) but whose JSON has always listed them so.
pub fn alphabetical<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    #[derive(Serialize)]
    struct Part {
        b: u8,
        d: u8,
    }

    #[derive(Serialize)]
    struct View {
        z: &'static str,
        #[serde(serialize_with = "alphabetical")]
        merged: Merged,
    }

    #[derive(Serialize)]
    struct Merged {
        c: u8,
        #[serde(flatten)]
        part: Part,
        a: u8,
    }

    impl fmt::Display for View {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            writeln!(f, "view {}", self.z)
        }
    }

    fn written(format: Format) -> String {
        let view = View {
            z: "last",
            merged: Merged {
                c: 3,
                part: Part { b: 2, d: 4 },
                a: 1,
            },
        };
        let mut out = Vec::new();
        write(&mut out, format, &view).unwrap();
        String::from_utf8(out).unwrap()
    }

    impl Report for View {}

    #[test]
    fn an_items_line_carries_its_holders_members() {
        let holders = serde_json::json!([
            {"dpid": "a", "flows": [{"m": 1}, {"m": 2}]},
            {"dpid": "b", "flows": []},
        ]);
        let serde_json::Value::Array(holders) = holders else {
            unreachable!()
        };
        assert_eq!(
            items_of(holders, "flows"),
            vec![
                serde_json::json!({"dpid": "a", "m": 1}),
                serde_json::json!({"dpid": "a", "m": 2})
            ]
        );
    }

    #[test]
    fn text_is_the_display_and_json_one_line_per_report() {
        assert_eq!(written(Format::Text), "view last\n");
        let json = r#"{"z":"last","merged":{"a":1,"b":2,"c":3,"d":4}}"#;
        assert_eq!(written(Format::Json), format!("{json}\n"));
        assert_eq!(written(Format::Jsonl), written(Format::Json));
    }
}
