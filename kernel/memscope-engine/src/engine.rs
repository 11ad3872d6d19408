//! The engine: an evcxr context on a worker thread of its own, driven by
//! jobs, reporting through events.
//!
//! Invariants: evcxr is touched only by the worker thread; a cell's outcome
//! is sent only after a fence, so it follows every output of the cell; a
//! failed compile leaves the session as it was (evcxr commits state only on
//! success); the engine starts answering at once and finishes starting
//! (the first compile) in the background.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use evcxr::{CommandContext, EvalCallbacks};
use memscope_prelude::channel::INPUT_UNAVAILABLE;

use crate::build_dir::BuildDir;
use crate::compile_progress;
use crate::diagnostics::{CellSpan, Diagnostic};
use crate::events::{Bundle, CellObserver, CellResult, Event, Recovery};
use crate::interrupt::Interrupter;
use crate::output_pump::{self, Fence};

/// Where the engine keeps things and what every session starts with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Persistent cache; build folders live in `cache_dir/build`.
    pub cache_dir: PathBuf,
    /// The `memscope-prelude` crate, linked into every cell.
    pub prelude_dir: PathBuf,
}

/// Completions around a cursor; offsets are bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionSet {
    pub matches: Vec<String>,
    pub start: usize,
    pub end: usize,
}

enum Job {
    Execute(String),
    Complete(String, usize, Sender<CompletionSet>),
    Inspect(String, usize, Sender<Option<Bundle>>),
}

/// What the worker sends back while and after running a job.
enum WorkerEvent {
    Output(Event),
    Input {
        prompt: String,
        password: bool,
        answer: Sender<Option<String>>,
    },
    Finished(CellResult),
}

/// A running engine.
pub struct Engine {
    jobs: Sender<Job>,
    results: Receiver<WorkerEvent>,
    interrupter: Interrupter,
    _build_dir: BuildDir,
}

impl Engine {
    /// Starts the engine. Call it before any other thread exists: it sets
    /// the environment variables that evcxr reads.
    pub fn start(config: EngineConfig) -> std::io::Result<Engine> {
        // A cell process that dies mid-cell leaves its snapshot behind (see
        // `snapshot`); as a subreaper we inherit it instead of init, so we
        // can signal it, reap it and take it down with us.
        // SAFETY: prctl only changes this process's attributes.
        let subreaper = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) } == 0;
        if !subreaper {
            tracing::warn!(
                "not a subreaper: a cell process that dies mid-cell loses its variables"
            );
        }
        let builds = config.cache_dir.join("build");
        write_dependency_profile(&builds)?;
        let build_dir = BuildDir::acquire(&builds)?;
        // evcxr reads its build folder from the environment.
        std::env::set_var("EVCXR_TMPDIR", build_dir.path());
        // Threads only from here on: the environment is set.
        if subreaper {
            std::thread::Builder::new()
                .name("reaper".into())
                .spawn(crate::cell_pid::reap_orphans_forever)?;
        }
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
        let (results_tx, results_rx) = crossbeam_channel::unbounded();
        let interrupter = Interrupter::default();
        let worker_interrupter = interrupter.clone();
        let worker_build_dir = build_dir.path().to_owned();
        forward_compile_progress(&results_tx, &interrupter.in_cell);
        std::thread::Builder::new()
            .name("evcxr".into())
            .spawn(move || {
                worker(
                    config,
                    worker_build_dir,
                    jobs_rx,
                    results_tx,
                    worker_interrupter,
                )
            })?;
        Ok(Engine {
            jobs: jobs_tx,
            results: results_rx,
            interrupter,
            _build_dir: build_dir,
        })
    }

    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// Runs a cell, reporting its output to `observer` as it comes.
    pub fn execute(&mut self, code: &str, observer: &mut dyn CellObserver) -> CellResult {
        self.interrupter.cell_started();
        let result = self.run(code, observer);
        self.interrupter.cell_finished();
        result
    }

    fn run(&mut self, code: &str, observer: &mut dyn CellObserver) -> CellResult {
        if self.jobs.send(Job::Execute(code.to_owned())).is_err() {
            return CellResult::Failed("the engine has stopped".into());
        }
        let mut panic = None;
        let mut carried_on = None;
        loop {
            match self.results.recv() {
                Ok(WorkerEvent::Output(Event::Panic { message, location })) => {
                    panic = Some((message, location));
                }
                Ok(WorkerEvent::Output(Event::CarriedOn { ended, .. })) => {
                    carried_on = Some(ended);
                }
                Ok(WorkerEvent::Output(event)) => observer.event(event),
                Ok(WorkerEvent::Input {
                    prompt,
                    password,
                    answer,
                }) => {
                    let _ = answer.send(observer.input(&prompt, password));
                }
                Ok(WorkerEvent::Finished(result)) => {
                    let interrupted = self.interrupter.interrupted.load(Ordering::SeqCst);
                    return match (carried_on, panic, result) {
                        // evcxr saw the snapshot end the cell as a panic.
                        (Some(_), _, CellResult::Ran { .. }) if interrupted => {
                            CellResult::Interrupted {
                                recovery: Recovery::CarriedOn,
                            }
                        }
                        (Some(ended), _, CellResult::Ran { .. }) => CellResult::ProcessDied {
                            detail: ended,
                            recovery: Recovery::CarriedOn,
                        },
                        (_, Some((message, location)), CellResult::Ran { .. }) => {
                            CellResult::Panicked { message, location }
                        }
                        (_, _, result) => result,
                    };
                }
                Err(_) => return CellResult::Failed("the engine has stopped".into()),
            }
        }
    }

    pub fn complete(&mut self, code: &str, cursor: usize) -> CompletionSet {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self
            .jobs
            .send(Job::Complete(code.to_owned(), cursor, tx))
            .is_err()
        {
            return CompletionSet::default();
        }
        rx.recv().unwrap_or_default()
    }

    pub fn inspect(&mut self, code: &str, cursor: usize) -> Option<Bundle> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.jobs
            .send(Job::Inspect(code.to_owned(), cursor, tx))
            .ok()?;
        rx.recv().ok().flatten()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // evcxr stops the process it started; one that carried on after it
        // is ours to stop.
        self.interrupter.cell.stop_adopted();
    }
}

