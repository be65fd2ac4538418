//! Nicira (Open vSwitch) extension actions: decoded into ovs-ofctl's text and checked the
//! way Open vSwitch checks them, so that a list OVS rejects is rejected here too.
//!
//! The typed representation of a vendor action stays its raw bytes ([`VendorAction`]);
//! this module is the view of those bytes, computed on demand.
//!
//! [`VendorAction`]: super::vendor::VendorAction

use std::net::{Ipv4Addr, Ipv6Addr};

use super::action::{parse_actions_in, Action, Actions, Nesting};
use super::port::PortDisplay;
use super::vendor::NICIRA;
use super::wire::{lookup, DecodeError, Reader, Result};

/// One NXM field: `(header with hasmask clear, name, writable by load/move)`.
type NxmField = (u32, &'static str, bool);

const fn nxm(class: u32, field: u32, len: u32) -> u32 {
    (class << 16) | (field << 9) | len
}

const NXM_FIELDS: &[NxmField] = &[
    (nxm(0, 0, 2), "NXM_OF_IN_PORT", true),
    (nxm(0, 1, 6), "NXM_OF_ETH_DST", true),
    (nxm(0, 2, 6), "NXM_OF_ETH_SRC", true),
    (nxm(0, 3, 2), "NXM_OF_ETH_TYPE", false),
    (nxm(0, 4, 2), "NXM_OF_VLAN_TCI", true),
    (nxm(0, 5, 1), "NXM_OF_IP_TOS", true),
    (nxm(0, 6, 1), "NXM_OF_IP_PROTO", false),
    (nxm(0, 7, 4), "NXM_OF_IP_SRC", true),
    (nxm(0, 8, 4), "NXM_OF_IP_DST", true),
    (nxm(0, 9, 2), "NXM_OF_TCP_SRC", true),
    (nxm(0, 10, 2), "NXM_OF_TCP_DST", true),
    (nxm(0, 11, 2), "NXM_OF_UDP_SRC", true),
    (nxm(0, 12, 2), "NXM_OF_UDP_DST", true),
    (nxm(0, 13, 1), "NXM_OF_ICMP_TYPE", true),
    (nxm(0, 14, 1), "NXM_OF_ICMP_CODE", true),
    (nxm(0, 15, 2), "NXM_OF_ARP_OP", true),
    (nxm(0, 16, 4), "NXM_OF_ARP_SPA", true),
    (nxm(0, 17, 4), "NXM_OF_ARP_TPA", true),
    (nxm(1, 16, 8), "NXM_NX_TUN_ID", true),
    (nxm(1, 17, 6), "NXM_NX_ARP_SHA", true),
    (nxm(1, 18, 6), "NXM_NX_ARP_THA", true),
    (nxm(1, 19, 16), "NXM_NX_IPV6_SRC", true),
    (nxm(1, 20, 16), "NXM_NX_IPV6_DST", true),
    (nxm(1, 21, 1), "NXM_NX_ICMPV6_TYPE", true),
    (nxm(1, 22, 1), "NXM_NX_ICMPV6_CODE", true),
    (nxm(1, 23, 16), "NXM_NX_ND_TARGET", true),
    (nxm(1, 24, 6), "NXM_NX_ND_SLL", true),
    (nxm(1, 25, 6), "NXM_NX_ND_TLL", true),
    (nxm(1, 26, 1), "NXM_NX_IP_FRAG", false),
    (nxm(1, 27, 4), "NXM_NX_IPV6_LABEL", true),
    (nxm(1, 28, 1), "NXM_NX_IP_ECN", true),
    (nxm(1, 29, 1), "NXM_NX_IP_TTL", true),
    (nxm(1, 31, 4), "NXM_NX_TUN_IPV4_SRC", true),
    (nxm(1, 32, 4), "NXM_NX_TUN_IPV4_DST", true),
    (nxm(1, 33, 4), "NXM_NX_PKT_MARK", true),
    (nxm(1, 34, 2), "NXM_NX_TCP_FLAGS", false),
    (nxm(1, 35, 4), "NXM_NX_DP_HASH", false),
    (nxm(1, 36, 4), "NXM_NX_RECIRC_ID", false),
    (nxm(1, 37, 4), "NXM_NX_CONJ_ID", false),
    (nxm(1, 105, 4), "NXM_NX_CT_STATE", false),
    (nxm(1, 106, 2), "NXM_NX_CT_ZONE", false),
    (nxm(1, 107, 4), "NXM_NX_CT_MARK", false),
    (nxm(1, 108, 16), "NXM_NX_CT_LABEL", false),
];

const NXM_NX_CT_MARK: u32 = nxm(1, 107, 4);
const NXM_NX_CT_LABEL: u32 = nxm(1, 108, 16);
const NXM_OF_IN_PORT: u32 = nxm(0, 0, 2);
/// Registers: `NXM_NX_REG0..15` (fields 0..15) and `NXM_NX_XXREG0..7` (fields 111..118).
const REG_FIELD: u32 = nxm(1, 0, 4);
const XXREG_FIELD: u32 = nxm(1, 111, 16);
/// Tunnel metadata: `tun_metadata0..63` (fields 40..103), up to 124 bytes each.
const TUN_METADATA_FIELD: u32 = nxm(1, 40, 124);

/// An NXM field known by its header: its name and width in bits.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    bits: u32,
    writable: bool,
    header: u32,
}

