//! The `clausemap` binary: parse the arguments, run the command, print problems, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = clausemap::cli::Cli::parse();
    let exit = clausemap::commands::run(cli);
    ExitCode::from(exit as u8)
}
