//! `truncated_packet_in` (folded per switch): the switch sent less of a PacketIn's frame
//! than its total_len; the text gives the miss_send_len in force and where it was set. A
//! PacketIn the capture itself cut (snaplen) is a note of its own: on it, whether the
//! switch honours miss_send_len cannot be checked.

use super::{Rule, Severity};

pub struct TruncatedPacketIn {
    /// Frame bytes the switch sent (what the capture cut counts as sent), of `total_len`.
    pub sent: usize,
    pub total_len: u16,
    /// Whether the switch kept the whole frame in a buffer.
    pub buffered: bool,
    pub miss_send_len: Option<u16>,
    /// The frame of the SET_CONFIG that set it.
    pub set_frame: Option<u64>,
    /// Frame bytes the capture kept, when it cut the PacketIn (snaplen, lost bytes).
    pub capture_kept: Option<usize>,
}

impl Rule for TruncatedPacketIn {
    const NAME: &'static str = "truncated_packet_in";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        if let Some(kept) = self.capture_kept {
            return format!(
                "the capture cut PacketIns (its snaplen, or lost bytes): it kept {kept} of the {} frame bytes the switch sent (of {}); on such PacketIns whether the switch honours miss_send_len cannot be checked: capture with a larger snaplen (-s 0)",
                self.sent, self.total_len
            );
        }
        let hint = match (self.miss_send_len, self.set_frame) {
            (Some(n), Some(f)) => format!("miss_send_len={n} (SET_CONFIG, frame {f})"),
            (Some(n), None) => format!("miss_send_len={n}"),
            _ => "no SET_CONFIG seen: the switch default miss_send_len (128) applies".to_owned(),
        };
        let lost = if self.buffered {
            "the switch buffers the whole frame"
        } else {
            "unbuffered, so the rest is lost to the controller"
        };
        format!(
            "PACKET_IN carries {} of {} bytes ({lost}); {hint}; raise miss_send_len with SET_CONFIG if the controller needs whole frames",
            self.sent, self.total_len
        )
    }

    /// A buffered frame is not lost, and a cut the capture made is the capture's: the controller can still have the switch send it.
    fn severity(&self) -> Severity {
        if self.buffered || self.capture_kept.is_some() {
            Severity::Note
        } else {
            Self::SEVERITY
        }
    }
}