fn field(header: u32) -> Result<Field> {
    // A masked header (bit 8) carries value and mask: the field is half its length.
    let len = if header & 0x100 != 0 {
        (header & 0xff) / 2
    } else {
        header & 0xff
    };
    let base = (header & !0x1ff) | len;
    let bits = len * 8;
    let indexed = |first: u32, count: u32, stride_name: &str| {
        let index = (base.wrapping_sub(first)) >> 9;
        (base & 0xffff_01ff == first & 0xffff_01ff && index < count)
            .then(|| format!("{stride_name}{index}"))
    };
    let (name, writable) = if let Some(&(_, n, w)) = NXM_FIELDS.iter().find(|f| f.0 == base) {
        (n.to_owned(), w)
    } else if let Some(n) = indexed(REG_FIELD, 16, "NXM_NX_REG") {
        (n, true)
    } else if let Some(n) = indexed(XXREG_FIELD, 8, "NXM_NX_XXREG") {
        (n, true)
    } else if let Some(n) = indexed(TUN_METADATA_FIELD, 64, "NXM_NX_TUN_METADATA") {
        (n, true)
    } else {
        return Err(DecodeError::invalid(
            "OFPBAC_BAD_SET_TYPE",
            format!("unknown NXM field 0x{header:08x}"),
        ));
    };
    Ok(Field {
        name,
        bits,
        writable,
        header: base,
    })
}

/// `field[ofs..end]` with its range checked.
#[derive(Debug, Clone)]
struct Subfield {
    field: Field,
    ofs: u32,
    n_bits: u32,
}

impl Subfield {
    fn new(header: u32, ofs: u32, n_bits: u32) -> Result<Subfield> {
        let field = field(header)?;
        if n_bits == 0 || ofs + n_bits > field.bits {
            return Err(DecodeError::invalid(
                "OFPBAC_BAD_SET_LEN",
                format!("bits {ofs}+{n_bits} outside {}", field.name),
            ));
        }
        Ok(Subfield { field, ofs, n_bits })
    }

    /// From the `ofs_nbits` encoding: offset in the top 10 bits, bits - 1 in the low 6.
    fn from_ofs_nbits(header: u32, ofs_nbits: u16) -> Result<Subfield> {
        Subfield::new(
            header,
            u32::from(ofs_nbits >> 6),
            u32::from(ofs_nbits & 0x3f) + 1,
        )
    }

    /// A field that actions may write (CT_MARK and CT_LABEL only inside `ct(exec(...))`).
    fn check_writable(&self, nesting: Nesting) -> Result<()> {
        let ct_field = matches!(self.field.header, NXM_NX_CT_MARK | NXM_NX_CT_LABEL);
        if self.field.writable
            || nesting == Nesting::Unchecked
            || (ct_field && nesting == Nesting::CtExec)
        {
            Ok(())
        } else {
            Err(DecodeError::invalid(
                "OFPBAC_BAD_SET_ARGUMENT",
                format!("{} is not writable here", self.field.name),
            ))
        }
    }
}

