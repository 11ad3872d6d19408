//! Where the session's cell is, in one place: the phase of the cell
//! process's work, which cell the engine is on, and whether the request
//! the client saw start last has been interrupted.
//!
//! Every thread that needs to know (the dispatcher's control thread, the
//! worker, the shell thread reading the cell's events, an interrupt's
//! watcher) asks and tells this one type, through the transitions below;
//! none of them keeps a flag of its own.
//!
//! Invariants: an interrupt is for the request announced last (one from
//! before [`CellState::request_started`] is forgotten) and is spent when
//! the cell handed to the engine returns; a cell that was interrupted
//! before the worker began it never begins; an interrupt acts only on a
//! phase it may break: [`Phase::Compiling`] and [`Phase::Running`], never
//! [`Phase::SettingUp`] (the session's set-up, or a restarted process's)
//! nor [`Phase::CarriedOn`] (the only copy of the session).

use std::sync::{Arc, Mutex, MutexGuard};

/// What the cell process and its compilers are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The session's set-up code (or a restarted process's) compiles or
    /// runs.
    SettingUp,
    /// No code of the user's compiles or runs.
    Idle,
    /// rustc compiles the user's cell (evcxr may compile it twice, to word
    /// its errors).
    Compiling,
    /// The cell process runs the user's cell.
    Running,
    /// The process running the cell died and its snapshot carried on: the
    /// cell is ending, and the copy holds the session.
    CarriedOn,
}

/// Shared by the engine's threads; cheap to clone.
#[derive(Clone)]
pub struct CellState {
    state: Arc<Mutex<State>>,
}

struct State {
    phase: Phase,
    /// How many cells have been handed to the engine; the last one is under
    /// way while `under_way`.
    cells: u64,
    under_way: bool,
    /// The request announced last has been interrupted.
    interrupted: bool,
}

impl Default for CellState {
    fn default() -> CellState {
        CellState {
            state: Arc::new(Mutex::new(State {
                phase: Phase::SettingUp,
                cells: 0,
                under_way: false,
                interrupted: false,
            })),
        }
    }
}

impl CellState {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section below is a few assignments that cannot
        // panic, so a poisoned lock still holds a consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request is about to be announced to the client: an interrupt from
    /// before it is forgotten.
    pub fn request_started(&self) {
        self.lock().interrupted = false;
    }

    /// Records an interrupt of the request announced last; returns the
    /// number of the cell under way, if any, for the interrupt to watch.
    pub fn interrupt(&self) -> Option<u64> {
        let mut state = self.lock();
        state.interrupted = true;
        state.under_way.then_some(state.cells)
    }

    /// Whether the request announced last has been interrupted.
    pub fn interrupted(&self) -> bool {
        self.lock().interrupted
    }

    /// The engine takes a cell (it may still wait for the set-up).
    pub fn cell_handed_over(&self) {
        let mut state = self.lock();
        state.cells += 1;
        state.under_way = true;
    }

    /// The cell handed over last has returned: whatever interrupted it is
    /// spent.
    pub fn cell_returned(&self) {
        let mut state = self.lock();
        state.under_way = false;
        state.interrupted = false;
    }

    /// The phase while cell number `cell` is under way; `None` once it has
    /// returned.
    pub fn phase_of(&self, cell: u64) -> Option<Phase> {
        let state = self.lock();
        (state.under_way && state.cells == cell).then_some(state.phase)
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase
    }

    /// Whether a cell has been handed over and waits for the session's
    /// set-up to finish.
    pub fn cell_waits_for_set_up(&self) -> bool {
        let state = self.lock();
        state.under_way && state.phase == Phase::SettingUp
    }

    /// Set-up code compiles or runs (the session's, or a restarted
    /// process's).
    pub fn setting_up(&self) {
        self.lock().phase = Phase::SettingUp;
    }

    /// Nothing of the user's compiles or runs.
    pub fn idle(&self) {
        self.lock().phase = Phase::Idle;
    }

    /// The worker begins the user's cell. False, and nothing changes, if
    /// the cell was interrupted before it began: it must not run.
    pub fn begin_compiling(&self) -> bool {
        let mut state = self.lock();
        if state.interrupted {
            return false;
        }
        state.phase = Phase::Compiling;
        true
    }

    /// The cell process started running the compiled cell.
    pub fn running(&self) {
        let mut state = self.lock();
        if state.phase == Phase::Compiling {
            state.phase = Phase::Running;
        }
    }

    /// The cell's snapshot carried on after its process died.
    pub fn carried_on(&self) {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Compiling | Phase::Running) {
            state.phase = Phase::CarriedOn;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_after_busy_stops_the_cell_even_before_the_worker_begins_it() {
        let state = CellState::default();
        state.idle();
        state.request_started();
        assert_eq!(state.interrupt(), None, "no cell under way yet");
        state.cell_handed_over();
        assert!(!state.begin_compiling(), "the worker would run the cell");
        assert_eq!(state.phase(), Phase::Idle);
        state.cell_returned();
        assert!(state.begin_compiling(), "the next cell would not run");
    }

    #[test]
    fn an_interrupt_before_the_request_stops_nothing() {
        let state = CellState::default();
        state.interrupt();
        state.request_started();
        state.cell_handed_over();
        assert!(state.begin_compiling());
        state.cell_returned();
    }

    #[test]
    fn an_interrupt_names_the_cell_under_way_until_it_returns() {
        let state = CellState::default();
        state.cell_handed_over();
        state.cell_handed_over();
        let watched = state.interrupt().expect("a cell is under way");
        assert_eq!(watched, 2);
        assert_eq!(state.phase_of(watched), Some(Phase::SettingUp));
        state.cell_returned();
        assert_eq!(state.phase_of(watched), None);
        state.cell_handed_over();
        assert_eq!(state.phase_of(watched), None, "a later cell is not watched");
    }

    #[test]
    fn phases_follow_the_cell_and_never_leave_set_up_for_running() {
        let state = CellState::default();
        state.running();
        state.carried_on();
        assert_eq!(state.phase(), Phase::SettingUp, "set-up is never broken");
        state.idle();
        assert!(state.begin_compiling());
        assert_eq!(state.phase(), Phase::Compiling);
        state.running();
        assert_eq!(state.phase(), Phase::Running);
        state.carried_on();
        assert_eq!(state.phase(), Phase::CarriedOn);
        state.running();
        assert_eq!(
            state.phase(),
            Phase::CarriedOn,
            "a copy is not running the cell"
        );
        state.idle();
        state.running();
        assert_eq!(state.phase(), Phase::Idle, "a late report changes nothing");
    }
}
