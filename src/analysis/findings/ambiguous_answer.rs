//! `ambiguous_answer` (folded per switch): a cut PACKET_OUT that could answer several
//! waiting PacketIns is said, not guessed.

use super::{Rule, Severity};

pub struct AmbiguousAnswer {
    /// Frame bytes the capture kept of the PACKET_OUT.
    pub kept: usize,
    /// The waiting PacketIns whose frames begin with them.
    pub candidates: usize,
}

impl Rule for AmbiguousAnswer {
    const NAME: &'static str = "ambiguous_answer";
    const SEVERITY: Severity = Severity::Note;

    fn text(&self) -> String {
        format!(
            "a PACKET_OUT cut by the capture kept {} bytes of its frame, which begin the frames of {} waiting PacketIns: which one it answers cannot be told, so none is paired with it (nor counted unanswered)",
            self.kept, self.candidates
        )
    }
}