impl std::fmt::Display for Subfield {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.field.name;
        match (self.ofs, self.n_bits) {
            (0, n) if n == self.field.bits => write!(f, "{name}[]"),
            (o, 1) => write!(f, "{name}[{o}]"),
            (o, n) => write!(f, "{name}[{o}..{}]", o + n - 1),
        }
    }
}

/// Reads big-endian values at fixed offsets of an action body; short means BAD_LEN.
struct Body<'a>(&'a [u8]);

impl Body<'_> {
    fn bytes(&self, at: usize, n: usize) -> Result<&[u8]> {
        self.0
            .get(at..at + n)
            .ok_or_else(|| DecodeError::invalid("OFPBAC_BAD_LEN", "Nicira action too short"))
    }
    fn array<const N: usize>(&self, at: usize) -> Result<[u8; N]> {
        self.0
            .get(at..)
            .and_then(<[u8]>::first_chunk)
            .copied()
            .ok_or_else(|| DecodeError::invalid("OFPBAC_BAD_LEN", "Nicira action too short"))
    }
    fn u8(&self, at: usize) -> Result<u8> {
        let [b] = self.array(at)?;
        Ok(b)
    }
    fn u16(&self, at: usize) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(at)?))
    }
    fn u32(&self, at: usize) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(at)?))
    }
    fn u64(&self, at: usize) -> Result<u64> {
        Ok((u64::from(self.u32(at)?) << 32) | u64::from(self.u32(at + 4)?))
    }
    fn rest(&self, at: usize) -> &[u8] {
        self.0.get(at..).unwrap_or_default()
    }
}

fn bad_argument(detail: impl Into<String>) -> DecodeError {
    DecodeError::invalid("OFPBAC_BAD_ARGUMENT", detail)
}

/// `0x1f` style, but `0` for zero (C's `%#x`).
fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_owned()
    } else {
        format!("{v:#x}")
    }
}

