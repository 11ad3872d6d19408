//! The `memscope` binary: a Jupyter kernel for Rust, and its installer.
//!
//! Wiring and conversion over the libraries: `memscope-protocol`
//! (sockets), `memscope-kernel` (dispatch), `memscope-session` (what a
//! cell means to memscope) over `memscope-engine` (evcxr). This file
//! parses the command line
//! and reports errors once, with their whole chain.

mod cli;
mod embedded_prelude;
mod install;
mod language;
mod lifetime;
mod places;
mod session_interpreter;
mod settings;
mod to_kernel;
mod unavailable;
mod wiring;

use clap::Parser;

use settings::Settings;

fn main() -> std::process::ExitCode {
    // evcxr starts this same binary as the process that runs cells and as a
    // rustc wrapper; in those roles this call never returns.
    memscope_engine::cell_process::enter_if_cell_process();

    let cli = cli::Cli::parse();
    let settings = Settings::from_env();
    let result = match cli.command {
        cli::Command::Kernel { connection_file } => wiring::run(&connection_file, &settings),
        cli::Command::Install { location, no_fetch } => {
            install::install(&location.resolve(), !no_fetch, &settings)
        }
        cli::Command::Fetch => install::fetch_crates(&places::toolchain_dirs(&settings), &settings),
        cli::Command::Uninstall { location } => install::uninstall(&location.resolve(), &settings),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("memscope: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
