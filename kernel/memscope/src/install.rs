//! Writing and removing the kernelspec, and fetching what kernels build.
//!
//! Invariant: installing is idempotent: files whose content would not
//! change are not rewritten. The kernelspec names no file of the source
//! tree: the binary carries its prelude (`embedded_prelude`), and the
//! kernelspec records only the binary and the toolchain's folders.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::Target;
use crate::embedded_prelude;
use crate::places;
use crate::settings::Settings;

const KERNEL_NAME: &str = "memscope";
const LOGO_SVG: &[u8] = include_bytes!("../assets/logo-svg.svg");
const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");

/// The Jupyter data folder for a target.
fn data_dir(target: &Target, settings: &Settings) -> Result<PathBuf> {
    Ok(match target {
        Target::Prefix(prefix) => prefix.join("share").join("jupyter"),
        Target::SysPrefix => sys_prefix(settings)?.join("share").join("jupyter"),
        Target::User => user_data_dir(settings)?,
    })
}

fn user_data_dir(settings: &Settings) -> Result<PathBuf> {
    if let Some(dir) = &settings.jupyter_data_dir {
        return Ok(dir.clone());
    }
    if let Some(dir) = &settings.xdg_data_home {
        return Ok(dir.join("jupyter"));
    }
    let home = places::home_dir().context("cannot find the home folder (HOME is not set)")?;
    Ok(home.join(".local").join("share").join("jupyter"))
}

