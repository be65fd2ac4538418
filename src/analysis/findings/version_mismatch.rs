//! `version_mismatch`: the two HELLOs carry different versions.

use super::{Rule, Severity};

pub struct VersionMismatch {
    pub switch: u8,
    pub controller: u8,
}

impl VersionMismatch {
    /// The version the two would negotiate: the lower.
    fn agreed(&self) -> u8 {
        self.switch.min(self.controller)
    }
}

impl Rule for VersionMismatch {
    const NAME: &'static str = "version_mismatch";
    const SEVERITY: Severity = Severity::Note;

    fn text(&self) -> String {
        let agreed = self.agreed();
        let outcome = if agreed == 1 {
            "they agree on 1.0".to_owned()
        } else {
            format!("they would agree on 0x{agreed:02x}, which is not OpenFlow 1.0 (ofscope decodes 1.0 only)")
        };
        format!(
            "HELLO versions differ: switch 0x{:02x}, controller 0x{:02x}; {outcome}",
            self.switch, self.controller
        )
    }

    /// Versions that no longer agree on 1.0 are worth a warning.
    fn severity(&self) -> Severity {
        if self.agreed() == 1 {
            Self::SEVERITY
        } else {
            Severity::Warning
        }
    }
}
