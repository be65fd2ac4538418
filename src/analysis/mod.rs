//! Session analysis: controller latency, flow tables, switches, conversations, findings.
pub mod flow_table;
pub mod latency;

/// A duration for people: `850ns`, `12.3µs`, `4.56ms`, `1.234s`.
pub fn fmt_duration(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{:.1}µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.2}ms", ns as f64 / 1e6),
        _ => format!("{:.3}s", ns as f64 / 1e9),
    }
}