fn dotted_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Decodes Nicira action `data` (everything after the vendor id) into ovs-ofctl text,
/// checking it as Open vSwitch does. `Ok(None)` for subtypes shown generically.
pub(crate) fn decode(data: &[u8], nesting: Nesting) -> Result<Option<String>> {
    let d = Body(data);
    let subtype = d.u16(0)?;
    Ok(Some(match subtype {
        1 => format!("resubmit:{}", PortDisplay(d.u16(2)?)),
        2 => format!("set_tunnel:{:#x}", d.u32(4)?),
        4 => format!("set_queue:{}", d.u32(4)?),
        5 => "pop_queue".to_owned(),
        6 => {
            let n_bits = u32::from(d.u16(2)?);
            let src = Subfield::new(d.u32(8)?, u32::from(d.u16(4)?), n_bits)?;
            let dst = Subfield::new(d.u32(12)?, u32::from(d.u16(6)?), n_bits)?;
            dst.check_writable(nesting)?;
            format!("move:{src}->{dst}")
        }
        7 => {
            let dst = Subfield::from_ofs_nbits(d.u32(4)?, d.u16(2)?)?;
            dst.check_writable(nesting)?;
            format!("load:{}->{dst}", hex(d.u64(8)?))
        }
        8 => format!("note:{}", dotted_hex(d.rest(2))),
        9 => format!("set_tunnel64:{:#x}", d.u64(8)?),
        10 => {
            let fields = hash_fields(d.u16(2)?)?;
            let algorithm = lookup(
                &[
                    (0u16, "modulo_n"),
                    (1, "hash_threshold"),
                    (2, "hrw"),
                    (3, "iter_hash"),
                ],
                d.u16(8)?,
            )
            .ok_or_else(|| bad_argument("unknown multipath algorithm"))?;
            let dst = Subfield::from_ofs_nbits(d.u32(20)?, d.u16(18)?)?;
            format!(
                "multipath({fields},{},{algorithm},{},{},{dst})",
                d.u16(4)?,
                u32::from(d.u16(10)?) + 1,
                d.u32(12)?
            )
        }
        12 | 13 => bundle(&d, subtype == 13)?,
        14 | 44 => {
            let port = d.u16(2)?;
            let table = d.u8(4)?;
            if subtype == 14 && port != super::port::ofpp::IN_PORT && table == 255 {
                format!("resubmit:{}", PortDisplay(port))
            } else {
                let port = match port {
                    super::port::ofpp::IN_PORT => String::new(),
                    p => PortDisplay(p).to_string(),
                };
                let table = if table == 255 {
                    String::new()
                } else {
                    table.to_string()
                };
                let ct = if subtype == 44 { ",ct" } else { "" };
                format!("resubmit({port},{table}{ct})")
            }
        }
        15 => format!("output:{}", Subfield::from_ofs_nbits(d.u32(4)?, d.u16(2)?)?),
        16 | 45 => learn(&d, subtype == 45)?,
        17 => "exit".to_owned(),
        18 => "dec_ttl".to_owned(),
        19 => {
            let mut parts = Vec::new();
            if d.u16(2)? != 0 {
                parts.push(format!("idle_timeout={}", d.u16(2)?));
            }
            if d.u16(4)? != 0 {
                parts.push(format!("hard_timeout={}", d.u16(4)?));
            }
            format!("fin_timeout({})", parts.join(","))
        }
        20 => controller_text(&Controller {
            max_len: d.u16(2)?,
            id: d.u16(4)?,
            reason: d.u8(6)?,
            ..Controller::default()
        }),
        21 => {
            let n = usize::from(d.u16(2)?);
            let ids: Result<Vec<String>> =
                (0..n).map(|i| Ok(d.u16(8 + 2 * i)?.to_string())).collect();
            format!("dec_ttl({})", ids?.join(","))
        }
        22 => {
            return Err(DecodeError::invalid(
                "OFPBIC_UNSUP_INST",
                "write_metadata is an instruction, not an OpenFlow 1.0 action",
            ))
        }
        23 => format!("push_mpls:0x{:04x}", d.u16(2)?),
        24 => format!("pop_mpls:0x{:04x}", d.u16(2)?),
        25 => format!("set_mpls_ttl({})", d.u8(2)?),
        26 => "dec_mpls_ttl".to_owned(),
        27 | 28 => {
            let sub = Subfield::new(d.u32(4)?, u32::from(d.u16(2)?), u32::from(d.u16(8)?))?;
            let verb = if subtype == 27 { "push" } else { "pop" };
            format!("{verb}:{sub}")
        }
        29 => format!(
            "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={})",
            d.u16(2)?,
            d.u32(4)?,
            d.u32(8)?,
            d.u32(12)?
        ),
        30 => format!("set_mpls_label({})", d.u32(4)?),
        31 => format!("set_mpls_tc({})", d.u8(2)?),
        34 => format!(
            "conjunction({},{}/{})",
            d.u32(4)?,
            u32::from(d.u8(2)?) + 1,
            d.u8(3)?
        ),
        35 => conntrack(&d)?,
        36 => nat(&d)?,
        37 => controller2(&d)?,
        38 | 41 => {
            let direction = if subtype == 41 {
                match d.u8(18)? {
                    1 => ",ingress",
                    2 => ",egress",
                    _ => "",
                }
            } else {
                ""
            };
            format!(
                "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={},sampling_port={}{direction})",
                d.u16(2)?,
                d.u32(4)?,
                d.u32(8)?,
                d.u32(12)?,
                d.u16(16)?
            )
        }
        51 => {
            let id = |src_at: usize| -> Result<String> {
                match d.u32(src_at)? {
                    0 => Ok(d.u32(src_at + 4)?.to_string()),
                    header => Ok(Subfield::from_ofs_nbits(header, d.u16(src_at + 4)?)?.to_string()),
                }
            };
            let direction = match d.u8(26)? {
                1 => ",ingress",
                2 => ",egress",
                _ => "",
            };
            format!(
                "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={},sampling_port={}{direction})",
                d.u16(2)?,
                d.u32(4)?,
                id(8)?,
                id(16)?,
                d.u16(24)?
            )
        }
        39 => format!(
            "output(port={},max_len={})",
            PortDisplay(d.u16(2)?),
            d.u32(4)?
        ),
        40 => format!("group:{}", d.u32(4)?),
        42 => format!("clone({})", nested(d.rest(8), Nesting::TopLevel)?),
        43 => "ct_clear".to_owned(),
        49 => {
            let dst = Subfield::new(d.u32(6)?, u32::from(d.u16(4)?), 1)?;
            dst.check_writable(nesting)?;
            format!("check_pkt_larger({})->{dst}", d.u16(2)?)
        }
        50 => {
            let f = field(d.u32(2)?)?;
            // OVS names the field here by its short (mf) name.
            let short = match f.name.strip_prefix("NXM_NX_TUN_METADATA") {
                Some(i) => format!("tun_metadata{i}"),
                None => f
                    .name
                    .trim_start_matches("NXM_OF_")
                    .trim_start_matches("NXM_NX_")
                    .to_ascii_lowercase(),
            };
            format!("delete_field:{short}")
        }
        _ => return Ok(None),
    }))
}

