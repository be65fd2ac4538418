//! `echo_timeout`: an ECHO_REQUEST got no reply within the request window.

use super::{Rule, Severity};
use crate::analysis::fmt_duration;

pub struct EchoTimeout {
    pub from_switch: bool,
    pub window_ns: u64,
}

impl Rule for EchoTimeout {
    const NAME: &'static str = "echo_timeout";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "ECHO_REQUEST from the {} not answered within {}",
            if self.from_switch {
                "switch"
            } else {
                "controller"
            },
            fmt_duration(self.window_ns)
        )
    }
}
