//! Disagreements with the oracles that the conformance tests accept, one per entry, each
//! saying who is right and why. `(corpus, record name, reason)`.

pub const ALLOWLIST: &[(&str, &str, &str)] = &[
    // OVS 3.1 and later reject these NXT_CT_FLUSH bodies (bad property values, types or
    // lengths). NXT_CT_FLUSH postdates OVS 3.1's Nicira set we name; ofscope names the
    // subtype and keeps the body raw, so it cannot see the bad property. OVS is right that
    // the body is invalid; ofscope is right that the OpenFlow 1.0 framing is sound.
    (
        "ovs_ofp_print",
        "NXT_CT_FLUSH #15",
        "CT_FLUSH body not decoded (newer than OVS 3.1)",
    ),
    (
        "ovs_ofp_print",
        "NXT_CT_FLUSH #16",
        "CT_FLUSH body not decoded (newer than OVS 3.1)",
    ),
    (
        "ovs_ofp_print",
        "NXT_CT_FLUSH #17",
        "CT_FLUSH body not decoded (newer than OVS 3.1)",
    ),
    (
        "ovs_ofp_print",
        "NXT_CT_FLUSH #18",
        "CT_FLUSH body not decoded (newer than OVS 3.1)",
    ),
    (
        "ovs_ofp_print",
        "NXT_CT_FLUSH #19",
        "CT_FLUSH body not decoded (newer than OVS 3.1)",
    ),
];

/// Whether `(corpus, name)` is an accepted disagreement.
pub fn allowed(corpus: &str, name: &str) -> bool {
    ALLOWLIST.iter().any(|(c, n, _)| *c == corpus && *n == name)
}