fn nested(bytes: &[u8], nesting: Nesting) -> Result<String> {
    let list = parse_actions_in(&mut Reader::new(bytes), nesting)?;
    Ok(Actions(&list).to_string())
}

fn hash_fields(v: u16) -> Result<&'static str> {
    lookup(
        &[
            (0u16, "eth_src"),
            (1, "symmetric_l4"),
            (2, "symmetric_l3l4"),
            (3, "symmetric_l3l4+udp"),
            (4, "nw_src"),
            (5, "nw_dst"),
            (6, "symmetric_l3"),
        ],
        v,
    )
    .ok_or_else(|| bad_argument("unknown hash fields"))
}

fn bundle(d: &Body, load: bool) -> Result<String> {
    let algorithm = match d.u16(2)? {
        0 => "active_backup",
        1 => "hrw",
        _ => return Err(bad_argument("unknown bundle algorithm")),
    };
    let fields = hash_fields(d.u16(4)?)?;
    if d.u32(8)? != NXM_OF_IN_PORT {
        return Err(bad_argument("bundle members must be OpenFlow ports"));
    }
    let n = usize::from(d.u16(12)?);
    let members: Result<Vec<String>> = (0..n).map(|i| Ok(d.u16(24 + 2 * i)?.to_string())).collect();
    let members = members?.join(",");
    let basis = d.u16(6)?;
    if load {
        let dst = Subfield::from_ofs_nbits(d.u32(16)?, d.u16(14)?)?;
        Ok(format!(
            "bundle_load({fields},{basis},{algorithm},ofport,{dst},members:{members})"
        ))
    } else {
        Ok(format!(
            "bundle({fields},{basis},{algorithm},ofport,members:{members})"
        ))
    }
}

const LEARN_SEND_FLOW_REM: u16 = 1;
const LEARN_DELETE_LEARNED: u16 = 2;
const LEARN_WRITE_RESULT: u16 = 4;

fn learn(d: &Body, v2: bool) -> Result<String> {
    let flags = d.u16(16)?;
    let mut s = format!("learn(table={}", d.u8(18)?);
    for (value, name) in [
        (d.u16(2)?, "idle_timeout"),
        (d.u16(4)?, "hard_timeout"),
        (d.u16(20)?, "fin_idle_timeout"),
        (d.u16(22)?, "fin_hard_timeout"),
    ] {
        if value != 0 {
            s += &format!(",{name}={value}");
        }
    }
    let priority = d.u16(6)?;
    if priority != super::flow_mod::DEFAULT_PRIORITY {
        s += &format!(",priority={priority}");
    }
    if flags & LEARN_SEND_FLOW_REM != 0 {
        s += ",send_flow_rem";
    }
    if flags & LEARN_DELETE_LEARNED != 0 {
        s += ",delete_learned";
    }
    let cookie = d.u64(8)?;
    if cookie != 0 {
        s += &format!(",cookie={cookie:#x}");
    }
    let mut specs_at = 24;
    if v2 {
        let limit = d.u32(24)?;
        if limit != 0 {
            s += &format!(",limit={limit}");
        }
        specs_at = 32;
        if flags & LEARN_WRITE_RESULT != 0 {
            let dst = Subfield::new(d.u32(32)?, u32::from(d.u16(28)?), 1)?;
            s += &format!(",result_dst={dst}");
            specs_at = 36;
        }
    }
    let mut r = Reader::new(d.rest(specs_at));
    while r.remaining() >= 2 {
        let header = r.u16("learn spec")?;
        if header == 0 {
            break;
        }
        s += ",";
        s += &learn_spec(header, &mut r)?;
    }
    Ok(s + ")")
}

