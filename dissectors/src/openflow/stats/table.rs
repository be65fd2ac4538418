//! TABLE stats: one entry per flow table.

use crate::openflow::wire::{Put, Reader, Result};
use crate::tree::{Tree, Value};

/// One `ofp_table_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableStats {
    pub table_id: u8,
    pub name: String,
    pub wildcards: u32,
    pub max_entries: u32,
    pub active_count: u32,
    pub lookup_count: u64,
    pub matched_count: u64,
}

pub(super) const TABLE_STATS_LEN: usize = 64;

impl TableStats {
    pub(super) fn parse(r: &mut Reader) -> Result<TableStats> {
        let table_id = r.u8("table_id")?;
        r.pad(3)?;
        Ok(TableStats {
            table_id,
            name: r.text(32, "table name")?,
            wildcards: r.u32("wildcards")?,
            max_entries: r.u32("max_entries")?,
            active_count: r.u32("active_count")?,
            lookup_count: r.u64("lookup_count")?,
            matched_count: r.u64("matched_count")?,
        })
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        out.put_u8(self.table_id);
        out.put_zeros(3);
        out.put_text(&self.name, 32);
        out.put_u32(self.wildcards);
        out.put_u32(self.max_entries);
        out.put_u32(self.active_count);
        out.put_u64(self.lookup_count);
        out.put_u64(self.matched_count);
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_TABLE_STATS, at..at + TABLE_STATS_LEN);
        let leaves = [
            (
                &hf::OF_TABLE_STATS_TABLE_ID,
                Value::Uint(self.table_id.into()),
                0,
                1,
            ),
            (
                &hf::OF_TABLE_STATS_NAME,
                Value::Text(self.name.clone()),
                4,
                36,
            ),
            (
                &hf::OF_TABLE_STATS_WILDCARDS,
                Value::Hex {
                    value: self.wildcards.into(),
                    digits: 6,
                },
                36,
                40,
            ),
            (
                &hf::OF_TABLE_STATS_MAX_ENTRIES,
                Value::Uint(self.max_entries.into()),
                40,
                44,
            ),
            (
                &hf::OF_TABLE_STATS_ACTIVE_COUNT,
                Value::Uint(self.active_count.into()),
                44,
                48,
            ),
            (
                &hf::OF_TABLE_STATS_LOOKUP_COUNT,
                Value::Uint(self.lookup_count),
                48,
                56,
            ),
            (
                &hf::OF_TABLE_STATS_MATCHED_COUNT,
                Value::Uint(self.matched_count),
                56,
                64,
            ),
        ];
        for (field, value, from, to) in leaves {
            t.leaf(field, value, at + from..at + to);
        }
        t.close();
    }
}

/// The TABLE reply's list, from `at` to the body's `end`.
pub(super) fn list_tree(v: &[TableStats], t: &mut Tree, at: usize, end: usize) {
    t.open(&hf::OF_TABLES, at..end);
    for (i, e) in v.iter().enumerate() {
        e.build_tree(t, at + i * TABLE_STATS_LEN);
    }
    t.close();
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "TABLE stats", "";
        OF_TABLE_STATS = "of.table_stats", Group, "Table", "one table's counters";
        OF_TABLE_STATS_TABLE_ID = "of.table_stats.table_id", Uint, "Table", "table number";
        OF_TABLE_STATS_NAME = "of.table_stats.name", Text, "Name", "the table's name";
        OF_TABLE_STATS_WILDCARDS = "of.table_stats.wildcards", Hex, "Wildcards", "the wildcards the table supports";
        OF_TABLE_STATS_MAX_ENTRIES = "of.table_stats.max_entries", Uint, "Max entries", "flows the table can hold";
        OF_TABLE_STATS_ACTIVE_COUNT = "of.table_stats.active_count", Uint, "Active", "flows in the table";
        OF_TABLE_STATS_LOOKUP_COUNT = "of.table_stats.lookup_count", Uint, "Lookups", "packets looked up in the table";
        OF_TABLE_STATS_MATCHED_COUNT = "of.table_stats.matched_count", Uint, "Matched", "packets that matched a flow";
        OF_TABLES = "of.tables", List, "Tables", "of `of.table_stats`";
    }
}
