//! `-x`: a message's bytes as hex and ASCII, 16 a line, as tshark's and `xxd`'s dumps lay
//! them out (the viewer's Bytes pane uses the same layout and character rule).

/// Bytes per dump line.
pub const PER_LINE: usize = 16;

/// The byte's ASCII column character: itself when printable, else `.`.
pub fn ascii(byte: u8) -> char {
    if byte.is_ascii_graphic() || byte == b' ' {
        char::from(byte)
    } else {
        '.'
    }
}

/// Appends the dump: `0000  01 0a 00 3c 00 00 00 00  ff ff ff ff 00 2a 00 01   ...<.........*..`
pub fn write(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (n, chunk) in bytes.chunks(PER_LINE).enumerate() {
        let offset = n * PER_LINE;
        for shift in [12, 8, 4, 0] {
            out.push(char::from(HEX[(offset >> shift) & 0xf]));
        }
        out.push_str("  ");
        for i in 0..PER_LINE {
            match chunk.get(i) {
                Some(b) => {
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
                None => out.push_str("  "),
            }
            out.push_str(if i == 7 { "  " } else { " " });
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| ascii(b)));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_offset_two_groups_of_eight_and_the_ascii() {
        let mut out = String::new();
        let bytes: Vec<u8> = (0x3e..0x3e + 18).collect();
        write(&mut out, &bytes);
        assert_eq!(
            out,
            "0000  3e 3f 40 41 42 43 44 45  46 47 48 49 4a 4b 4c 4d  >?@ABCDEFGHIJKLM\n\
             0010  4e 4f                                             NO\n"
        );
    }

    #[test]
    fn unprintable_bytes_are_dots() {
        let mut out = String::new();
        write(&mut out, &[0x00, 0x1b, 0x7f, 0x80, b'a']);
        assert!(out.ends_with(" ....a\n"), "{out:?}");
    }
}
