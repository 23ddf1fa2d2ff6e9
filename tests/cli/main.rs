//! Integration tests: one binary (one link step), with a module per area.

mod harness;
mod harness_selftest;
