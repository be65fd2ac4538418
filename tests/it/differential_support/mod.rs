//! What the differential tests share: the corpora, running a reference tool, and counting
//! agreements against an allowlist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The workspace's `../shared/corpora` directory.
pub fn corpora() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"))
}

/// Runs a tool and returns its stdout; its stderr (log lines, warnings) is dropped.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd
        .stderr(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {cmd:?}: {err}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An accepted disagreement: (frame, compared field, who is right and why).
pub type Allowed = (u64, &'static str, &'static str);

/// Agreement counts per compared field. A disagreement fails unless the allowlist has it;
/// an allowlist entry that no disagreement used fails too, so the list stays true.
pub struct Tally {
    allowlist: &'static [Allowed],
    used: BTreeSet<(u64, &'static str)>,
    rows: BTreeMap<&'static str, (usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    pub fn new(allowlist: &'static [Allowed]) -> Tally {
        Tally {
            allowlist,
            used: BTreeSet::new(),
            rows: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// Records one comparison of `field` on `frame`.
    pub fn check(&mut self, frame: u64, field: &'static str, agree: bool, detail: String) {
        let row = self.rows.entry(field).or_default();
        row.0 += 1;
        if agree {
            row.1 += 1;
        } else if self
            .allowlist
            .iter()
            .any(|(f, name, _)| *f == frame && *name == field)
        {
            self.used.insert((frame, field));
        } else {
            self.failures
                .push(format!("frame {frame} {field}: {detail}"));
        }
    }

    /// Prints the counts, then fails on any unexplained disagreement or unused entry.
    pub fn finish(self, title: &str) {
        println!("{title}");
        for (field, (compared, agreed)) in &self.rows {
            println!("  {field:<28} {agreed:>5} / {compared:<5} agree");
        }
        println!("  ({} allowlisted disagreements)", self.used.len());
        let mut failures = self.failures;
        for (frame, field, _) in self.allowlist {
            if !self.used.contains(&(*frame, *field)) {
                failures.push(format!("allowlist entry ({frame}, {field}) is not needed"));
            }
        }
        assert!(failures.is_empty(), "{title}\n{}", failures.join("\n"));
    }
}
