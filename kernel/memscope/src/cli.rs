//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A Jupyter kernel for Rust that shows, after every cell, which variables
/// own their memory, which are views and which are aliases.
#[derive(Debug, Parser)]
#[command(name = "memscope", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kernel (this is what Jupyter starts, through kernel.json).
    Kernel {
        /// The connection file Jupyter wrote for this kernel.
        #[arg(long, value_name = "FILE")]
        connection_file: PathBuf,
    },
    /// Register the kernelspec "memscope" with Jupyter, after fetching the
    /// crates cells build against (so kernels never need the network).
    Install {
        #[command(flatten)]
        location: Location,
        /// Do not fetch crates (kernels then fetch them on first use).
        #[arg(long)]
        no_fetch: bool,
    },
    /// Fetch the crates cells build against, at the versions this memscope
    /// was tested with (what `install` does first).
    Fetch,
    /// Remove the kernelspec "memscope".
    Uninstall {
        #[command(flatten)]
        location: Location,
    },
}

/// Where the kernelspec goes; the user's Jupyter data folder by default.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct Location {
    /// The user's Jupyter data folder (the default).
    #[arg(long)]
    pub user: bool,
    /// The active Python environment ($VIRTUAL_ENV, else python3's sys.prefix).
    #[arg(long)]
    pub sys_prefix: bool,
    /// PREFIX/share/jupyter, as `jupyter kernelspec install --prefix` does.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<PathBuf>,
}

/// A resolved install location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    User,
    SysPrefix,
    Prefix(PathBuf),
}

impl Location {
    pub fn resolve(&self) -> Target {
        match (&self.prefix, self.sys_prefix) {
            (Some(prefix), _) => Target::Prefix(prefix.clone()),
            (None, true) => Target::SysPrefix,
            (None, false) => Target::User,
        }
    }
}
