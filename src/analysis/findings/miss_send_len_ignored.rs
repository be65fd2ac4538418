//! `miss_send_len_ignored` (folded per switch): the switch cut a table-miss PacketIn's
//! frame shorter than the miss_send_len in force. Only PacketIns the capture holds whole
//! count: a cut made by the capture is not the switch's.

use super::{Rule, Severity};

pub struct MissSendLenIgnored {
    /// Frame bytes the switch sent, of `total_len`.
    pub sent: usize,
    pub total_len: u16,
    pub miss_send_len: u16,
    /// The frame of the SET_CONFIG that set it (none: the switch reported it).
    pub set_frame: Option<u64>,
}

impl Rule for MissSendLenIgnored {
    const NAME: &'static str = "miss_send_len_ignored";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let source = match self.set_frame {
            Some(f) => format!(
                "the controller set miss_send_len={} (SET_CONFIG, frame {f})",
                self.miss_send_len
            ),
            None => format!("the switch reports miss_send_len={}", self.miss_send_len),
        };
        format!(
            "the switch cut a PacketIn's frame to {} of {} bytes, though {source}: it ignores miss_send_len, so raising it will not help; check the switch (its own limit, or a setting that overrides the controller's) or use its buffers",
            self.sent, self.total_len
        )
    }
}
