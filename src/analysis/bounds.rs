//! The bound of every table the analysis grows with what the capture holds, in one place.
//! Past its bound a table takes no new entry: what would have gone in is not counted, and a
//! `table_full` finding says so, at the first frame refused. (The flow tables' bound is
//! `crate::flow_table::MAX_FLOWS`, whose cost is explained there; the stream's connections theirs,
//! `StreamConfig::max_connections`, reported through `Analyzer::table_full_elsewhere`; the
//! findings theirs, `Config::findings_cap`.)

/// A table of the analysis that grows with the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Connections, with their pairing state. Switches are made for a connection (one at
    /// a time each), so this bounds them too.
    Connections,
    /// PacketIn sources seen per switch (MAC moves), and MACs flooded to per switch.
    Macs,
    /// Addresses asked for (ARP, ICMP echo) and not yet answered.
    Addresses,
    /// Latency series per host pair.
    HostPairs,
    /// Conversations between two hosts.
    Conversations,
    /// Port changes (PORT_STATUS) listed per switch; later ones are counted only.
    PortChanges,
    /// Flows in a switch's flow table.
    Flows,
}

impl Table {
    const ALL: [Table; 7] = [
        Table::Connections,
        Table::Macs,
        Table::Addresses,
        Table::HostPairs,
        Table::Conversations,
        Table::PortChanges,
        Table::Flows,
    ];

    /// Its name in the `table_full` finding.
    pub fn name(self) -> &'static str {
        match self {
            Table::Connections => "connection",
            Table::Macs => "per-switch MAC",
            Table::Addresses => "asked address",
            Table::HostPairs => "host-pair latency",
            Table::Conversations => "conversation",
            Table::PortChanges => "per-switch port change",
            Table::Flows => "flow",
        }
    }

    /// Its bound by default: well past a real network's, small enough that a capture
    /// crafted to fill them all stays within a few hundred MB.
    const fn default_bound(self) -> usize {
        match self {
            Table::Connections => 200_000,
            Table::Macs => 100_000,
            Table::Addresses => 100_000,
            Table::HostPairs => 1024,
            Table::Conversations => 50_000,
            Table::PortChanges => 10_000,
            Table::Flows => crate::flow_table::MAX_FLOWS,
        }
    }
}

/// The bound of each table (the defaults, or smaller ones in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds([usize; Table::ALL.len()]);

impl Default for Bounds {
    fn default() -> Self {
        Bounds(Table::ALL.map(Table::default_bound))
    }
}

impl Bounds {
    pub fn of(&self, table: Table) -> usize {
        self.0[table as usize]
    }

    /// These bounds with `table`'s set to `entries`.
    pub fn with(mut self, table: Table, entries: usize) -> Bounds {
        self.0[table as usize] = entries;
        self
    }
}