fn sys_prefix(settings: &Settings) -> Result<PathBuf> {
    if let Some(env) = &settings.virtual_env {
        return Ok(env.clone());
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs python3 to find sys.prefix")?;
    if !output.status.success() {
        bail!("python3 could not report sys.prefix");
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// The kernel.json that starts this very binary, with the folders of the
/// cargo and rustc found at install time in front of the kernel's `PATH`.
pub fn kernel_json(executable: &Path, toolchain: &[PathBuf]) -> String {
    let mut spec = serde_json::json!({
        "argv": [executable.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "Rust (memscope)",
        "language": "rust",
        "interrupt_mode": "message",
        "env": {},
        // The debugger shows variables only (memscope-kernel's debug.rs);
        // JupyterLab offers its sidebar only to kernels that say true.
        "metadata": { "debugger": true }
    });
    if let Ok(path) = std::env::join_paths(toolchain)
        && !toolchain.is_empty()
    {
        spec["env"][places::TOOLCHAIN_VARIABLE] = path.to_string_lossy().into();
    }
    let mut text = serde_json::to_string_pretty(&spec).unwrap_or_default();
    text.push('\n');
    text
}

fn write_if_changed(path: &Path, content: &[u8]) -> Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
}

/// Registers the kernelspec in `target`; with `fetch`, first downloads every
/// crate a kernel's cells build against, so kernels never need the network.
pub fn install(target: &Target, fetch: bool, settings: &Settings) -> Result<()> {
    let executable = std::env::current_exe().context("cannot find the memscope executable")?;
    let toolchain = places::toolchain_dirs(settings);
    if toolchain.is_empty() {
        bail!(
            "cannot find cargo and rustc (on PATH or in ~/.cargo/bin): install Rust first, for example with rustup"
        );
    }
    if fetch {
        fetch_crates(&toolchain, settings)?;
    }
    let dir = data_dir(target, settings)?
        .join("kernels")
        .join(KERNEL_NAME);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_if_changed(
        &dir.join("kernel.json"),
        kernel_json(&executable, &toolchain).as_bytes(),
    )?;
    write_if_changed(&dir.join("logo-svg.svg"), LOGO_SVG)?;
    write_if_changed(&dir.join("logo-32x32.png"), LOGO_32)?;
    write_if_changed(&dir.join("logo-64x64.png"), LOGO_64)?;
    println!(
        "Installed the kernelspec {KERNEL_NAME} in {}",
        dir.display()
    );
    Ok(())
}

/// Unpacks the prelude into the cache and has cargo download every crate
/// a cell crate depends on, at the versions of the lock file the kernel
/// builds with, through a throwaway crate that depends on the prelude as a
/// cell crate does.
pub fn fetch_crates(toolchain: &[PathBuf], settings: &Settings) -> Result<()> {
    let cache = places::cache_dir(settings)?;
    let prelude = embedded_prelude::for_cells(settings, &cache)?;
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    std::fs::create_dir(scratch.path().join("src"))?;
    std::fs::write(scratch.path().join("src").join("lib.rs"), "")?;
    std::fs::write(
        scratch.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"memscope-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nmemscope-prelude = {{ path = {:?} }}\n",
            prelude.crate_dir.to_string_lossy()
        ),
    )?;
    if prelude.cell_lock.is_file() {
        std::fs::copy(&prelude.cell_lock, scratch.path().join("Cargo.lock"))?;
    }
    let path = std::env::join_paths(toolchain.iter().cloned().chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    println!("Fetching the crates memscope's cells build against");
    let status = std::process::Command::new("cargo")
        .arg("fetch")
        .current_dir(scratch.path())
        .env("PATH", &path)
        .status()
        .context("cannot run cargo fetch")?;
    if !status.success() {
        bail!(
            "cargo fetch failed ({status}): kernels would need the network to build their first cell"
        );
    }
    fetch_standard_library_crates(&path);
    Ok(())
}

/// Has cargo download the crates the standard library's own workspace
/// depends on (hashbrown, libc, ...: about 12 MiB), which rust-analyzer
/// reads the library through when it loads for completions. Without them,
/// offline, it loads the library with no dependencies between its crates,
/// and a `Vec` variable completes nothing. Only costs completions if it
/// fails, so it warns instead of failing the install.
fn fetch_standard_library_crates(path: &std::ffi::OsStr) {
    let sysroot = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .env("PATH", path)
        .output();
    let Ok(sysroot) = sysroot else {
        return;
    };
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    let manifest = Path::new(&sysroot).join("lib/rustlib/src/rust/library/Cargo.toml");
    if !manifest.is_file() {
        return; // no rust-src: rust-analyzer has no library to load either
    }
    println!("Fetching the crates the standard library's source depends on");
    let status = std::process::Command::new("cargo")
        .args(["fetch", "--locked", "--manifest-path"])
        .arg(&manifest)
        .env("PATH", path)
        // The library's manifest uses nightly-only settings; rust-analyzer
        // reads it with the same switch.
        .env("__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS", "nightly")
        .status();
    if !matches!(status, Ok(status) if status.success()) {
        eprintln!(
            "warning: cannot fetch the standard library's dependencies: offline, completions \
             of std's types may be missing"
        );
    }
}

pub fn uninstall(target: &Target, settings: &Settings) -> Result<()> {
    let dir = data_dir(target, settings)?
        .join("kernels")
        .join(KERNEL_NAME);
    if !dir.exists() {
        println!("No kernelspec {KERNEL_NAME} in {}", dir.display());
        return Ok(());
    }
    std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    println!(
        "Removed the kernelspec {KERNEL_NAME} from {}",
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_starts_this_binary_in_message_interrupt_mode() {
        let text = kernel_json(
            Path::new("/opt/bin/memscope"),
            &[PathBuf::from("/opt/rust/bin"), PathBuf::from("/usr/bin")],
        );
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            spec["argv"],
            serde_json::json!([
                "/opt/bin/memscope",
                "kernel",
                "--connection-file",
                "{connection_file}"
            ])
        );
        assert_eq!(spec["language"], "rust");
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["display_name"], "Rust (memscope)");
        assert_eq!(
            spec["env"],
            serde_json::json!({ places::TOOLCHAIN_VARIABLE: "/opt/rust/bin:/usr/bin" })
        );
    }

    #[test]
    fn install_is_idempotent_and_uninstall_removes() {
        let folder = tempfile::tempdir().unwrap();
        let prefix = folder.path().to_owned();
        let target = Target::Prefix(prefix.clone());
        let settings = Settings::default();
        install(&target, false, &settings).unwrap();
        let spec = prefix.join("share/jupyter/kernels/memscope/kernel.json");
        let modified = std::fs::metadata(&spec).unwrap().modified().unwrap();
        install(&target, false, &settings).unwrap();
        assert_eq!(
            std::fs::metadata(&spec).unwrap().modified().unwrap(),
            modified
        );
        for logo in ["logo-svg.svg", "logo-32x32.png", "logo-64x64.png"] {
            assert!(spec.with_file_name(logo).exists(), "{logo}");
        }
        uninstall(&target, &settings).unwrap();
        assert!(!spec.exists());
    }
}
