//! Test hooks: named points where an integration test can run a command, to make races
//! (a writer between plan and write, a compaction between pages) deterministic.
//!
//! A hook runs only when `NETSYNC_TEST_HOOK_<NAME>` is set; it is run with `sh -c` and
//! waited for. Production runs never set these variables; the names are not part of the
//! supported interface.

/// Run the hook `name` (e.g. `before_write`) if the test environment asks for it.
pub fn run(name: &str) {
    let var = format!("NETSYNC_TEST_HOOK_{}", name.to_ascii_uppercase());
    let Some(command) = std::env::var_os(&var) else {
        return;
    };
    tracing::debug!(hook = name, "running test hook");
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .status()
    {
        Ok(status) if status.success() => {}
        Ok(status) => tracing::warn!(hook = name, %status, "test hook failed"),
        Err(err) => tracing::warn!(hook = name, %err, "test hook could not run"),
    }
}
