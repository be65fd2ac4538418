//! The field registry: every field any dissector can put in a tree, one section per
//! dissector, in the order docs/fields.md lists them. Each dissector declares its own fields
//! (its `hf` module, with [`crate::fields!`]); this table only collects them.

use crate::frame::{
    arp, erspan, ethernet, geneve, gre, icmp, icmpv6, ipv4, ipv6, lldp, mpls, tcp, udp, vlan, vxlan,
};
use crate::openflow::{
    action, config, error, flow_match, flow_mod, flow_removed, hello, message, packet, port, queue,
    stats, vendor,
};
use crate::tree::{FieldDef, Section};

/// Every dissector's section: OpenFlow messages first, then the frames they carry.
pub static SECTIONS: &[&Section] = &[
    &message::hf::SECTION,
    &hello::hf::SECTION,
    &vendor::hf::SECTION,
    &error::hf::SECTION,
    &config::hf::SECTION,
    &port::hf::SECTION,
    &packet::hf::SECTION,
    &flow_match::hf::SECTION,
    &flow_mod::hf::SECTION,
    &flow_removed::hf::SECTION,
    &action::hf::SECTION,
    &stats::hf::SECTION,
    &stats::desc::hf::SECTION,
    &stats::flow::hf::SECTION,
    &stats::table::hf::SECTION,
    &stats::port::hf::SECTION,
    &stats::queue::hf::SECTION,
    &stats::vendor::hf::SECTION,
    &queue::hf::SECTION,
    &ethernet::hf::SECTION,
    &vlan::hf::SECTION,
    &mpls::hf::SECTION,
    &arp::hf::SECTION,
    &ipv4::hf::SECTION,
    &ipv6::hf::SECTION,
    &icmp::hf::SECTION,
    &icmpv6::hf::SECTION,
    &tcp::hf::SECTION,
    &udp::hf::SECTION,
    &lldp::hf::SECTION,
    &gre::hf::SECTION,
    &erspan::hf::SECTION,
    &vxlan::hf::SECTION,
    &geneve::hf::SECTION,
    &crate::frame::hf::SECTION,
];

/// Every declared field, section by section.
pub fn all() -> impl Iterator<Item = &'static FieldDef> {
    SECTIONS.iter().flat_map(|s| s.fields.iter().copied())
}

/// The declaration with this key.
pub fn lookup(key: &str) -> Option<&'static FieldDef> {
    all().find(|f| f.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_well_formed() {
        let keys: Vec<&str> = all().map(|f| f.key).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "a key is declared twice");
        for f in all() {
            assert!(
                f.key.split('.').all(|s| !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
                "{}",
                f.key
            );
            assert!(!f.label.is_empty(), "{}", f.key);
            assert_eq!(Some(f.name), f.key.rsplit('.').next());
            assert_eq!(lookup(f.key).map(|d| d as *const _), Some(f as *const _));
        }
    }
}
