//! The kernel's configuration, read from the environment once, in `main`
//! (ripgrep's two phases: here what the environment says; the modules that
//! use a setting resolve it, with its default, where it means something).
//! The README's configuration table lists these variables.
//!
//! Invariant: nothing else in the binary reads the environment, but `PATH`
//! (which the kernel extends for its children) and `HOME` (which `dirs`
//! reads).

use std::ffi::OsString;
use std::path::PathBuf;

/// Every variable the binary reads, as the environment gave it; an empty
/// value counts as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `MEMSCOPE_CACHE_DIR`: where build artefacts and build folders live.
    pub cache_dir: Option<PathBuf>,
    /// `XDG_CACHE_HOME`: the cache's parent when `cache_dir` is unset.
    pub xdg_cache_home: Option<PathBuf>,
    /// `MEMSCOPE_CELL_CACHE_MIB`: the most the cache of compiled cells may
    /// hold, as written (see [`Settings::cell_cache_bytes`]).
    pub cell_cache_mib: Option<String>,
    /// `MEMSCOPE_DIRECT_RUSTC`: `0` has every cell compiled through cargo
    /// (see [`Settings::direct_rustc`]).
    pub direct_rustc: Option<String>,
    /// `MEMSCOPE_PRELUDE_DIR`: a source tree's prelude to build cells
    /// against instead of the one the binary carries.
    pub prelude_dir: Option<PathBuf>,
    /// `MEMSCOPE_LOG`: the log's filter.
    pub log: Option<String>,
    /// `JPY_PARENT_PID`: the front end whose death ends the kernel.
    pub front_end_pid: Option<String>,
    /// `MEMSCOPE_TOOLCHAIN_PATH`: the folders of cargo and rustc that
    /// `memscope install` recorded in the kernelspec.
    pub toolchain_path: Option<OsString>,
    /// `CARGO_HOME`: where rustup's cargo lives when it is not on `PATH`.
    pub cargo_home: Option<PathBuf>,
    /// `JUPYTER_DATA_DIR`, `XDG_DATA_HOME`, `VIRTUAL_ENV`: where `memscope
    /// install` puts the kernelspec.
    pub jupyter_data_dir: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub virtual_env: Option<PathBuf>,
}

impl Settings {
    /// The settings of this process's environment.
    pub fn from_env() -> Settings {
        Settings::from_vars(|name| std::env::var_os(name))
    }

    /// The settings `var` gives (a test's own environment).
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Settings {
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        let path = |name: &str| set(name).map(PathBuf::from);
        let text = |name: &str| set(name).map(|v| v.to_string_lossy().into_owned());
        Settings {
            cache_dir: path("MEMSCOPE_CACHE_DIR"),
            xdg_cache_home: path("XDG_CACHE_HOME"),
            cell_cache_mib: text("MEMSCOPE_CELL_CACHE_MIB"),
            direct_rustc: text("MEMSCOPE_DIRECT_RUSTC"),
            prelude_dir: path("MEMSCOPE_PRELUDE_DIR"),
            log: text("MEMSCOPE_LOG"),
            front_end_pid: text("JPY_PARENT_PID"),
            toolchain_path: set("MEMSCOPE_TOOLCHAIN_PATH"),
            cargo_home: path("CARGO_HOME"),
            jupyter_data_dir: path("JUPYTER_DATA_DIR"),
            xdg_data_home: path("XDG_DATA_HOME"),
            virtual_env: path("VIRTUAL_ENV"),
        }
    }

    /// The most the cache of compiled cells may hold, in bytes: 512 MiB
    /// unless `MEMSCOPE_CELL_CACHE_MIB` says otherwise (0 switches it off;
    /// a value that is not a number is the default).
    pub fn cell_cache_bytes(&self) -> u64 {
        let mib = self
            .cell_cache_mib
            .as_deref()
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or(512);
        mib.saturating_mul(1 << 20)
    }

    /// Whether a cell whose build inputs did not change is compiled by
    /// rustc as cargo last ran it, without cargo: yes, unless
    /// `MEMSCOPE_DIRECT_RUSTC` is `0` (for comparing, or should a toolchain
    /// ever need cargo's own run).
    pub fn direct_rustc(&self) -> bool {
        self.direct_rustc.as_deref().map(str::trim) != Some("0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), OsString::from(value)))
            .collect();
        Settings::from_vars(|name| {
            let found = vars.iter().find(|(n, _)| n == name);
            found.map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn rustc_runs_without_cargo_unless_switched_off() {
        assert!(settings(&[]).direct_rustc());
        assert!(settings(&[("MEMSCOPE_DIRECT_RUSTC", "1")]).direct_rustc());
        assert!(!settings(&[("MEMSCOPE_DIRECT_RUSTC", "0")]).direct_rustc());
    }

    #[test]
    fn empty_values_count_as_unset() {
        let read = settings(&[("MEMSCOPE_CACHE_DIR", ""), ("MEMSCOPE_LOG", "info")]);
        assert_eq!(read.cache_dir, None);
        assert_eq!(read.log.as_deref(), Some("info"));
    }

    #[test]
    fn the_cell_cache_is_512_mib_unless_set() {
        assert_eq!(settings(&[]).cell_cache_bytes(), 512 << 20);
        let off = settings(&[("MEMSCOPE_CELL_CACHE_MIB", "0")]);
        assert_eq!(off.cell_cache_bytes(), 0);
        let odd = settings(&[("MEMSCOPE_CELL_CACHE_MIB", "lots")]);
        assert_eq!(odd.cell_cache_bytes(), 512 << 20);
    }
}
