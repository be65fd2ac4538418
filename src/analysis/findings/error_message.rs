//! `error_message`: an ERROR message, with its type, code and the offending message type.

use ofscope_dissectors::openflow::error::ErrorMsg;
use ofscope_dissectors::openflow::types::type_name;

use super::{Rule, Severity};

pub struct ErrorMessage<'a> {
    pub error: &'a ErrorMsg,
    pub xid: u32,
    pub from_switch: bool,
}

impl Rule for ErrorMessage<'_> {
    const NAME: &'static str = "error_message";
    const SEVERITY: Severity = Severity::Error;

    fn text(&self) -> String {
        let e = self.error;
        let what = match (e.type_name(), e.code_name()) {
            (Some(t), Some(c)) => format!("{t}/{c}"),
            (Some(t), None) => format!("{t}/code {}", e.code),
            _ => format!("type {} code {}", e.err_type, e.code),
        };
        let offending = e
            .offending_header()
            .and_then(|h| type_name(h.msg_type))
            .map_or(String::new(), |t| format!(" for {t}"));
        format!(
            "ERROR {what}{offending} (xid 0x{:x}) from the {}",
            self.xid,
            if self.from_switch {
                "switch"
            } else {
                "controller"
            }
        )
    }
}
