//! The integration tests, in one crate: one module per area, and the helpers they share
//! (`common`: the binary, the samples, tshark; `stream_support`: synthetic captures;
//! `tui_support`: the viewer driven by keys; `differential_support`: the reference tools'
//! tallies). One crate builds and links once for every test. Run one area with a filter:
//! `cargo test --release --test it stream_credit::`.

mod common;
mod differential_support;
mod stream_support;
mod tui_support;

mod analysis_cli;
mod analysis_findings;
mod analysis_samples;
mod bench_faults;
mod bench_runs;
mod capture_formats;
mod cli_bounded_reads;
mod cli_decode;
mod cli_hostile_names;
mod cli_never_destroys_input;
mod cli_option_ranges;
mod cli_packaging;
mod cli_pcap;
mod cli_truncated_and_bddp;
mod cli_tshark_habits;
mod control_faults;
mod control_replay;
mod control_support;
mod control_tap;
mod control_view;
mod differential_captures;
mod differential_of10_messages;
mod differential_times;
mod fields;
mod filter_errors;
mod filter_eval;
mod flow_table_model;
mod hostile_suite;
pub mod live_cli;
mod live_follow;
mod parquet_tables;
mod readme_examples;
mod replay_apps;
mod replay_cli;
mod replay_into;
mod replay_story;
mod stream_corpora;
mod stream_credit;
mod stream_loss;
mod stream_reassembly;
mod stream_snaplen;
mod tui_habits;
mod tui_snapshots;
mod tui_state;
mod tui_tmux;
mod tunnels;
