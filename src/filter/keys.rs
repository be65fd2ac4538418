//! Field-name syntax, and the check against the keys the registry declares.

use std::sync::OnceLock;

use ofscope_dissectors::printable::Echo;
use ofscope_dissectors::tree::is_key_or_prefix;

/// Every key a filter may name: the dissectors' fields and the context's.
pub fn known() -> &'static [&'static str] {
    static KNOWN: OnceLock<Vec<&'static str>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        ofscope_dissectors::fields::all()
            .chain(super::context::SECTION.fields.iter().copied())
            .map(|f| f.key)
            .collect()
    })
}

/// `proto` or `proto.field.sub`: segments of lowercase letters, digits and `_`, each
/// starting with a letter or `_`.
pub fn is_key_syntax(word: &str) -> bool {
    word.split('.').all(|segment| {
        let mut bytes = segment.bytes();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// Accepts a key that is known, or a prefix of a known key (a protocol or group name such
/// as `arp` or `of.packet_in`); otherwise explains, with the closest known name.
pub fn check_known(word: &str, known: &[&str]) -> Result<(), String> {
    if known.iter().any(|key| is_key_or_prefix(word, key)) {
        return Ok(());
    }
    let most = word.len().div_ceil(4).max(1);
    let closest = known
        .iter()
        .flat_map(|key| prefixes(key))
        // The distance is at least the difference in length: a long word is compared
        // with nothing, where it would cost its length times each key's.
        .filter(|candidate| candidate.len().abs_diff(word.len()) <= most)
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, _)| distance <= most)
        .min();
    let shown = Echo::text(word);
    Err(match closest {
        Some((_, suggestion)) => format!("unknown field '{shown}'; did you mean {suggestion}?"),
        None => format!("unknown field '{shown}'"),
    })
}

/// `a.b.c` → `a`, `a.b`, `a.b.c`.
fn prefixes(key: &str) -> impl Iterator<Item = &str> {
    key.match_indices('.')
        .map(move |(i, _)| &key[..i])
        .chain(std::iter::once(key))
}

/// Levenshtein distance over bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_syntax() {
        for ok in ["arp", "of.packet_in.in_port", "_x.y2"] {
            assert!(is_key_syntax(ok), "{ok}");
        }
        for bad in ["", "eth..src", ".a", "a.", "Eth.src", "1a", "a.2b", "a:b"] {
            assert!(!is_key_syntax(bad), "{bad}");
        }
    }

    #[test]
    fn known_keys_and_suggestions() {
        let known = ["ip.src", "ip.dst", "of.packet_in.in_port"];
        assert!(check_known("ip.src", &known).is_ok());
        assert!(check_known("of.packet_in", &known).is_ok());
        assert!(check_known("of", &known).is_ok());
        assert!(check_known("ip.sr", &known).is_err());
        assert_eq!(
            check_known("ip.srcc", &known).unwrap_err(),
            "unknown field 'ip.srcc'; did you mean ip.src?"
        );
        assert_eq!(
            check_known("of.packet_inn", &known).unwrap_err(),
            "unknown field 'of.packet_inn'; did you mean of.packet_in?"
        );
        assert_eq!(
            check_known("lldp", &known).unwrap_err(),
            "unknown field 'lldp'"
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
