//! `flow_not_seen` (folded per switch): a PacketIn with reason=ACTION, which only a flow
//! sending to the controller makes, while no such flow matching its frame was installed
//! over this connection: the flow was added out of band (ovs-ofctl, another controller),
//! and the flow tables shown lack it. Not said where the table may lack flows anyway
//! (a capture started mid-session, FLOW_MODs cut or of another version).

use ofscope_dissectors::openflow::Match;

use super::{Rule, Severity};

pub struct FlowNotSeen {
    /// The exact match of the PacketIn's frame: what the unseen flow matches, or covers.
    pub match_: Match,
}

impl Rule for FlowNotSeen {
    const NAME: &'static str = "flow_not_seen";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "PACKET_IN reason=ACTION, but no flow sending to the controller was installed over this connection: a flow added out of band (ovs-ofctl, another controller) covering \"{}\" with actions=CONTROLLER explains it; --flows does not show it (ovs-ofctl dump-flows does)",
            self.match_
        )
    }
}
