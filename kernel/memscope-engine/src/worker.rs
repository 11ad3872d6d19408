//! The worker thread: the only code that touches evcxr. It starts the
//! context and the session, then takes jobs (run a cell, complete, inspect)
//! one at a time, reporting what it sees on one channel.
//!
//! Invariants: a cell's `Finished` is sent only after a fence, so it
//! follows every output of the cell on the same channel; a failed compile
//! leaves the session as it was (evcxr commits state only on success);
//! the worker tells [`CellState`] each phase it enters, and a cell that was
//! interrupted before it began does not begin.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use evcxr::{CommandContext, EvalCallbacks};
use memscope_cell_abi::MimeBundle;
use memscope_cell_abi::process::{INPUT_UNAVAILABLE, unescape_prompt};

use crate::cell_lines::header;
use crate::diagnostics;
use crate::events::{CellResult, CellTiming, CompletionSet, EngineConfig, Recovery, TypeSource};
use crate::hover_position::hover_position;
use crate::link_timing;
use crate::output_pump::{self, Fence, PumpEvent};
use crate::session_setup::{
    DEFER_TO_FORMAT, VARIABLE_STORE_MODULE, WARM_UP_CODE, changes_result_format, process_setup,
    session_setup, type_path_rules,
};
use crate::supervision::cell_state::CellState;
use crate::supervision::running_process::RunningProcess;

/// What the engine asks of the worker.
pub enum Job {
    Execute(String),
    Complete(String, usize, Sender<CompletionSet>),
    Inspect(String, usize, Sender<Option<MimeBundle>>),
    /// The session's variables and their types, as evcxr records them.
    VariableTypes(Sender<Vec<(String, String)>>),
    /// The source evcxr generated for the last cell it compiled.
    LastSource(Sender<Option<String>>),
}

/// What the worker sends back while and after running a job.
pub enum WorkerEvent {
    Output(PumpEvent),
    Input {
        prompt: String,
        password: bool,
        answer: Sender<Option<String>>,
    },
    Finished(CellResult),
}

/// Everything the worker thread owns.
pub struct Worker {
    pub config: EngineConfig,
    pub build_dir: PathBuf,
    pub results: Sender<WorkerEvent>,
    pub state: CellState,
    pub process: RunningProcess,
    /// How many times rust-analyzer's analysis has been started.
    pub analysis_warm_ups: Arc<AtomicUsize>,
}

