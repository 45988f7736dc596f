//! The `clausemap` binary: parse the arguments, install the limits, run the command, print
//! problems, exit.

use std::process::ExitCode;

use clap::Parser;

use clausemap::error::{Exit, Problem};
use clausemap::limits::{self, Limits};

fn main() -> ExitCode {
    clausemap::cleanup::install();
    let cli = clausemap::cli::Cli::parse();
    let error_format = cli.error_format;
    let env = std::env::var(limits::ENV).ok();
    match Limits::from_settings(env.as_deref(), &cli.limits) {
        Ok(l) => {
            // The first and only installation: nothing has read the limits yet.
            let _ = limits::set(l);
        }
        Err(message) => {
            let problem = Problem::new("usage::limit", message).help(format!(
                "set limits as `--limit NAME=VALUE` or `{}=NAME=VALUE,NAME=VALUE`; docs/robustness.md lists them",
                limits::ENV
            ));
            clausemap::commands::print_problems(&[problem], error_format);
            return ExitCode::from(Exit::Usage as u8);
        }
    }
    // The command runs on a thread with a large stack: parsing, checking and explaining a
    // condition recurse once per level of nesting, up to `limits::EXPRESSION_DEPTH_CEILING`.
    let worker = std::thread::Builder::new()
        .name("clausemap".to_string())
        .stack_size(STACK)
        .spawn(move || clausemap::commands::run(cli));
    let exit = match worker {
        Ok(handle) => match handle.join() {
            Ok(exit) => exit as u8,
            // The panic has been printed; exit as an uncaught panic does.
            Err(_) => return ExitCode::from(101),
        },
        Err(e) => {
            let problem = Problem::new("usage::thread", format!("cannot start a thread: {e}"))
                .help("the system is short of memory or threads: close something and run again");
            clausemap::commands::print_problems(&[problem], error_format);
            Exit::Usage as u8
        }
    };
    ExitCode::from(exit)
}

/// The stack of the thread that runs the command. At the deepest condition allowed (1024
/// levels) a debug build needs under 16 MiB; 64 MiB is only reserved, not used.
const STACK: usize = 64 * 1024 * 1024;

/// mimalloc: evaluation allocates and frees many small strings per provision; glibc's
/// allocator spent a third of an `evaluate` run in `malloc`, `free` and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
