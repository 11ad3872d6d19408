//! Where things are: the user's home, the cache, and the Rust toolchain,
//! found the same way whatever environment the kernel was started with.
//!
//! Invariant: nothing here falls back to a folder shared by all users
//! (such as `/tmp`): a kernel that Kernel Gateway starts with only `PATH`
//! still uses its user's own cache, found through the password database.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::settings::Settings;

/// The kernelspec's record of the folders holding the `cargo` and `rustc`
/// that `memscope install` found, put in front of `PATH` by the kernel.
pub const TOOLCHAIN_VARIABLE: &str = "MEMSCOPE_TOOLCHAIN_PATH";

/// `$HOME` (if not empty), or else the home folder the password database
/// gives the user this process runs as (`dirs` asks `getpwuid_r`).
pub fn home_dir() -> Option<PathBuf> {
    dirs::home_dir().filter(|home| !home.as_os_str().is_empty())
}

/// Where build artefacts, build folders and the unpacked prelude persist:
/// `$MEMSCOPE_CACHE_DIR`, else `$XDG_CACHE_HOME/memscope`, else
/// `~/.cache/memscope`.
pub fn cache_dir(settings: &Settings) -> Result<PathBuf> {
    if let Some(dir) = &settings.cache_dir {
        return Ok(dir.clone());
    }
    if let Some(dir) = &settings.xdg_cache_home {
        return Ok(dir.join("memscope"));
    }
    let home = home_dir().context(
        "cannot find a cache folder: HOME is not set and the password database has no home \
         for this user (set MEMSCOPE_CACHE_DIR)",
    )?;
    Ok(home.join(".cache").join("memscope"))
}

/// The folders of `cargo` and `rustc` as this process would run them:
/// from `PATH`, else from `$CARGO_HOME/bin` or `~/.cargo/bin`, where rustup
/// puts them. Empty when neither is found.
pub fn toolchain_dirs(settings: &Settings) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for tool in ["cargo", "rustc"] {
        if let Some(dir) = find_tool(tool, settings)
            && !dirs.contains(&dir)
        {
            dirs.push(dir);
        }
    }
    dirs
}

fn find_tool(tool: &str, settings: &Settings) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_home = settings
        .cargo_home
        .clone()
        .or_else(|| home_dir().map(|home| home.join(".cargo")));
    on_path
        .into_iter()
        .chain(cargo_home.map(|home| home.join("bin")))
        .find(|dir| is_executable(&dir.join(tool)))
        .map(|dir| dir.canonicalize().unwrap_or(dir))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Puts the toolchain folders the kernelspec recorded in front of `PATH`,
/// so that cargo and rustc are found even in an environment that has only
/// a bare `PATH`.
///
/// # Safety
///
/// It sets `PATH` (`std::env::set_var`): no other thread may read or write
/// the environment meanwhile; call it before any thread starts.
pub unsafe fn use_recorded_toolchain(settings: &Settings) {
    let Some(recorded) = &settings.toolchain_path else {
        return;
    };
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(recorded).collect();
    for dir in std::env::split_paths(&current) {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    if let Ok(path) = std::env::join_paths(dirs) {
        // SAFETY: our caller's promise: no other thread touches the
        // environment now.
        unsafe { std::env::set_var("PATH", path) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_is_found_for_the_tests() {
        // The tests run under cargo, so its folder must be found.
        assert!(find_tool("cargo", &Settings::from_env()).is_some());
    }
}
