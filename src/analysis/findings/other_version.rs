//! `other_version` (folded per connection): a connection carries messages of another
//! OpenFlow version than 1.0. They are listed by type, but their bodies are not decoded,
//! so no pairing, flow table or other finding reads them: without this, an OpenFlow 1.3
//! session would show "no findings" and zero latency pairs as if all were well.

use super::{Rule, Severity};

pub struct OtherVersion {
    pub conn: u32,
    /// The version's name (`OpenFlow 1.3`), or its header byte when it is unknown.
    pub version: String,
}

impl Rule for OtherVersion {
    const NAME: &'static str = "other_version";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "conn {} carries messages of {}: they are listed by type, but their bodies are not decoded, so latency pairing, flow tables and findings do not cover them (ofscope decodes OpenFlow 1.0)",
            self.conn, self.version
        )
    }
}
