//! The prelude and the crates it needs, carried inside the binary (see
//! `build.rs`) and unpacked into the cache on first use.
//!
//! Invariant: a folder, once unpacked, is never written again. Each
//! binary's files go to `prelude/<hash of their content>`, written in a
//! temporary folder beside it and renamed into place whole, so a kernel of
//! another memscope keeps the folder it started with, and two kernels
//! starting at once both end up with one complete copy.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::settings::Settings;

mod files {
    include!(concat!(env!("OUT_DIR"), "/embedded_prelude.rs"));
}

/// The files of one memscope's prelude, unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedPrelude {
    /// The `memscope-prelude` crate.
    pub crate_dir: PathBuf,
    /// The lock file cell crates are built against.
    pub cell_lock: PathBuf,
}

/// Written last into a folder being unpacked: its presence means the
/// folder is complete.
const COMPLETE: &str = ".complete";

/// The prelude cells link against and the lock file their crates build
/// with: the copy this binary carries, unpacked into the cache; or, when
/// `settings.prelude_dir` names a source tree's prelude
/// (`MEMSCOPE_PRELUDE_DIR`, to work on the prelude itself), that crate and
/// its workspace's lock file.
pub fn for_cells(settings: &Settings, cache_dir: &Path) -> Result<UnpackedPrelude> {
    match &settings.prelude_dir {
        Some(crate_dir) => Ok(UnpackedPrelude {
            crate_dir: crate_dir.clone(),
            cell_lock: crate_dir.join("../../Cargo.lock"),
        }),
        None => unpack(cache_dir),
    }
}

/// The embedded prelude under `cache_dir/prelude`, unpacked if it is not
/// there yet.
pub fn unpack(cache_dir: &Path) -> Result<UnpackedPrelude> {
    unpack_files(
        &cache_dir.join("prelude"),
        files::CONTENT_HASH,
        files::FILES,
    )
}

fn unpack_files(parent: &Path, hash: &str, files: &[(&str, &[u8])]) -> Result<UnpackedPrelude> {
    let folder = parent.join(hash);
    let unpacked = UnpackedPrelude {
        crate_dir: folder.join("memscope-prelude"),
        cell_lock: folder.join("cells.lock"),
    };
    if folder.join(COMPLETE).is_file() {
        return Ok(unpacked);
    }
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the prelude's folder {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{hash}-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    for (path, bytes) in files {
        let target = staging.path().join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&target, bytes)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    std::fs::write(staging.path().join(COMPLETE), hash)?;
    let staged = staging.keep();
    if let Err(error) = std::fs::rename(&staged, &folder) {
        // Another kernel finished first: its copy is the same files.
        let _ = std::fs::remove_dir_all(&staged);
        if !folder.join(COMPLETE).is_file() {
            return Err(error)
                .with_context(|| format!("cannot move the prelude into {}", folder.display()));
        }
    }
    Ok(unpacked)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[(&str, &[u8])] = &[
        ("Cargo.toml", b"[workspace]\n"),
        ("cells.lock", b"version = 4\n"),
        ("memscope-prelude/src/lib.rs", b"//! lib\n"),
    ];

    #[test]
    fn unpacks_every_file_once() {
        let cache = tempfile::tempdir().unwrap();
        let unpacked = unpack_files(cache.path(), "abc", FILES).unwrap();
        assert_eq!(
            std::fs::read(unpacked.crate_dir.join("src/lib.rs")).unwrap(),
            b"//! lib\n"
        );
        assert_eq!(
            std::fs::read(&unpacked.cell_lock).unwrap(),
            b"version = 4\n"
        );
        // A folder once complete is left alone, even if a file in it changed.
        std::fs::write(unpacked.crate_dir.join("src/lib.rs"), "edited").unwrap();
        assert_eq!(unpack_files(cache.path(), "abc", FILES).unwrap(), unpacked);
        assert_eq!(
            std::fs::read(unpacked.crate_dir.join("src/lib.rs")).unwrap(),
            b"edited"
        );
        // Nothing but the folder itself is left beside it.
        let names: Vec<_> = std::fs::read_dir(cache.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("abc")]);
    }

    #[test]
    fn another_hash_unpacks_beside_the_old_one() {
        let cache = tempfile::tempdir().unwrap();
        let old = unpack_files(cache.path(), "old", FILES).unwrap();
        let new = unpack_files(cache.path(), "new", &FILES[..2]).unwrap();
        assert!(old.crate_dir.join("src/lib.rs").is_file());
        assert_ne!(old.crate_dir, new.crate_dir);
    }

    #[test]
    fn an_incomplete_folder_is_not_used() {
        let cache = tempfile::tempdir().unwrap();
        // A crash mid-unpack leaves only a staging folder, never the real one.
        std::fs::create_dir_all(cache.path().join(".abc-x/memscope-prelude")).unwrap();
        let unpacked = unpack_files(cache.path(), "abc", FILES).unwrap();
        assert!(unpacked.crate_dir.join("src/lib.rs").is_file());
    }

    #[test]
    fn the_binary_carries_the_prelude_and_a_lock() {
        let paths: Vec<&str> = files::FILES.iter().map(|(path, _)| *path).collect();
        for needed in [
            "Cargo.toml",
            "cells.lock",
            "memscope-prelude/Cargo.toml",
            "memscope-prelude/src/lib.rs",
            "memscope-cell-abi/src/lib.rs",
            "memscope-overlap/src/lib.rs",
        ] {
            assert!(paths.contains(&needed), "{needed} is not embedded");
        }
        assert!(
            !paths.iter().any(|p| p.contains("/tests/")),
            "tests are not embedded"
        );
        assert_eq!(files::CONTENT_HASH.len(), 16);
    }
}