const LEARN_SRC_IMMEDIATE: u16 = 1 << 13;
const LEARN_DST_MASK: u16 = 3 << 11;
const LEARN_DST_LOAD: u16 = 1 << 11;
const LEARN_DST_OUTPUT: u16 = 2 << 11;

fn learn_spec(header: u16, r: &mut Reader) -> Result<String> {
    let n_bits = u32::from(header & 0x3ff);
    let bad_len = |_| DecodeError::invalid("OFPBAC_BAD_LEN", "learn spec too short");
    let src = if header & LEARN_SRC_IMMEDIATE != 0 {
        let bytes = r
            .take(2 * n_bits.div_ceil(16) as usize, "learn value")
            .map_err(bad_len)?;
        Err(bytes
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b)))
    } else {
        let h = r.u32("learn src").map_err(bad_len)?;
        let ofs = r.u16("learn src ofs").map_err(bad_len)?;
        Ok(Subfield::new(h, u32::from(ofs), n_bits)?)
    };
    let imm = |v: u128| {
        if v == 0 {
            "0".to_owned()
        } else {
            format!("{v:#x}")
        }
    };
    let dst_type = header & LEARN_DST_MASK;
    if dst_type == LEARN_DST_OUTPUT {
        return match src {
            Ok(s) => Ok(format!("output:{s}")),
            Err(_) => Err(bad_argument("learn output from an immediate")),
        };
    }
    let h = r.u32("learn dst").map_err(bad_len)?;
    let ofs = r.u16("learn dst ofs").map_err(bad_len)?;
    let dst = Subfield::new(h, u32::from(ofs), n_bits)?;
    Ok(match (dst_type, src) {
        (LEARN_DST_LOAD, Ok(s)) => format!("load:{s}->{dst}"),
        (LEARN_DST_LOAD, Err(v)) => format!("load:{}->{dst}", imm(v)),
        (_, Ok(s)) if s.field.header == dst.field.header && s.ofs == dst.ofs => dst.to_string(),
        (_, Ok(s)) => format!("{dst}={s}"),
        (_, Err(v)) => format!("{dst}={}", imm(v)),
    })
}

#[derive(Default)]
struct Controller {
    max_len: u16,
    id: u16,
    reason: u8,
    userdata: Vec<u8>,
    pause: bool,
    meter_id: Option<u32>,
}

const PACKET_IN_REASONS: &[(u8, &str)] = &[
    (0, "no_match"),
    (1, "action"),
    (2, "invalid_ttl"),
    (3, "action_set"),
    (4, "group"),
    (5, "packet_out"),
];

fn controller_text(c: &Controller) -> String {
    if c.reason == 1 && c.id == 0 && c.userdata.is_empty() && !c.pause && c.meter_id.is_none() {
        return format!("CONTROLLER:{}", c.max_len);
    }
    let mut parts = Vec::new();
    if c.reason != 1 {
        parts.push(format!(
            "reason={}",
            lookup(PACKET_IN_REASONS, c.reason).unwrap_or("?")
        ));
    }
    if c.max_len != u16::MAX {
        parts.push(format!("max_len={}", c.max_len));
    }
    if c.id != 0 {
        parts.push(format!("id={}", c.id));
    }
    if !c.userdata.is_empty() {
        parts.push(format!("userdata={}", dotted_hex(&c.userdata)));
    }
    if c.pause {
        parts.push("pause".to_owned());
    }
    if let Some(m) = c.meter_id {
        parts.push(format!("meter_id={m}"));
    }
    format!("controller({})", parts.join(","))
}

