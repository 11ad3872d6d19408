//! The persistent folders in which evcxr builds cells.
//!
//! Invariant: a folder is used by one kernel at a time (an exclusive
//! file lock held for the kernel's life, released by the system when the
//! kernel dies, however it dies), and it outlives the kernel, so the
//! next kernel finds the prelude and its dependencies already built; the
//! cells' libraries of earlier kernels do not outlive the next kernel's
//! start.

use std::fs::File;
use std::path::{Path, PathBuf};

/// How many kernels can run at once before a new one falls back to a
/// folder that is deleted when it stops.
const SLOTS: usize = 8;

/// A build folder held for this process's life.
pub struct BuildDir {
    path: PathBuf,
    /// What keeps the folder ours: the slot's lock (holding the file keeps
    /// the lock), or a temporary folder, removed when dropped.
    _held: Held,
}

enum Held {
    Slot { _lock: File },
    Temporary { _folder: tempfile::TempDir },
}

impl BuildDir {
    /// Takes the first free slot under `cache`, or a temporary folder when
    /// all are busy or the cache cannot be written.
    pub fn acquire(cache: &Path) -> std::io::Result<BuildDir> {
        for slot in 0..SLOTS {
            let path = cache.join(format!("slot-{slot}"));
            if std::fs::create_dir_all(&path).is_err() {
                break;
            }
            let Ok(file) = File::create(path.join(".lock")) else {
                break;
            };
            if file.try_lock().is_ok() {
                return Ok(BuildDir {
                    path,
                    _held: Held::Slot { _lock: file },
                });
            }
        }
        let folder = tempfile::Builder::new()
            .prefix("memscope-build-")
            .tempdir()?;
        Ok(BuildDir {
            path: folder.path().to_owned(),
            _held: Held::Temporary { _folder: folder },
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the libraries of earlier sessions' cells from the build folder
/// `dir` (evcxr names them `libcode_<n>.so`, counting from 1 in every
/// session, and leaves them behind: a long session's thousands would stay
/// on disk until a later session happened to reach the same numbers).
/// Must run before this session compiles its first cell.
pub fn remove_cell_libraries(dir: &Path) {
    let Ok(targets) = std::fs::read_dir(dir.join("target")) else {
        return;
    };
    for target in targets.flatten() {
        let Ok(outputs) = std::fs::read_dir(target.path().join("debug")) else {
            continue;
        };
        for output in outputs.flatten() {
            if is_cell_library(&output.file_name().to_string_lossy()) {
                let _ = std::fs::remove_file(output.path());
            }
        }
    }
}

fn is_cell_library(name: &str) -> bool {
    name.strip_prefix("libcode_")
        .and_then(|rest| rest.strip_suffix(".so"))
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_holders_get_different_slots_and_a_released_slot_is_reused() {
        let cache = tempfile::tempdir().unwrap();
        let cache = cache.path();
        let first = BuildDir::acquire(cache).unwrap();
        let second = BuildDir::acquire(cache).unwrap();
        assert_ne!(first.path(), second.path());
        let first_path = first.path().to_owned();
        drop(first);
        let third = BuildDir::acquire(cache).unwrap();
        assert_eq!(third.path(), first_path);
        drop((second, third));
    }

    #[test]
    fn a_kernel_past_the_last_slot_gets_a_folder_that_goes_with_it() {
        let cache = tempfile::tempdir().unwrap();
        let held: Vec<BuildDir> = (0..SLOTS)
            .map(|_| BuildDir::acquire(cache.path()).unwrap())
            .collect();
        let extra = BuildDir::acquire(cache.path()).unwrap();
        let path = extra.path().to_owned();
        assert!(!path.starts_with(cache.path()) && path.is_dir());
        drop(extra);
        assert!(!path.exists());
        drop(held);
    }

    #[test]
    fn only_cell_libraries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let debug = dir.join("target/x86_64-unknown-linux-gnu/debug");
        std::fs::create_dir_all(debug.join("deps")).unwrap();
        let kept = [
            "libctx.so",
            "libcode_.so",
            "libcode_1.so.d",
            "libcode_x.so",
            "deps",
        ];
        for name in ["libcode_1.so", "libcode_1234.so"].iter().chain(&kept[..4]) {
            std::fs::write(debug.join(name), b"").unwrap();
        }
        remove_cell_libraries(dir);
        let mut left: Vec<_> = std::fs::read_dir(&debug)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = kept.to_vec();
        expected.sort();
        assert_eq!(left, expected);
    }
}
