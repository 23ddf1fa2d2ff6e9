//! netsync keeps a Git repository (desired state, versioned) and an etcd cluster (live
//! state) in sync. Data flows one way through the crate: read both sides
//! ([`desired`], [`kv`]) → plan ([`plan`], pure) → carry out ([`apply`]) → report
//! ([`render`]). Only `src/cli/` knows about the command line.

pub mod adopt;
pub mod apply;
pub mod checks;
pub mod config;
pub mod desired;
pub mod diff;
pub mod git;
pub mod history;
pub mod init;
pub mod keypath;
pub mod kv;
pub mod lock;
pub mod parallel;
pub mod persist;
pub mod plan;
pub mod prepare;
pub mod progress;
pub mod pushes;
pub mod refusal;
pub mod render;
pub mod restore;
pub mod saved;
pub mod secrets;
pub mod settings;
pub mod status;
pub mod syncpoint;
pub mod testhook;
pub mod trust;
pub mod verify;
pub mod watch;
pub mod watcher;
pub mod write;