impl Worker {
    /// Starts evcxr and the session, then runs jobs until the engine is
    /// dropped.
    pub fn run(self, jobs: Receiver<Job>) {
        let launch = std::time::Instant::now();
        crate::build_dir::remove_cell_libraries(&self.build_dir);
        if crate::build_dir::seed_from_sibling(&self.build_dir, &self.config.prelude_dir) {
            tracing::info!("build folder seeded after {:?}", launch.elapsed());
        }
        if let Some(lock) = &self.config.cell_lock
            && let Err(error) = crate::build_dir::use_lock_file(&self.build_dir, lock)
        {
            tracing::warn!("cannot use the lock file {}: {error}", lock.display());
        }
        let (mut context, fences) = match self.start_session() {
            Ok(parts) => parts,
            Err(error) => {
                let message = format!(
                    "the Rust engine could not start: {error}{}",
                    toolchain_hint(&error.to_string())
                );
                tracing::error!("{message}");
                return refuse_all(jobs, &self.results, message);
            }
        };
        tracing::info!("session ready after {:?}", launch.elapsed());
        self.process.follow(context.process_handle());
        self.state.idle();

        let mut deferred_to_format = false;
        // rust-analyzer serves completions and hovers only, so its first
        // analysis waits until the session has been idle for a moment: a
        // notebook run in a batch sends its cells back to back and never
        // starts it; a person finds it warm by the time they press Tab.
        let mut analysis_due = true;
        loop {
            let job = if analysis_due {
                match jobs.recv_timeout(ANALYSIS_AFTER_IDLE) {
                    Ok(job) => job,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                        warm_up_analysis(&mut context);
                        self.analysis_warm_ups.fetch_add(1, Ordering::SeqCst);
                        analysis_due = false;
                        continue;
                    }
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match jobs.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                }
            };
            match job {
                Job::Execute(code) => {
                    if !deferred_to_format && changes_result_format(&code) {
                        deferred_to_format = context.execute(DEFER_TO_FORMAT).is_ok();
                    }
                    // New dependencies are new crates for rust-analyzer.
                    analysis_due |= header(&code).has_command(":dep");
                    let began = std::time::Instant::now();
                    let result = if self.state.begin_compiling() {
                        self.run_cell(&mut context, &code)
                    } else {
                        // Interrupted while it waited (for the set-up, say).
                        CellResult::Interrupted {
                            recovery: Recovery::Untouched,
                        }
                    };
                    self.state.idle();
                    let ran = began.elapsed();
                    self.process.follow(context.process_handle());
                    fence(&fences);
                    tracing::info!(
                        "cell ran in {ran:?}, output flushed after {:?}",
                        began.elapsed()
                    );
                    let _ = self.results.send(WorkerEvent::Finished(result));
                }
                Job::Complete(code, cursor, reply) => {
                    let _ = reply.send(completions(&mut context, &code, cursor));
                }
                Job::Inspect(code, cursor, reply) => {
                    let _ = reply.send(inspect(&mut context, &code, cursor));
                }
                Job::VariableTypes(reply) => {
                    let types = context
                        .variables_and_types()
                        .map(|(name, ty)| (name.to_owned(), ty.to_owned()))
                        .collect();
                    let _ = reply.send(types);
                }
                Job::LastSource(reply) => {
                    let _ = reply.send(context.last_source().ok());
                }
            }
        }
    }

    /// evcxr's context with the output pump running and the session set
    /// up; the phase is [`SettingUp`](crate::supervision::cell_state::Phase)
    /// throughout, so no interrupt breaks it.
    fn start_session(&self) -> Result<(CommandContext, Sender<Fence>), evcxr::Error> {
        let launch = std::time::Instant::now();
        let (mut context, outputs) = start_context(&self.config.cell_process)?;
        tracing::info!("evcxr context ready after {:?}", launch.elapsed());
        if self.config.cell_cache_bytes > 0 {
            // Our patch 0005: a cell built before from the same code and
            // inputs is neither analysed nor compiled again.
            context.set_cell_cache(Some(evcxr::CellCacheConfig {
                dir: self.config.cache_dir.join("cells"),
                max_bytes: self.config.cell_cache_bytes,
            }));
        }
        // Our patch 0006: variables' types come from the compiler that
        // builds each cell, so no cell waits for rust-analyzer.
        let source = match self.config.type_source {
            TypeSource::Compiler => evcxr::TypeSource::Compiler,
            TypeSource::RustAnalyzer => evcxr::TypeSource::RustAnalyzer,
        };
        context.set_type_source(source, type_path_rules());
        // Our patch 0008: cells keep their variables in the prelude's
        // store, compiled once with the prelude rather than in every cell.
        // The cell process evcxr started for its first check is replaced,
        // before the set-up cell runs in the new one; the library of that
        // check goes with it, so the folder holds only what the session's
        // cell process loads.
        context.set_variable_store_module(Some(VARIABLE_STORE_MODULE.to_owned()))?;
        crate::build_dir::remove_cell_libraries(&self.build_dir);
        // Our patch 0009: while only the cell changes, rustc runs without cargo.
        context.set_direct_rustc(self.config.direct_rustc);
        let (fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let process = self.process.clone();
        // Output events share the results channel with `Finished`, and the
        // pump emits a cell's last event before it acknowledges the fence
        // that precedes `Finished`: so a cell's outputs always come first.
        let output_results = self.results.clone();
        std::thread::Builder::new()
            .name("cell-output".into())
            .spawn(move || {
                output_pump::pump(outputs.stdout, outputs.stderr, fence_rx, process, |event| {
                    let _ = output_results.send(WorkerEvent::Output(event));
                })
            })
            .map_err(|e| evcxr::Error::from(e.to_string()))?;
        let prelude = &self.config.prelude_dir;
        if let Err(error) = context.execute(&session_setup(prelude, true)) {
            // Only if the crates fetched at install time have gone from
            // cargo's cache: better to fetch them again than not to start.
            tracing::warn!("the offline set-up failed, trying with the network: {error}");
            context.execute(&session_setup(prelude, false))?;
        }
        context.execute(":offline 0")?;
        tracing::info!("session set up after {:?}", launch.elapsed());
        Ok((context, fence_tx))
    }

    fn run_cell(&self, context: &mut CommandContext, code: &str) -> CellResult {
        let variables_before: Vec<String> = context
            .variables_and_types()
            .map(|(name, _)| name.to_owned())
            .collect();
        // evcxr does not export its input request type, so the closure is
        // written where its signature can be inferred.
        let mut callbacks = EvalCallbacks {
            input_reader: &|request| {
                let (answer_tx, answer_rx) = crossbeam_channel::bounded(1);
                let asked = self.results.send(WorkerEvent::Input {
                    prompt: unescape_prompt(&request.prompt),
                    password: request.is_password,
                    answer: answer_tx,
                });
                match (asked, answer_rx.recv()) {
                    (Ok(()), Ok(Some(line))) => line,
                    _ => INPUT_UNAVAILABLE.to_owned(),
                }
            },
        };
        // Links of the kernel's own cells (the session's set-up, a new
        // cell process's) are not this cell's.
        let _ = link_timing::take_link_time(&self.build_dir);
        let began = std::time::Instant::now();
        let outcome = context.execute_with_callbacks(code, &mut callbacks);
        let took = began.elapsed();
        // Read whatever the cell's outcome, so no link counts for a later cell.
        let link = link_timing::take_link_time(&self.build_dir);
        let interrupted = self.state.interrupted();
        match outcome {
            Ok(outputs) => {
                // evcxr sets `timing` only when `:timing` is on; a cell of
                // commands only has no phases, and nothing to split.
                let phased = !outputs.phases.is_empty();
                let timing = outputs.timing.filter(|_| phased).map(|_| {
                    let phases = outputs.phases.iter();
                    CellTiming {
                        link,
                        ..CellTiming::from_phases(
                            phases.map(|phase| (phase.name.as_str(), phase.duration)),
                            took,
                        )
                    }
                });
                let mut value: MimeBundle = outputs.content_by_mime_type.into_iter().collect();
                value.sort();
                // A trailing call that returns nothing is not a result worth
                // showing (evcxr would display it as `()`).
                if value == [("text/plain".to_owned(), "()".to_owned())] {
                    value.clear();
                }
                if header(code).has_command(":help") {
                    CellResult::Ran {
                        value: Vec::new(),
                        page: Some(value),
                        timing,
                    }
                } else {
                    CellResult::Ran {
                        value,
                        page: None,
                        timing,
                    }
                }
            }
            Err(evcxr::Error::CompilationErrors(errors)) if !interrupted => {
                CellResult::CompileError(diagnostics::from_evcxr(&errors, code))
            }
            Err(error) => {
                let process_restarted = matches!(error, evcxr::Error::SubprocessTerminated(_));
                if process_restarted {
                    // The new cell process needs its set-up again, which no
                    // interrupt may break.
                    self.state.setting_up();
                    let _ = context.execute(&process_setup());
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
}

/// evcxr's context, with a cell process that finds the standard library.
/// Cells link it dynamically, and rustc's relative rpath to it only
/// resolves for build folders that sit at a certain depth, so the cell
/// process is told where it is. Found here, on the worker thread, because
/// asking rustc takes a tenth of a second that the kernel's first answer
/// should not wait for.
fn start_context(
    program: &std::path::Path,
) -> Result<(CommandContext, evcxr::EvalContextOutputs), evcxr::Error> {
    let mut cell_process = std::process::Command::new(program);
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

/// How long the session stays idle before rust-analyzer's first analysis
/// starts: longer than a notebook client takes between one cell's reply and
/// the next request, shorter than a person takes to start typing.
const ANALYSIS_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// Loads the workspace into rust-analyzer and starts its first analysis,
/// which takes seconds, on a thread of evcxr's (our patches 0003 and 0010);
/// the next completion or hover waits for what is left. A failure only
/// costs the speed-up.
fn warm_up_analysis(context: &mut CommandContext) {
    let began = std::time::Instant::now();
    // Nobody waits for the analysis yet: a cell's compile goes first. The
    // thread lowers itself before it starts its helpers, which inherit it.
    let (lowered_tx, lowered) = crossbeam_channel::bounded(1);
    let lower = Box::new(move || {
        let _ = lowered_tx.send(crate::processes::lower_priority_of_this_thread());
    });
    match context.warm_up_analysis_with(WARM_UP_CODE, lower) {
        Ok(()) => {
            // Returns with the thread at its lower priority, as callers
            // (and the engine tier) expect.
            let lowered = lowered.recv_timeout(std::time::Duration::from_secs(1));
            tracing::info!(
                "analysis warming up (workspace loaded in {:?}, thread at nice 10: {})",
                began.elapsed(),
                lowered.unwrap_or(false)
            )
        }
        Err(error) => tracing::info!("analysis warm-up failed: {error}"),
    }
}

/// Answers every job with the reason the engine could not start.
fn refuse_all(jobs: Receiver<Job>, results: &Sender<WorkerEvent>, message: String) {
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
            Job::VariableTypes(reply) => {
                let _ = reply.send(Vec::new());
            }
            Job::LastSource(reply) => {
                let _ = reply.send(None);
            }
        }
    }
}

/// Waits until the pump has turned everything the cell wrote into events
/// (it asks the cell process for a stderr fence itself: see `output_pump`).
fn fence(fences: &Sender<Fence>) {
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    if fences.send(Fence { done: done_tx }).is_ok() {
        let _ = done_rx.recv();
    }
}

fn completions(context: &mut CommandContext, code: &str, cursor: usize) -> CompletionSet {
    context
        .completions(code, cursor)
        .map(|c| {
            // The display trait's method is in scope for every value but is
            // not for users to call.
            let offered = c
                .completions
                .into_iter()
                .filter(|c| !c.code.starts_with("evcxr_display"));
            let mut set = CompletionSet::default();
            for completion in offered {
                set.matches.push(completion.code);
                set.kinds.push(completion.kind);
                set.details.push(completion.detail);
            }
            CompletionSet {
                start: c.start_offset,
                end: c.end_offset,
                ..set
            }
        })
        .unwrap_or_default()
}

/// What evcxr's hover says when there is nothing to say.
const EVCXR_NOTHING_FOUND: &str = "No documentation found";

fn inspect(context: &mut CommandContext, code: &str, cursor: usize) -> Option<MimeBundle> {
    let (plain, html) = context.hover_at(code, hover_position(code, cursor)).ok()?;
    // evcxr answers these words when rust-analyzer has nothing to show:
    // that is `found: false`, not documentation.
    if plain.trim().is_empty() || plain.trim() == EVCXR_NOTHING_FOUND {
        return None;
    }
    let mut bundle = vec![("text/plain".to_owned(), plain)];
    if !html.trim().is_empty() {
        bundle.push(("text/html".to_owned(), html));
    }
    Some(bundle)
}

/// What to do when evcxr could not find a tool it runs: the kernel has
/// only the environment its front end gave it.
fn toolchain_hint(error: &str) -> &'static str {
    let missing_tool = ["cargo", "rustc", "`cc`", "linker"]
        .iter()
        .any(|tool| error.contains(tool))
        && (error.contains("not found") || error.contains("Cannot find"));
    if missing_tool {
        ". The kernel looks on its PATH and in the folders `memscope install` recorded \
         (MEMSCOPE_TOOLCHAIN_PATH in the kernelspec): install Rust (rustup) and a C linker \
         (Debian: build-essential), then run `memscope install` again."
    } else {
        ""
    }
}
