//! The `netsync` binary: parse the command line, run, exit with the documented code.

mod cli;

use clap::Parser;

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            std::process::exit(if err.use_stderr() {
                crate::cli::error::exit::USAGE
            } else {
                crate::cli::error::exit::OK
            });
        }
    };
    std::process::exit(cli::run(cli));
}
