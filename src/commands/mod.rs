//! One file per subcommand: each turns parsed arguments into output and an exit code.
pub mod decode;
pub mod pcap;
pub mod replay;

/// Exit codes users' scripts rely on (DESIGN.md section 4).
pub mod exit {
    /// An assertion failed (replay mismatch).
    pub const ASSERTION_FAILED: u8 = 1;
    /// Bad usage or unreadable input.
    pub const BAD_INPUT: u8 = 2;
}
