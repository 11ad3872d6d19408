//! The persistent folders in which evcxr builds cells.
//!
//! Invariant: a folder is used by one kernel at a time (an exclusive
//! file lock held for the kernel's life, released by the system when the
//! kernel dies, however it dies), and it outlives the kernel, so the
//! next kernel finds the prelude and its dependencies already built; the
//! cells' libraries of earlier kernels do not outlive the next kernel's
//! start. A folder that has built nothing yet starts with a copy of what
//! a sibling built (see [`seed_from_sibling`]), so dependencies are
//! compiled once for all folders, not once per folder.
//!
//! A kernel that was killed outright (SIGKILL) cannot stop the cargo it
//! had started; that cargo goes on holding the folder's cargo lock, and
//! the next kernel in the folder would wait for it. The folder's lock
//! says no living kernel uses it, so what still builds there is a dead
//! kernel's, and the next kernel kills it ([`take_back`]).

use std::fs::{File, FileTimes};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rustix::process::Signal;

use crate::processes;

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
                take_back(&path);
                return Ok(BuildDir {
                    path,
                    _held: Held::Slot { _lock: file },
                });
            }
        }
        // Beside the slots if possible, where the dependency profile in
        // `cache/.cargo` applies and siblings can seed it.
        let mut temporary = tempfile::Builder::new();
        temporary.prefix("temporary-");
        let folder = match temporary.tempdir_in(cache) {
            Ok(folder) => folder,
            Err(_) => temporary.prefix("memscope-build-").tempdir()?,
        };
        Ok(BuildDir {
            path: folder.path().to_owned(),
            _held: Held::Temporary { _folder: folder },
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Kills the processes a dead kernel left working in the folder `dir`
/// (which the caller holds the lock of, so no living kernel uses it) if
/// they still hold one of its cargo locks, with everything below them;
/// waits up to two seconds for the locks to be free. Returns how many
/// processes it killed.
pub fn take_back(dir: &Path) -> usize {
    let locks = cargo_locks(&dir.join("target"));
    let held = |lock: &PathBuf| File::open(lock).is_ok_and(|f| f.try_lock().is_err());
    if !locks.iter().any(held) {
        return 0;
    }
    let table = processes::process_table();
    let ours = processes::descendants(std::process::id(), &table);
    let mut killed = 0;
    for process in &table {
        // Only compilers (evcxr's rustc wrapper is this binary): never a
        // shell someone opened in the folder.
        let compiler = matches!(process.name.as_str(), "cargo" | "memscope")
            || process.name.starts_with("rustc");
        let works_here = compiler
            && processes::working_folder(process.pid).is_some_and(|cwd| cwd.starts_with(dir));
        if works_here && !ours.contains(&process.pid) {
            for pid in processes::descendants(process.pid, &table) {
                if processes::signal(pid, Signal::KILL) {
                    killed += 1;
                }
            }
        }
    }
    tracing::warn!(killed, folder = %dir.display(), "took the build folder back from a dead kernel's cargo");
    let until = Instant::now() + Duration::from_secs(2);
    while locks.iter().any(held) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    killed
}

/// Removes the libraries of earlier sessions' cells from the build folder
/// `dir` (evcxr names them `libcode_<n>.so`, counting from 1 in every
/// session, and leaves them behind: a long session's thousands would stay
/// on disk until a later session happened to reach the same numbers).
/// Must run when no living cell process has loaded them: before the
/// session compiles its first cell, and again once evcxr's first check (whose
/// cell process is replaced) is done.
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

/// The copy of the last lock file [`use_lock_file`] put in a folder.
const LOCK_SEED: &str = ".memscope-seed.lock";

/// Makes `dir`'s `Cargo.lock` the lock file `seed` (the versions this
/// memscope was tested with), unless `seed` is what it was made from
/// last time: a folder keeps what cargo added to it since (a cell's
/// `:dep`), and a new memscope's seed replaces it. cargo then resolves
/// the cell crate to those versions, so it needs no crate that was not
/// fetched at install time. Returns whether the lock was written.
pub fn use_lock_file(dir: &Path, seed: &Path) -> std::io::Result<bool> {
    let wanted = std::fs::read(seed)?;
    if std::fs::read(dir.join(LOCK_SEED)).ok().as_deref() == Some(&wanted[..]) {
        return Ok(false);
    }
    std::fs::write(dir.join("Cargo.lock"), &wanted)?;
    std::fs::write(dir.join(LOCK_SEED), &wanted)?;
    Ok(true)
}

/// Gives `dir`, a build folder that has built nothing yet, a copy of what
/// a sibling folder (another slot, say) built: the compiled dependencies of
/// cells (ndarray, the prelude and theirs), their fingerprints and the
/// crate's Cargo.lock, with their modification times, so that cargo finds
/// them fresh instead of compiling them again (cargo's fingerprints hold no
/// absolute path of the folder). Cells' libraries and incremental state
/// are not copied. The sibling's cargo locks are held while it is copied,
/// so no build writes to it meanwhile; a sibling that is building is
/// skipped. The sibling whose last completed cell build linked the
/// prelude at `prelude` is preferred ([`last_cell_build`]), then the one
/// that completed a build most recently: a sibling whose crate merely
/// names the prelude may have been stopped half-way through building it,
/// and one built for another source tree's prelude would have cargo
/// compile the prelude again. Returns whether `dir` was seeded; on any
/// failure it is left to build from scratch, as it would have without
/// this.
pub fn seed_from_sibling(dir: &Path, prelude: &Path) -> bool {
    let target = dir.join("target");
    if target.exists() {
        return false;
    }
    let Some(siblings) = dir
        .parent()
        .and_then(|builds| std::fs::read_dir(builds).ok())
    else {
        return false;
    };
    let mut candidates: Vec<(bool, SystemTime, PathBuf)> = siblings
        .flatten()
        .map(|entry| entry.path())
        .filter(|sibling| sibling != dir && sibling.join("target").is_dir())
        .map(|sibling| {
            let (linked_prelude, built) = last_cell_build(&sibling, prelude)
                .map_or((false, SystemTime::UNIX_EPOCH), |build| {
                    (build.linked_prelude, build.finished)
                });
            (linked_prelude, built, sibling)
        })
        .collect();
    candidates
        .sort_by_key(|(linked_prelude, built, _)| std::cmp::Reverse((*linked_prelude, *built)));
    for (_, _, sibling) in candidates {
        match copy_built(&sibling, dir) {
            Ok(true) => return true,
            Ok(false) => continue,
            Err(error) => {
                tracing::info!(
                    "could not seed {} from {}: {error}",
                    dir.display(),
                    sibling.display()
                );
                let _ = std::fs::remove_dir_all(dir.join(SEEDING));
            }
        }
    }
    false
}

/// What a build folder's last completed cell build says about it.
struct CellBuild {
    /// When cargo finished it.
    finished: SystemTime,
    /// Whether the cell linked the prelude at the path asked about, so
    /// that the prelude and everything below it were fresh then.
    linked_prelude: bool,
}

/// The last cell build cargo completed in the build folder `dir`, read
/// from the dependency file it writes beside the cell's library when the
/// build succeeds (`libctx.d`, listing every source file the cell was
/// built from, the prelude's among them): nothing half-built leaves one.
fn last_cell_build(dir: &Path, prelude: &Path) -> Option<CellBuild> {
    let target = dir.join("target");
    let layouts = std::fs::read_dir(&target)
        .ok()?
        .flatten()
        .map(|entry| entry.path());
    let dep_files = std::iter::once(target.join("debug"))
        .chain(layouts.map(|layout| layout.join("debug")))
        .map(|debug| debug.join("libctx.d"));
    let (finished, dep_file) = dep_files
        .filter_map(|file| Some((std::fs::metadata(&file).ok()?.modified().ok()?, file)))
        .max()?;
    let sources = std::fs::read_to_string(dep_file).unwrap_or_default();
    // The file is `output: source source ...`, spaces in a path escaped
    // with a backslash; a prelude source is a path that starts there.
    let prelude_sources = format!("{}/", prelude.display()).replace(' ', "\\ ");
    let linked_prelude = sources
        .match_indices(&prelude_sources)
        .any(|(at, _)| at > 0 && sources.as_bytes()[at - 1].is_ascii_whitespace());
    Some(CellBuild {
        finished,
        linked_prelude,
    })
}

/// Where a seed is copied before it is renamed to `target`, so that a
/// kernel killed mid-copy leaves no half a target folder.
const SEEDING: &str = "target.seeding";

/// Copies `from`'s build output into `to` while holding `from`'s cargo
/// locks; `Ok(false)` when a build holds one of them.
fn copy_built(from: &Path, to: &Path) -> std::io::Result<bool> {
    let locks = cargo_locks(&from.join("target"));
    if locks.is_empty() {
        // cargo has never built there.
        return Ok(false);
    }
    let mut held = Vec::new();
    for lock in locks {
        let file = File::open(&lock)?;
        if file.try_lock().is_err() {
            return Ok(false);
        }
        held.push(file);
    }
    let staging = to.join(SEEDING);
    let _ = std::fs::remove_dir_all(&staging);
    copy_tree(&from.join("target"), &staging)?;
    let lock_file = from.join("Cargo.lock");
    if lock_file.is_file() {
        copy_with_times(&lock_file, &to.join("Cargo.lock"))?;
    }
    std::fs::rename(&staging, to.join("target"))?;
    drop(held);
    Ok(true)
}

/// Cargo's lock files in a target folder: one per output layout
/// (`target/debug`, `target/<triple>/debug`, ...), at most three levels
/// down.
fn cargo_locks(target: &Path) -> Vec<PathBuf> {
    let mut locks = Vec::new();
    let mut pending = vec![(target.to_owned(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let lock = dir.join(".cargo-lock");
        if lock.is_file() {
            locks.push(lock);
        }
        if depth < 2
            && let Ok(entries) = std::fs::read_dir(&dir)
        {
            let dirs = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir());
            pending.extend(dirs.map(|p| (p, depth + 1)));
        }
    }
    locks
}

/// Copies the tree `from` to `to`, leaving out cells' libraries, cargo's
/// lock files and the contents of `incremental` folders (the cell crate's
/// own state, by far the largest part).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let (source, destination) = (entry.path(), to.join(&*name));
        if entry.file_type()?.is_dir() {
            if name == "incremental" {
                std::fs::create_dir_all(&destination)?;
            } else {
                copy_tree(&source, &destination)?;
            }
        } else if name != ".cargo-lock" && !is_cell_library(&name) {
            copy_with_times(&source, &destination)?;
        }
    }
    Ok(())
}

/// Copies a file and its modification time: cargo compares the times of
/// outputs with those of their inputs and of the outputs they depend on.
fn copy_with_times(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to)?;
    let modified = std::fs::metadata(from)?.modified()?;
    File::options()
        .write(true)
        .open(to)?
        .set_times(FileTimes::new().set_modified(modified))
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
    fn a_lock_file_is_used_once_per_seed() {
        let folder = tempfile::tempdir().unwrap();
        let seed = folder.path().join("seed.lock");
        std::fs::write(&seed, "version = 4\n").unwrap();
        let dir = folder.path().join("slot");
        std::fs::create_dir(&dir).unwrap();
        assert!(use_lock_file(&dir, &seed).unwrap());
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.lock")).unwrap(),
            "version = 4\n"
        );
        // What cargo adds later (a `:dep`) stays while the seed is the same.
        std::fs::write(dir.join("Cargo.lock"), "version = 4\n# and a dep\n").unwrap();
        assert!(!use_lock_file(&dir, &seed).unwrap());
        assert!(
            std::fs::read_to_string(dir.join("Cargo.lock"))
                .unwrap()
                .contains("a dep")
        );
        // A new memscope's seed replaces it.
        std::fs::write(&seed, "version = 4\n# newer\n").unwrap();
        assert!(use_lock_file(&dir, &seed).unwrap());
        assert!(
            std::fs::read_to_string(dir.join("Cargo.lock"))
                .unwrap()
                .contains("newer")
        );
    }

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
    fn a_kernel_past_the_last_slot_gets_a_folder_beside_them_that_goes_with_it() {
        let cache = tempfile::tempdir().unwrap();
        let held: Vec<BuildDir> = (0..SLOTS)
            .map(|_| BuildDir::acquire(cache.path()).unwrap())
            .collect();
        let extra = BuildDir::acquire(cache.path()).unwrap();
        let path = extra.path().to_owned();
        // Beside the slots: under the dependency profile, and seeded.
        assert_eq!(path.parent(), Some(cache.path()));
        assert!(held.iter().all(|slot| slot.path() != path) && path.is_dir());
        drop(extra);
        assert!(!path.exists());
        drop(held);
    }

    /// A sibling's build output as cargo leaves it (with a cell library,
    /// incremental state and cargo's locks), under `builds/name`.
    fn built_sibling(builds: &Path, name: &str) -> PathBuf {
        let sibling = builds.join(name);
        let debug = sibling.join("target/x86_64-unknown-linux-gnu/debug");
        for dir in ["deps", ".fingerprint/ndarray-1", "incremental/ctx-1"] {
            std::fs::create_dir_all(debug.join(dir)).unwrap();
        }
        std::fs::create_dir_all(sibling.join("target/debug/build/num-traits-2")).unwrap();
        for file in [
            "deps/libndarray-1.rlib",
            ".fingerprint/ndarray-1/lib-ndarray",
            "incremental/ctx-1/query-cache.bin",
            "libcode_7.so",
            ".cargo-lock",
        ] {
            std::fs::write(debug.join(file), file).unwrap();
        }
        std::fs::write(sibling.join("target/debug/.cargo-lock"), "").unwrap();
        std::fs::write(sibling.join("target/debug/build/num-traits-2/output"), "x").unwrap();
        std::fs::write(sibling.join("Cargo.lock"), "# locked").unwrap();
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        File::options()
            .write(true)
            .open(debug.join("deps/libndarray-1.rlib"))
            .unwrap()
            .set_times(FileTimes::new().set_modified(long_ago))
            .unwrap();
        sibling
    }

    #[test]
    fn a_new_folder_gets_the_dependencies_a_sibling_built_with_their_times() {
        let builds = tempfile::tempdir().unwrap();
        let sibling = built_sibling(builds.path(), "slot-0");
        let fresh = builds.path().join("slot-1");
        std::fs::create_dir_all(&fresh).unwrap();
        assert!(seed_from_sibling(&fresh, Path::new("/prelude")));

        let debug = fresh.join("target/x86_64-unknown-linux-gnu/debug");
        let rlib = "deps/libndarray-1.rlib";
        assert_eq!(std::fs::read_to_string(debug.join(rlib)).unwrap(), rlib);
        let modified = |path: &Path| std::fs::metadata(path).unwrap().modified().unwrap();
        let sibling_debug = sibling.join("target/x86_64-unknown-linux-gnu/debug");
        assert_eq!(
            modified(&debug.join(rlib)),
            modified(&sibling_debug.join(rlib))
        );
        assert!(debug.join(".fingerprint/ndarray-1/lib-ndarray").is_file());
        assert!(
            fresh
                .join("target/debug/build/num-traits-2/output")
                .is_file()
        );
        assert_eq!(
            std::fs::read_to_string(fresh.join("Cargo.lock")).unwrap(),
            "# locked"
        );
        // Not the cells' libraries, incremental state or cargo's locks.
        assert!(!debug.join("libcode_7.so").exists());
        assert!(!debug.join(".cargo-lock").exists());
        assert_eq!(
            std::fs::read_dir(debug.join("incremental"))
                .unwrap()
                .count(),
            0
        );
        assert!(!fresh.join(SEEDING).exists());
    }

    /// Leaves the dependency file cargo writes when a cell build of the
    /// sibling `sibling`, against the prelude at `prelude`, completes,
    /// `minutes_ago` (its time is what orders the siblings' builds).
    fn finish_cell_build(sibling: &Path, prelude: &str, minutes_ago: u64) {
        let debug = sibling.join("target/x86_64-unknown-linux-gnu/debug");
        let sources = format!(
            "{0}/libctx.so: {0}/src/lib.rs {prelude}/src/lib.rs\n",
            debug.display()
        );
        std::fs::write(debug.join("libctx.d"), sources).unwrap();
        let finished = SystemTime::now() - Duration::from_secs(60 * minutes_ago);
        File::options()
            .write(true)
            .open(debug.join("libctx.d"))
            .unwrap()
            .set_times(FileTimes::new().set_modified(finished))
            .unwrap();
    }

    /// Seeds a new folder beside `builds`' siblings; the lock file it got
    /// tells which sibling it was copied from.
    fn seed_new_folder(builds: &Path) -> String {
        let fresh = builds.join("new-slot");
        std::fs::create_dir_all(&fresh).unwrap();
        assert!(seed_from_sibling(&fresh, Path::new("/prelude")));
        std::fs::read_to_string(fresh.join("Cargo.lock")).unwrap()
    }

    #[test]
    fn a_sibling_whose_last_build_linked_the_prelude_is_preferred_to_a_newer_one() {
        let builds = tempfile::tempdir().unwrap();
        let ours = built_sibling(builds.path(), "slot-0");
        finish_cell_build(&ours, "/prelude", 10);
        let other = built_sibling(builds.path(), "slot-1");
        finish_cell_build(&other, "/another-tree/prelude", 1);
        std::fs::write(other.join("Cargo.lock"), "# other").unwrap();
        assert_eq!(seed_new_folder(builds.path()), "# locked");
    }

    #[test]
    fn a_sibling_stopped_while_building_the_prelude_is_not_preferred() {
        let builds = tempfile::tempdir().unwrap();
        let finished = built_sibling(builds.path(), "slot-0");
        finish_cell_build(&finished, "/prelude", 10);
        // Newer, and its crate names the prelude, but no build of it ever
        // completed: the kernel was stopped half-way through the prelude.
        let stopped = built_sibling(builds.path(), "slot-1");
        std::fs::write(stopped.join("Cargo.toml"), "p = { path = \"/prelude\" }").unwrap();
        std::fs::write(stopped.join("Cargo.lock"), "# stopped").unwrap();
        assert_eq!(seed_new_folder(builds.path()), "# locked");

        // Without a build for this prelude anywhere, the latest completed
        // build is the best start (ndarray and the rest are shared).
        finish_cell_build(&finished, "/another-tree/prelude", 10);
        finish_cell_build(&stopped, "/a-third-tree/prelude", 1);
        std::fs::remove_dir_all(builds.path().join("new-slot")).unwrap();
        assert_eq!(seed_new_folder(builds.path()), "# stopped");
    }

    #[test]
    fn a_folder_that_has_built_before_and_a_sibling_that_is_building_are_left_alone() {
        let builds = tempfile::tempdir().unwrap();
        let sibling = built_sibling(builds.path(), "slot-0");
        let built = builds.path().join("slot-1");
        std::fs::create_dir_all(built.join("target")).unwrap();
        assert!(!seed_from_sibling(&built, Path::new("/prelude")));
        assert_eq!(std::fs::read_dir(built.join("target")).unwrap().count(), 0);

        let building = File::open(sibling.join("target/debug/.cargo-lock")).unwrap();
        building.lock().unwrap();
        let fresh = builds.path().join("slot-2");
        std::fs::create_dir_all(&fresh).unwrap();
        assert!(!seed_from_sibling(&fresh, Path::new("/prelude")));
        assert!(!fresh.join("target").exists() && !fresh.join(SEEDING).exists());
        drop(building);
        assert!(seed_from_sibling(&fresh, Path::new("/prelude")));
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