/// evcxr's context, with a cell process that finds the standard library.
/// Cells link it dynamically, and rustc's relative rpath to it only
/// resolves for build folders that sit at a certain depth, so the cell
/// process is told where it is. Found here, on the worker thread, because
/// asking rustc takes a tenth of a second that the kernel's first answer
/// should not wait for.
fn start_context() -> Result<(CommandContext, evcxr::EvalContextOutputs), evcxr::Error> {
    let mut cell_process = std::process::Command::new(std::env::current_exe()?);
    if let Some(dir) = std_library_dir() {
        let mut path = std::ffi::OsString::from(dir);
        if let Some(old) = std::env::var_os("LD_LIBRARY_PATH").filter(|p| !p.is_empty()) {
            path.push(":");
            path.push(old);
        }
        cell_process.env("LD_LIBRARY_PATH", path);
    }
    let (context, outputs) = evcxr::EvalContext::with_subprocess_command(cell_process)?;
    Ok((CommandContext::with_eval_context(context), outputs))
}

/// The folder that holds the toolchain's `libstd-*.so`.
fn std_library_dir() -> Option<PathBuf> {
    let output = std::process::Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    dir.is_dir().then_some(dir)
}

/// The code every new cell process runs first: link the prelude, import
/// it, and route panics to the kernel.
/// Cargo reads this file for every build under `builds` (it looks in the
/// parent folders of the crate it builds): dependencies of cells (ndarray,
/// the prelude) are compiled once, fully optimised, while the cell itself
/// is compiled at evcxr's `:opt` level, which the session starts at 0
/// (fast compiles; `:opt 2` in a cell turns optimisation back on).
const DEPENDENCY_PROFILE: &str = "\
# Written by memscope: cells' dependencies are built once, optimised.
[profile.dev.package.\"*\"]
opt-level = 3
";

fn write_dependency_profile(builds: &std::path::Path) -> std::io::Result<()> {
    let folder = builds.join(".cargo");
    let file = folder.join("config.toml");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(DEPENDENCY_PROFILE) {
        std::fs::create_dir_all(&folder)?;
        std::fs::write(&file, DEPENDENCY_PROFILE)?;
    }
    Ok(())
}

/// The session's first code. cargo runs offline for it when `offline`:
/// the prelude and its dependencies were fetched at install time, and a
/// kernel must not reach for the network on its own (`:dep` in a cell is
/// the user's call, so offline mode ends with the set-up).
fn session_setup(prelude_dir: &std::path::Path, offline: bool) -> String {
    format!(
        ":opt 0\n\
         :offline {}\n\
         :dep memscope-prelude = {{ path = {:?} }}\n\
         use memscope_prelude::*;\n\
         use memscope_prelude::result_display::ShowWithDebug as _;\n\
         {PROCESS_SETUP}",
        u8::from(offline),
        prelude_dir.display().to_string()
    )
}

/// What every new cell process runs once: route panics to the kernel, and
/// export the memory report from this cell's library only (a block in the
/// cell's body, so that evcxr does not compile it into later cells).
const PROCESS_SETUP: &str = "{ memscope_prelude::export_memory_report!(); }\n\
     memscope_prelude::runtime::install_panic_hook();";

/// Hands the display of final values back to evcxr's own formatting (see
/// `memscope_prelude::result_display`).
const DEFER_TO_FORMAT: &str = "use memscope_prelude::result_display::DeferToFormat as _;";

/// Whether a cell sets evcxr's result format (`:fmt`, `:types`), which the
/// one-compile display of final values does not follow.
fn changes_result_format(code: &str) -> bool {
    code.lines().any(|line| {
        let mut words = line.split_whitespace();
        matches!(words.next(), Some(":fmt" | ":types"))
    })
}

/// Shows the crates cargo compiles in the cell that waits for them; lines
/// from compiles no cell waits for (the session's start) are left to the
/// log.
fn forward_compile_progress(results: &Sender<WorkerEvent>, cell_running: &Arc<AtomicBool>) {
    let crates = match compile_progress::capture() {
        Ok(crates) => crates,
        Err(error) => {
            tracing::warn!("compile progress is not shown: {error}");
            return;
        }
    };
    let (results, cell_running) = (results.clone(), Arc::clone(cell_running));
    let forwarding = std::thread::Builder::new()
        .name("compile-progress".into())
        .spawn(move || {
            for name in crates {
                if cell_running.load(Ordering::SeqCst) {
                    let _ = results.send(WorkerEvent::Output(Event::Compiling(name)));
                }
            }
        });
    if let Err(error) = forwarding {
        tracing::warn!("compile progress is not shown: {error}");
    }
}

fn worker(
    config: EngineConfig,
    build_dir: PathBuf,
    jobs: Receiver<Job>,
    results: Sender<WorkerEvent>,
    interrupter: Interrupter,
) {
    let cell_running = Arc::clone(&interrupter.in_cell);
    let launch = std::time::Instant::now();
    crate::build_dir::remove_cell_libraries(&build_dir);
    let started = start_context().and_then(|(mut context, outputs)| {
        tracing::info!("evcxr context ready after {:?}", launch.elapsed());
        let (fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let cell = interrupter.cell.clone();
        // Output events share the results channel with `Finished`, and the
        // pump emits a cell's last event before it acknowledges the fence
        // that precedes `Finished`: so a cell's outputs always come first.
        let output_results = results.clone();
        std::thread::Builder::new()
            .name("cell-output".into())
            .spawn(move || {
                output_pump::pump(outputs.stdout, outputs.stderr, fence_rx, cell, |event| {
                    let _ = output_results.send(WorkerEvent::Output(event));
                })
            })
            .map_err(|e| evcxr::Error::from(e.to_string()))?;
        if let Err(error) = context.execute(&session_setup(&config.prelude_dir, true)) {
            // Only if the crates fetched at install time have gone from
            // cargo's cache: better to fetch them again than not to start.
            tracing::warn!("the offline set-up failed, trying with the network: {error}");
            context.execute(&session_setup(&config.prelude_dir, false))?;
        }
        context.execute(":offline 0")?;
        tracing::info!("session set up after {:?}", launch.elapsed());
        warm_up_analysis(&mut context);
        tracing::info!("type analysis warmed up after {:?}", launch.elapsed());
        Ok((context, fence_tx))
    });
    let (mut context, fences) = match started {
        Ok(parts) => parts,
        Err(error) => {
            let message = format!("the Rust engine could not start: {error}");
            tracing::error!("{message}");
            return refuse_all(jobs, results, message);
        }
    };
    interrupter.cell.follow(context.process_handle());

    let mut deferred_to_format = false;
    for job in jobs {
        match job {
            Job::Execute(code) => {
                if !deferred_to_format && changes_result_format(&code) {
                    deferred_to_format = context.execute(DEFER_TO_FORMAT).is_ok();
                }
                let began = std::time::Instant::now();
                let result = if interrupter.interrupted.load(Ordering::SeqCst) {
                    // Interrupted while it waited (for the set-up, say).
                    CellResult::Interrupted {
                        recovery: Recovery::Untouched,
                    }
                } else {
                    cell_running.store(true, Ordering::SeqCst);
                    let result = run_cell(&mut context, &code, &results, &interrupter);
                    cell_running.store(false, Ordering::SeqCst);
                    result
                };
                let ran = began.elapsed();
                interrupter.cell.follow(context.process_handle());
                fence(&fences);
                tracing::info!(
                    "cell ran in {ran:?}, output flushed after {:?}",
                    began.elapsed()
                );
                let _ = results.send(WorkerEvent::Finished(result));
            }
            Job::Complete(code, cursor, reply) => {
                let found = context
                    .completions(&code, cursor)
                    .map(|c| CompletionSet {
                        // The display trait's method is in scope for every
                        // value but is not for users to call.
                        matches: c
                            .completions
                            .into_iter()
                            .map(|c| c.code)
                            .filter(|code| !code.starts_with("evcxr_display"))
                            .collect(),
                        start: c.start_offset,
                        end: c.end_offset,
                    })
                    .unwrap_or_default();
                let _ = reply.send(found);
            }
            Job::Inspect(code, cursor, reply) => {
                let _ = reply.send(inspect(&mut context, &code, cursor));
            }
        }
    }
}

/// Code whose completion makes rust-analyzer parse and index what typical
/// cells need (the standard library's and ndarray's item maps, the
/// prelude's imports, constructors, arithmetic, reductions, slicing,
/// iterators, NpArray), so the first cell only pays for its own types.
const WARM_UP_CODE: &str = "\
let a = Array1::<f64>::linspace(0.0, 1.0, 11);
let b = Array2::<f64>::zeros((2, 2)).t().to_owned() + 1.0;
let c = (&b * 2.0).sum() + a.mean().unwrap_or(0.0) + b.dot(&b).sum();
let d = b.slice(s![.., 0]).mapv(|x| x * 2.0);
let e = b.row(0).iter().map(|x| x + c).collect::<Vec<f64>>();
let f = np::arange(0, 4, 1).reshape(&[2, 2]).t();
let g = np::copy(&f, np::Order::C);
d.";

/// Loads rust-analyzer's database before the first cell, while the user
/// is still reading the notebook: otherwise the first cell that defines a
/// variable waits about a second for it. A failure only costs the speed-up.
fn warm_up_analysis(context: &mut CommandContext) {
    if let Err(error) = context.completions(WARM_UP_CODE, WARM_UP_CODE.len()) {
        tracing::info!("type analysis warm-up failed: {error}");
    }
}

/// Answers every job with the reason the engine could not start.
fn refuse_all(jobs: Receiver<Job>, results: Sender<WorkerEvent>, message: String) {
    for job in jobs {
        match job {
            Job::Execute(_) => {
                let _ = results.send(WorkerEvent::Finished(CellResult::Failed(message.clone())));
            }
            Job::Complete(_, _, reply) => {
                let _ = reply.send(CompletionSet::default());
            }
            Job::Inspect(_, _, reply) => {
                let _ = reply.send(None);
            }
        }
    }
}

fn run_cell(
    context: &mut CommandContext,
    code: &str,
    results: &Sender<WorkerEvent>,
    interrupter: &Interrupter,
) -> CellResult {
    let variables_before: Vec<String> = context
        .variables_and_types()
        .map(|(name, _)| name.to_owned())
        .collect();
    // evcxr does not export its input request type, so the closure is
    // written where its signature can be inferred.
    let mut callbacks = EvalCallbacks {
        input_reader: &|request| {
            let (answer_tx, answer_rx) = crossbeam_channel::bounded(1);
            let asked = results.send(WorkerEvent::Input {
                prompt: memscope_prelude::channel::unescape_prompt(&request.prompt),
                password: request.is_password,
                answer: answer_tx,
            });
            match (asked, answer_rx.recv()) {
                (Ok(()), Ok(Some(line))) => line,
                _ => INPUT_UNAVAILABLE.to_owned(),
            }
        },
    };
    let outcome = context.execute_with_callbacks(code, &mut callbacks);
    let interrupted = interrupter.interrupted.load(Ordering::SeqCst);
    match outcome {
        Ok(outputs) => {
            let mut value: Bundle = outputs.content_by_mime_type.into_iter().collect();
            value.sort();
            // A trailing call that returns nothing is not a result worth
            // showing (evcxr would display it as `()`).
            if value == [("text/plain".to_owned(), "()".to_owned())] {
                value.clear();
            }
            if code.trim_start().starts_with(":help") {
                CellResult::Ran {
                    value: Vec::new(),
                    page: Some(value),
                }
            } else {
                CellResult::Ran { value, page: None }
            }
        }
        Err(evcxr::Error::CompilationErrors(errors)) if !interrupted => {
            CellResult::CompileError(errors.iter().map(diagnostic).collect())
        }
        Err(error) => {
            let process_restarted = matches!(error, evcxr::Error::SubprocessTerminated(_));
            if process_restarted {
                // The new cell process needs its set-up again.
                let _ = context.execute(PROCESS_SETUP);
            }
            let recovery = if process_restarted {
                Recovery::Restarted {
                    lost_variables: variables_before,
                }
            } else {
                Recovery::Untouched
            };
            if interrupted {
                CellResult::Interrupted { recovery }
            } else if process_restarted {
                CellResult::ProcessDied {
                    detail: error.to_string(),
                    recovery,
                }
            } else {
                CellResult::Failed(error.to_string())
            }
        }
    }
}

/// Waits until every output of the cell has become an event.
/// Waits until the pump has turned everything the cell wrote into events
/// (it asks the cell process for a stderr fence itself: see `output_pump`).
fn fence(fences: &Sender<Fence>) {
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    if fences.send(Fence { done: done_tx }).is_ok() {
        let _ = done_rx.recv();
    }
}

fn inspect(context: &mut CommandContext, code: &str, cursor: usize) -> Option<Bundle> {
    // evcxr describes the expression that ends at the position given, so
    // move the cursor to the end of the identifier it is in.
    let mut end = cursor.min(code.len());
    while !code.is_char_boundary(end) {
        end -= 1;
    }
    end += code[end..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(code.len() - end);
    let (plain, html) = context.hover_at(code, end).ok()?;
    if plain.trim().is_empty() {
        return None;
    }
    let mut bundle = vec![("text/plain".to_owned(), plain)];
    if !html.trim().is_empty() {
        bundle.push(("text/html".to_owned(), html));
    }
    Some(bundle)
}

fn diagnostic(error: &evcxr::CompilationError) -> Diagnostic {
    let spans = error
        .spanned_messages()
        .iter()
        .filter_map(|m| {
            let span = m.span?;
            Some(CellSpan {
                line: span.start_line,
                column: span.start_column,
                end_line: span.end_line,
                end_column: span.end_column,
                label: m.label.clone(),
                primary: m.is_primary,
            })
        })
        .collect();
    let mut notes: Vec<String> = error
        .help()
        .into_iter()
        .map(|h| format!("help: {h}"))
        .collect();
    if let Some(hint) = error.evcxr_extra_hint() {
        notes.push(format!("note: {hint}"));
    }
    Diagnostic {
        level: error.level().to_owned(),
        code: error.code().map(str::to_owned),
        message: error.message(),
        spans,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::changes_result_format;

    #[test]
    fn result_format_commands_are_found_on_any_line() {
        assert!(changes_result_format(":fmt {:#?}"));
        assert!(changes_result_format("let a = 1;\n  :types\na"));
        assert!(changes_result_format(":fmt"));
        assert!(!changes_result_format(":format_check"));
        assert!(!changes_result_format("let fmt = 1; // :fmt"));
        assert!(!changes_result_format(":opt 2\n1 + 1"));
    }
}
