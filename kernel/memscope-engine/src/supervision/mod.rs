//! The kernel's view of the cell process: where the session's cell is
//! ([`cell_state`]), which process runs cells ([`running_process`]),
//! stopping a cell ([`interrupt`]) and reaping the orphans a subreaper
//! inherits ([`reaper`]). The code that runs inside the cell process is in
//! `crate::cell_process`.

pub mod cell_state;
pub mod interrupt;
pub mod reaper;
pub mod running_process;
