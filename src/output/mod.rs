//! Views of decoded messages: text lines, detail trees, JSON and the stats report.
pub mod fields;
pub mod hexdump;
pub mod json;
pub mod parquet;
pub mod progress;
pub mod records;
pub mod report;
pub mod stats;
pub mod text;
pub mod time;