fn controller2(d: &Body) -> Result<String> {
    if d.bytes(2, 6)?.iter().any(|&b| b != 0) {
        return Err(DecodeError::invalid(
            "NXBRC_MUST_BE_ZERO",
            "controller2 padding is not zero",
        ));
    }
    let mut c = Controller {
        max_len: u16::MAX,
        reason: 1,
        ..Controller::default()
    };
    let mut r = Reader::new(d.rest(8));
    let bad_len = |_| DecodeError::invalid("OFPBAC_BAD_LEN", "controller2 property too short");
    while r.remaining() >= 4 {
        let kind = r.u16("property").map_err(bad_len)?;
        let len = usize::from(r.u16("property length").map_err(bad_len)?);
        let value = Body(r.take(len.saturating_sub(4), "property").map_err(bad_len)?);
        r.take((8 - len % 8) % 8, "property padding")
            .map_err(bad_len)?;
        match kind {
            0 => c.max_len = value.u16(0)?,
            1 => c.id = value.u16(0)?,
            2 => c.reason = value.u8(0)?,
            3 => c.userdata = value.0.to_vec(),
            4 => c.pause = true,
            5 => c.meter_id = Some(value.u32(0)?),
            _ => return Err(bad_argument(format!("controller2 property {kind}"))),
        }
    }
    Ok(controller_text(&c))
}

const CT_COMMIT: u16 = 1;
const CT_FORCE: u16 = 2;
const NXAST_REG_LOAD: u16 = 7;
const NXAST_NAT: u16 = 36;

fn conntrack(d: &Body) -> Result<String> {
    let flags = d.u16(2)?;
    if flags & CT_FORCE != 0 && flags & CT_COMMIT == 0 {
        return Err(bad_argument("ct force without commit"));
    }
    let mut parts = Vec::new();
    if flags & CT_COMMIT != 0 {
        parts.push("commit".to_owned());
    }
    if flags & CT_FORCE != 0 {
        parts.push("force".to_owned());
    }
    let table = d.u8(10)?;
    if table != 255 {
        parts.push(format!("table={table}"));
    }
    match (d.u32(4)?, d.u16(8)?) {
        (0, 0) => {}
        (0, zone) => parts.push(format!("zone={zone}")),
        (header, ofs_nbits) => {
            let zone = Subfield::from_ofs_nbits(header, ofs_nbits)?;
            if zone.n_bits != 16 {
                return Err(DecodeError::invalid(
                    "OFPBAC_BAD_SET_LEN",
                    "ct zone must be 16 bits",
                ));
            }
            parts.push(format!("zone={zone}"));
        }
    }
    let list = parse_actions_in(&mut Reader::new(d.rest(16)), Nesting::CtExec)?;
    for a in &list {
        if !allowed_in_ct(a) {
            return Err(bad_argument(format!("ct cannot execute {a}")));
        }
    }
    // A leading nat() is shown outside the exec() envelope.
    let (nat, exec) = match list.split_first() {
        Some((first, rest)) if nicira_subtype(first) == Some(NXAST_NAT) => (Some(first), rest),
        _ => (None, list.as_slice()),
    };
    if let Some(n) = nat {
        parts.push(n.to_string());
    }
    if !exec.is_empty() {
        parts.push(format!("exec({})", Actions(exec)));
    }
    match d.u16(14)? {
        0 => {}
        21 => parts.push("alg=ftp".to_owned()),
        69 => parts.push("alg=tftp".to_owned()),
        other => parts.push(format!("alg={other}")),
    }
    Ok(format!("ct({})", parts.join(",")))
}

fn nicira_subtype(a: &Action) -> Option<u16> {
    match a {
        Action::Vendor(v) if v.vendor == NICIRA => Some(u16::from_be_bytes(*v.data.first_chunk()?)),
        _ => None,
    }
}

/// Inside `ct(exec(...))` Open vSwitch allows only nat and writes to ct_mark/ct_label.
fn allowed_in_ct(a: &Action) -> bool {
    match (nicira_subtype(a), a) {
        (Some(NXAST_NAT), _) => true,
        (Some(NXAST_REG_LOAD), Action::Vendor(v)) => Body(&v.data)
            .u32(4)
            .is_ok_and(|h| matches!(h, NXM_NX_CT_MARK | NXM_NX_CT_LABEL)),
        _ => false,
    }
}

