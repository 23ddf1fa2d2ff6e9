//! Integration tests: one binary (one link step), with a module per area.

mod apply;
mod base;
mod config;
mod consistency;
mod contract;
mod diff;
mod diff_without_identity;
mod errors;
mod failover;
mod harness;
mod harness_selftest;
mod hosts;
mod incremental;
mod init;
mod interleavings;
mod limits;
mod package;
mod persist;
mod plan;
mod restore;
mod secrets;
mod secure;
mod status;
