//! Golden files: the capture, the apps and every decision, in JSON with one decision per
//! line so that a reviewer reads a change as a line diff. Format: `docs/golden.md`.

use serde::{Deserialize, Serialize};

use super::decision::{Decision, Summary};
use super::spec::{AppSpec, SpecError};

/// The format version this ofscope reads and writes.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Golden {
    /// The format version.
    pub ofscope_golden: u32,
    /// The capture, relative to the golden file.
    pub capture: String,
    /// The apps in chain order, as `--app` takes them (a `tap-input=` path is relative to
    /// the golden file); absent when a controller decided ([`Golden::target`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<String>,
    /// `replay --into`: the controller that decided, as `--into` takes it (`tcp:HOST:PORT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default)]
    pub closed_loop: bool,
    pub summary: Summary,
    pub decisions: Vec<Decision>,
}

#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("golden format version {0} is not supported; this ofscope reads version {VERSION}")]
    Version(u32),
    #[error(
        "a golden file names either its apps or, for replay --into, its target; this one names {0}"
    )]
    Decider(&'static str),
    #[error("app '{app}': {source}")]
    App { app: String, source: SpecError },
}

impl Golden {
    pub fn parse(text: &str) -> Result<Golden, GoldenError> {
        let golden: Golden = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; we report those separately.
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            GoldenError::Syntax {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        if golden.ofscope_golden != VERSION {
            return Err(GoldenError::Version(golden.ofscope_golden));
        }
        match (golden.apps.is_empty(), &golden.target) {
            (true, None) => return Err(GoldenError::Decider("neither")),
            (false, Some(_)) => return Err(GoldenError::Decider("both")),
            _ => {}
        }
        Ok(golden)
    }

    pub fn app_specs(&self) -> Result<Vec<AppSpec>, GoldenError> {
        self.apps
            .iter()
            .map(|a| {
                a.parse().map_err(|source| GoldenError::App {
                    app: a.clone(),
                    source,
                })
            })
            .collect()
    }

    /// Pretty-printed, with each decision on one line; ends with a newline.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\n");
        out.push_str(&format!("  \"ofscope_golden\": {},\n", self.ofscope_golden));
        out.push_str(&format!("  \"capture\": {},\n", json(&self.capture)));
        match &self.target {
            Some(target) => out.push_str(&format!("  \"target\": {},\n", json(target))),
            None => {
                out.push_str("  \"apps\": [");
                for (i, app) in self.apps.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&json(app));
                }
                out.push_str("],\n");
            }
        }
        out.push_str(&format!("  \"closed_loop\": {},\n", self.closed_loop));
        out.push_str(&format!("  \"summary\": {},\n", json(&self.summary)));
        out.push_str("  \"decisions\": [");
        for (i, d) in self.decisions.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&json(d));
        }
        out.push_str(if self.decisions.is_empty() {
            "]\n"
        } else {
            "\n  ]\n"
        });
        out.push_str("}\n");
        out
    }
}

/// Compact JSON (serialising these types cannot fail).
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = Golden::parse("{\n  \"ofscope_golden\": 1,\n  \"capture\": x\n}").unwrap_err();
        match err {
            GoldenError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 14)),
            other => panic!("{other}"),
        }
        let err = Golden::parse(
            "{\"ofscope_golden\": 1, \"capture\": \"a\", \"summary\": {\"packet_ins\": 0, \"flows\": 0, \"floods\": 0, \"tap_writes\": 0}, \"decisions\": []}",
        )
        .unwrap_err();
        assert!(err.to_string().ends_with("this one names neither"), "{err}");
        let err = Golden::parse("{\"ofscope_golden\": 1, \"captur\": \"a\"}").unwrap_err();
        assert!(err.to_string().contains("unknown field `captur`"), "{err}");
    }

    #[test]
    fn round_trips_through_text() {
        let g = Golden {
            ofscope_golden: VERSION,
            capture: "a b.pcap".into(),
            apps: vec!["learning:variant=pox".into()],
            target: None,
            closed_loop: false,
            summary: Summary::default(),
            decisions: Vec::new(),
        };
        let text = g.to_text();
        assert_eq!(Golden::parse(&text).unwrap(), g);
        assert!(text.ends_with("\"decisions\": []\n}\n"), "{text}");
        let live = Golden {
            apps: Vec::new(),
            target: Some("tcp:127.0.0.1:6633".into()),
            ..g
        };
        let text = live.to_text();
        assert!(
            text.contains("  \"target\": \"tcp:127.0.0.1:6633\",\n"),
            "{text}"
        );
        assert!(!text.contains("apps"), "{text}");
        assert_eq!(Golden::parse(&text).unwrap(), live);
    }
}
