//! The engine's handle: starts the worker that owns evcxr, hands it jobs,
//! and turns what it reports into the cell's events and result.
//!
//! Invariants: evcxr is touched only by the worker thread (see `worker`);
//! a cell's result is returned only after every output of the cell has
//! reached the observer (the worker sends it after a fence, on the same
//! channel as the outputs); the engine starts answering at once and
//! finishes starting (the first compile) in the background.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::build_dir::BuildDir;
use crate::classify::{Evidence, classify};
use crate::compile_progress;
use crate::events::{CellObserver, CellResult, CompletionSet, EngineConfig, Event};
use crate::output_pump::PumpEvent;
use crate::processes;
use crate::session_setup::write_dependency_profile;
use crate::supervision::cell_state::{CellState, Phase};
use crate::supervision::interrupt::Interrupter;
use crate::supervision::running_process::RunningProcess;
use crate::worker::{self, Job, WorkerEvent};
use memscope_cell_abi::MimeBundle;

/// A running engine.
pub struct Engine {
    jobs: Sender<Job>,
    results: Receiver<WorkerEvent>,
    state: CellState,
    process: RunningProcess,
    interrupter: Interrupter,
    analysis_warm_ups: Arc<AtomicUsize>,
    _build_dir: BuildDir,
}

impl Engine {
    /// Starts the engine.
    ///
    /// # Safety
    ///
    /// It sets an environment variable that evcxr reads
    /// (`std::env::set_var`): no other thread may read or write the
    /// environment while it runs. Call it before any other thread starts,
    /// or while every other thread waits without touching the environment.
    pub unsafe fn start(config: EngineConfig) -> std::io::Result<Engine> {
        // A cell process that dies mid-cell leaves its snapshot behind (see
        // `cell_process::snapshot`); as a subreaper we inherit it instead
        // of init, so we can signal it and reap it.
        processes::use_one_malloc_arena();
        let subreaper = processes::become_subreaper();
        if !subreaper {
            tracing::warn!(
                "not a subreaper: a cell process that dies mid-cell loses its variables"
            );
        }
        let builds = config.cache_dir.join("build");
        write_dependency_profile(&builds)?;
        let build_dir = BuildDir::acquire(&builds)?;
        // evcxr reads its build folder from the environment, and has no
        // other way to be told.
        // SAFETY: the caller promises that no other thread reads or writes
        // the environment while this runs (see `# Safety`).
        unsafe { std::env::set_var("EVCXR_TMPDIR", build_dir.path()) };
        // Threads only from here on: the environment is set.
        if subreaper {
            std::thread::Builder::new()
                .name("reaper".into())
                .spawn(crate::supervision::reaper::reap_orphans_forever)?;
        }
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
        let (results_tx, results_rx) = crossbeam_channel::unbounded();
        let state = CellState::default();
        let process = RunningProcess::default();
        forward_compile_progress(&results_tx, &state);
        let analysis_warm_ups = Arc::new(AtomicUsize::new(0));
        let worker = worker::Worker {
            config,
            build_dir: build_dir.path().to_owned(),
            results: results_tx,
            state: state.clone(),
            process: process.clone(),
            analysis_warm_ups: analysis_warm_ups.clone(),
        };
        std::thread::Builder::new()
            .name("evcxr".into())
            .spawn(move || worker.run(jobs_rx))?;
        Ok(Engine {
            jobs: jobs_tx,
            results: results_rx,
            interrupter: Interrupter::new(state.clone(), process.clone()),
            state,
            process,
            analysis_warm_ups,
            _build_dir: build_dir,
        })
    }

    /// How many times rust-analyzer's first analysis has started: never
    /// while cells come back to back, once the session has been idle for a
    /// moment, and again after a `:dep`.
    pub fn analysis_warm_ups(&self) -> usize {
        self.analysis_warm_ups.load(Ordering::SeqCst)
    }

    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// Runs a cell, reporting its output to `observer` as it comes.
    pub fn execute(&mut self, code: &str, observer: &mut dyn CellObserver) -> CellResult {
        self.state.cell_handed_over();
        let result = self.run(code, observer);
        self.state.cell_returned();
        result
    }

    fn run(&mut self, code: &str, observer: &mut dyn CellObserver) -> CellResult {
        if self.jobs.send(Job::Execute(code.to_owned())).is_err() {
            return CellResult::Failed("the engine has stopped".into());
        }
        let mut seen = Evidence::default();
        loop {
            match self.results.recv() {
                Ok(WorkerEvent::Output(PumpEvent::Observed(event))) => observer.event(event),
                Ok(WorkerEvent::Output(PumpEvent::Panic { message, location })) => {
                    seen.panic = Some((message, location));
                }
                Ok(WorkerEvent::Output(PumpEvent::Running)) => self.state.running(),
                Ok(WorkerEvent::Output(PumpEvent::CarriedOn { replaced, .. })) => {
                    self.state.carried_on();
                    // Waiting for the old process is this thread's job, not
                    // the pump's: the pump must keep the output flowing.
                    seen.carried_on = Some(self.process.how_it_ended(replaced));
                }
                Ok(WorkerEvent::Input {
                    prompt,
                    password,
                    answer,
                }) => {
                    let _ = answer.send(observer.input(&prompt, password));
                }
                Ok(WorkerEvent::Finished(result)) => {
                    seen.interrupted = self.state.interrupted();
                    return classify(result, seen);
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

    /// The session's variables and their types (`i64`, `Vec<String>`), as
    /// evcxr writes them in the code it generates.
    pub fn variable_types(&mut self) -> Vec<(String, String)> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.jobs.send(Job::VariableTypes(tx)).is_err() {
            return Vec::new();
        }
        rx.recv().unwrap_or_default()
    }

    /// The source evcxr generated for the last cell it compiled (what a
    /// failing engine test prints).
    pub fn last_source(&mut self) -> Option<String> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.jobs.send(Job::LastSource(tx)).ok()?;
        rx.recv().ok().flatten()
    }

    pub fn inspect(&mut self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.jobs
            .send(Job::Inspect(code.to_owned(), cursor, tx))
            .ok()?;
        rx.recv().ok().flatten()
    }
}

/// Shows the crates cargo compiles in the cell that waits for them; lines
/// from compiles no cell waits for (the session's set-up) are left to the
/// log.
fn forward_compile_progress(results: &Sender<WorkerEvent>, state: &CellState) {
    let crates = match compile_progress::capture() {
        Ok(crates) => crates,
        Err(error) => {
            tracing::warn!("compile progress is not shown: {error}");
            return;
        }
    };
    let (results, state) = (results.clone(), state.clone());
    let forwarding = std::thread::Builder::new()
        .name("compile-progress".into())
        .spawn(move || {
            for name in crates {
                // Logged here, never by the thread that reads standard
                // error (see `compile_progress`).
                tracing::info!("compiling {name}");
                if matches!(state.phase(), Phase::Compiling | Phase::Running) {
                    let event = PumpEvent::Observed(Event::Compiling(name));
                    let _ = results.send(WorkerEvent::Output(event));
                }
            }
        });
    if let Err(error) = forwarding {
        tracing::warn!("compile progress is not shown: {error}");
    }
}