const NAT_SRC: u16 = 1;
const NAT_DST: u16 = 2;
const NAT_PERSISTENT: u16 = 4;
const NAT_HASH: u16 = 8;
const NAT_RANDOM: u16 = 16;

fn nat(d: &Body) -> Result<String> {
    let flags = d.u16(4)?;
    let present = d.u16(6)?;
    if flags & NAT_SRC != 0 && flags & NAT_DST != 0 {
        return Err(bad_argument("nat both src and dst"));
    }
    if flags & (NAT_SRC | NAT_DST) == 0 && present != 0 {
        return Err(bad_argument("nat range without src or dst"));
    }
    if flags & NAT_HASH != 0 && flags & NAT_RANDOM != 0 {
        return Err(bad_argument("nat both hash and random"));
    }
    let mut at = 8;
    let mut take = |bit: u16, n: usize| -> Result<Option<&[u8]>> {
        if present & bit == 0 {
            return Ok(None);
        }
        let b = d.bytes(at, n)?;
        at += n;
        Ok(Some(b))
    };
    let v4 = |b: Option<&[u8]>| {
        b.and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(Ipv4Addr::from)
    };
    let v6 = |b: Option<&[u8]>| {
        b.and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(Ipv6Addr::from)
    };
    let port = |b: Option<&[u8]>| {
        b.and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_be_bytes)
    };
    let ip4_min = v4(take(1, 4)?);
    let ip4_max = v4(take(2, 4)?);
    let ip6_min = v6(take(4, 16)?);
    let ip6_max = v6(take(8, 16)?);
    let port_min = port(take(16, 2)?);
    let port_max = port(take(32, 2)?);
    if ip4_min.zip(ip4_max).is_some_and(|(a, b)| a > b)
        || ip6_min.zip(ip6_max).is_some_and(|(a, b)| a > b)
        || port_min.zip(port_max).is_some_and(|(a, b)| a > b)
    {
        return Err(bad_argument("nat range minimum above maximum"));
    }
    let kind = match flags & (NAT_SRC | NAT_DST) {
        NAT_SRC => "src",
        NAT_DST => "dst",
        _ => return Ok("nat".to_owned()),
    };
    let mut s = kind.to_owned();
    let has_port = port_min.is_some_and(|p| p != 0);
    if let Some(min) = ip4_min.filter(|a| !a.is_unspecified()) {
        s += &format!("={min}");
        if let Some(max) = ip4_max.filter(|m| *m != min && !m.is_unspecified()) {
            s += &format!("-{max}");
        }
    } else if let Some(min) = ip6_min.filter(|a| !a.is_unspecified()) {
        let wrap = |a: Ipv6Addr| {
            if has_port {
                format!("[{a}]")
            } else {
                a.to_string()
            }
        };
        s += &format!("={}", wrap(min));
        if let Some(max) = ip6_max.filter(|m| *m != min && !m.is_unspecified()) {
            s += &format!("-{}", wrap(max));
        }
    }
    if let Some(min) = port_min.filter(|&p| p != 0) {
        s += &format!(":{min}");
        if let Some(max) = port_max.filter(|&m| m != min && m != 0) {
            s += &format!("-{max}");
        }
    }
    for (bit, name) in [
        (NAT_PERSISTENT, "persistent"),
        (NAT_HASH, "hash"),
        (NAT_RANDOM, "random"),
    ] {
        if flags & bit != 0 {
            s += &format!(",{name}");
        }
    }
    Ok(format!("nat({s})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subfields_print_like_ovs() {
        let reg1 = REG_FIELD + (1 << 9);
        assert_eq!(
            Subfield::from_ofs_nbits(reg1, (5 << 6) | 5)
                .unwrap()
                .to_string(),
            "NXM_NX_REG1[5..10]"
        );
        assert_eq!(
            Subfield::new(nxm(0, 4, 2), 0, 16).unwrap().to_string(),
            "NXM_OF_VLAN_TCI[]"
        );
        assert!(Subfield::new(nxm(0, 4, 2), 8, 16).is_err());
    }
}
