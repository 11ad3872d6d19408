//! `memscope kernel`: wires the transport, the dispatcher, the session and
//! the engine, and ends the kernel (see `lifetime`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use memscope_engine::{Engine, EngineConfig, TypeSource};
use memscope_kernel::control::{Control, divert_shell_interrupts};
use memscope_kernel::debug::{DebugAdapter, VariablesBoard};
use memscope_kernel::interpreter::Interpreter;
use memscope_kernel::interrupts::Interrupts;
use memscope_kernel::shell::Shell;
use memscope_kernel::usage::UsageMeter;
use memscope_protocol::connection::read_connection_file;
use memscope_session::Session;

use crate::embedded_prelude;
use crate::language;
use crate::lifetime::{self, Ending};
use crate::places;
use crate::session_interpreter::SessionInterpreter;
use crate::settings::Settings;
use crate::unavailable::Unavailable;

/// Starts `rustc --version`; [`rustc_version`] reads its answer. Started
/// early, so that it runs while the kernel sets up its sockets.
fn ask_rustc_version() -> Option<std::process::Child> {
    std::process::Command::new("rustc")
        .arg("--version")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()
}

fn rustc_version(asked: Option<std::process::Child>) -> String {
    asked
        .and_then(|child| child.wait_with_output().ok())
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.split_whitespace().nth(1).map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The engine, with its cache folder and the prelude unpacked there.
///
/// # Safety
///
/// As `Engine::start`: no other thread may touch the environment meanwhile.
unsafe fn start_engine(settings: &Settings) -> Result<Engine> {
    let cache_dir = places::cache_dir(settings)?;
    let prelude = embedded_prelude::for_cells(settings, &cache_dir)?;
    let prelude_dir = prelude
        .crate_dir
        .canonicalize()
        .unwrap_or(prelude.crate_dir);
    // SAFETY: our caller's promise is the engine's.
    unsafe {
        Engine::start(EngineConfig {
            cache_dir,
            prelude_dir,
            cell_lock: prelude.cell_lock.is_file().then_some(prelude.cell_lock),
            cell_cache_bytes: settings.cell_cache_bytes(),
            direct_rustc: settings.direct_rustc(),
            type_source: TypeSource::Compiler,
            cell_process: std::env::current_exe().context("cannot find the kernel's own binary")?,
        })
    }
    .context("cannot start the Rust engine")
}

/// The log, unless `MEMSCOPE_LOG` says otherwise: memscope's own warnings
/// and errors only. It goes to the kernel's standard error, which is the
/// server's log, or, under `jupyter console`, the user's terminal, where
/// the cell's output is all that belongs; rust-analyzer's complaints about
/// the cell's workspace (evcxr's business, and never the user's) stay out.
const QUIET_LOG: &str = "off,memscope=warn,memscope_session=warn,memscope_engine=warn,memscope_kernel=warn,memscope_protocol=warn";

pub fn run(connection_file: &Path, settings: &Settings) -> Result<()> {
    let filter = settings.log.as_deref().unwrap_or(QUIET_LOG);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| QUIET_LOG.into()),
        )
        .with_writer(std::io::stderr)
        .init();

    // Read the connection file first, so a bad path fails before anything
    // starts.
    let info = read_connection_file(connection_file)?;
    // Before any thread or child: it sets PATH.
    // SAFETY: no thread has started yet (the log starts none), so nothing
    // else reads the environment while it changes.
    unsafe { places::use_recorded_toolchain(settings) };
    let rustc = ask_rustc_version();
    // The engine sets evcxr's environment, so it starts before any thread.
    // SAFETY: still no thread (a child process answers `rustc --version`).
    let engine = unsafe { start_engine(settings) };
    // The compiler answered while the engine started.
    let identity = language::rust_identity(&rustc_version(rustc));
    let board = VariablesBoard::default();
    let interpreter: Box<dyn Interpreter> = match engine {
        Ok(engine) => Box::new(SessionInterpreter::new(
            Session::new(engine),
            board.clone(),
            identity,
        )),
        Err(error) => {
            let reason = format!("{error:#}");
            tracing::error!("{reason}");
            Box::new(Unavailable::new(reason, identity))
        }
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the I/O runtime")?;
    let endpoints = memscope_protocol::transport::start(&info, runtime.handle())?;

    let identity = interpreter.identity();
    let interrupts = Interrupts::new(interpreter.interrupter());
    let (endings_tx, endings) = crossbeam_channel::unbounded();
    lifetime::handle_signals(runtime.handle(), endings_tx.clone(), interrupts.clone())?;
    if let Some(pid) = lifetime::front_end_pid(settings.front_end_pid.as_deref()) {
        lifetime::watch_front_end(pid, endings_tx.clone())?;
    }

    let control = Arc::new(Control {
        outbox: endpoints.outbox.clone(),
        identity: identity.clone(),
        interrupts: interrupts.clone(),
        debugger: Arc::new(DebugAdapter::new(board, language::debugger_info())),
        usage: UsageMeter::new(),
    });
    let shell_requests = divert_shell_interrupts(control.clone(), endpoints.shell)
        .context("cannot start the thread that answers interrupts on the shell channel")?;
    let mut shell = Shell::new(
        interpreter,
        endpoints.outbox.clone(),
        endpoints.stdin,
        interrupts.clone(),
        identity,
    );
    std::thread::Builder::new()
        .name("shell".into())
        .spawn(move || shell.run(&shell_requests))
        .context("cannot start the shell thread")?;
    let control_requests = endpoints.control;
    let control_ended = endings_tx;
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            let ending = match control.run(&control_requests) {
                Some(asked) => Ending::Shutdown {
                    restart: asked.restart,
                },
                None => Ending::ControlClosed,
            };
            let _ = control_ended.send(ending);
        })
        .context("cannot start the control thread")?;

    // Every thread above holds a sender, and the control thread sends
    // before it ends, so this waits until one of them says why to end.
    let ending = endings.recv().unwrap_or(Ending::ControlClosed);
    tracing::info!(?ending, "shutting down");
    interrupts.interrupt();
    if !matches!(ending, Ending::FrontEndGone { .. }) {
        // Someone may read the shutdown reply and the last outputs; a
        // front end that is gone reads nothing, and must not wait for us.
        endpoints.outbox.flush(Duration::from_secs(2));
        // Give the sockets' tasks a moment to write the reply to the wire.
        runtime.shutdown_timeout(Duration::from_millis(200));
    }
    let killed = lifetime::end_descendants();
    tracing::info!(killed, "processes of the kernel ended");
    // Exit without unwinding the shell thread, which may be mid-cell.
    std::process::exit(0);
}
