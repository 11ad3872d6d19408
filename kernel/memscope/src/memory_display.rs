//! When the memory table is shown, and the `:memory` commands that decide.
//!
//! `:memory on` (the default) shows the table after every successful cell
//! that leaves at least one array variable; `:memory off` stops that;
//! `:memory addresses` shows it with first-element addresses; `:memory`
//! alone shows it now. The model keeps tracking while the table is off,
//! so turning it on again shows correct changes.

use std::sync::Arc;

use memscope_engine::ArrayFacts;
use memscope_kernel::interpreter::MimeBundle;
use memscope_memory::render::{bundle, RenderOptions};
use memscope_memory::{GoneWhy, MemoryTable, MemoryTracker};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    On,
    WithAddresses,
}

/// A `:memory` command at the start of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    On,
    Off,
    Addresses,
    ShowNow,
}

/// Splits the `:memory` lines off the start of a cell. An unknown
/// argument is returned as an error message for the cell.
pub fn split_commands(code: &str) -> Result<(Vec<Command>, &str), String> {
    let mut commands = Vec::new();
    let mut rest = code;
    loop {
        let trimmed = rest.trim_start();
        let Some(after) = trimmed.strip_prefix(":memory") else {
            break;
        };
        if after.chars().next().is_some_and(|c| !c.is_whitespace()) {
            break; // `:memoryx` is not ours; evcxr will say so.
        }
        let (line, next) = after.split_once('\n').unwrap_or((after, ""));
        commands.push(match line.trim() {
            "" => Command::ShowNow,
            "on" => Command::On,
            "off" => Command::Off,
            "addresses" => Command::Addresses,
            other => {
                return Err(format!(
                    ":memory takes on, off, addresses or nothing, not {other:?}"
                ))
            }
        });
        rest = next;
    }
    Ok((commands, rest))
}

pub struct MemoryDisplay {
    tracker: MemoryTracker,
    mode: Mode,
    /// Shared with the Variables panel's snapshot, which keeps it for
    /// "Render Variable" without copying it every cell.
    last: Option<Arc<MemoryTable>>,
}

impl Default for MemoryDisplay {
    fn default() -> Self {
        MemoryDisplay {
            tracker: MemoryTracker::new(),
            mode: Mode::On,
            last: None,
        }
    }
}

impl MemoryDisplay {
    /// Applies a command; returns the table to show now, if any.
    pub fn command(&mut self, command: Command) -> Option<MimeBundle> {
        match command {
            Command::On => self.mode = Mode::On,
            Command::Off => self.mode = Mode::Off,
            Command::Addresses => self.mode = Mode::WithAddresses,
            Command::ShowNow => {
                return Some(match &self.last {
                    Some(table) => bundle(table, self.render_options()),
                    None => vec![(
                        "text/plain".to_owned(),
                        "No array variables yet.".to_owned(),
                    )],
                });
            }
        }
        None
    }

    /// Says where an array variable that no longer exists went, for a
    /// compile error that cannot find it.
    pub fn vanished(&self, name: &str) -> Option<String> {
        Some(match self.tracker.vanished(name)? {
            GoneWhy::Moved { into } => format!(
                "`{name}` was moved into `{into}` by an earlier cell (`let {into} = {name};` moves in Rust), so the name is gone; use `{into}`, or clone before moving."
            ),
            GoneWhy::Dropped => format!("`{name}` was dropped by an earlier cell, so the name is gone."),
        })
    }

    /// The table after the last cell, if a cell has run since the start.
    pub fn last_table(&self) -> Option<&Arc<MemoryTable>> {
        self.last.as_ref()
    }

    /// How tables are rendered now (with addresses after `:memory addresses`).
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions {
            addresses: self.mode == Mode::WithAddresses,
        }
    }

    /// The cell process was restarted: its variables are gone.
    pub fn restart(&mut self) {
        self.tracker.restart();
        self.last = None;
    }

    /// Records the arrays after a cell; returns the table to show after
    /// it, if the table is on, the cell succeeded and arrays exist.
    pub fn after_cell(
        &mut self,
        variables: &[(String, ArrayFacts)],
        code: &str,
        execution_count: usize,
        succeeded: bool,
    ) -> Option<MimeBundle> {
        let count = u32::try_from(execution_count).ok();
        let table = self.tracker.observe(variables, code, count);
        let show = succeeded && self.mode != Mode::Off && !table.rows.is_empty();
        let rendered = show.then(|| bundle(&table, self.render_options()));
        self.last = Some(Arc::new(table));
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_commands_are_split_from_the_code() {
        assert_eq!(split_commands("let a = 1;"), Ok((vec![], "let a = 1;")));
        assert_eq!(split_commands(":memory off"), Ok((vec![Command::Off], "")));
        assert_eq!(
            split_commands(":memory\n:memory addresses\nlet a = 1;"),
            Ok((vec![Command::ShowNow, Command::Addresses], "let a = 1;"))
        );
        assert_eq!(split_commands(":memoryx"), Ok((vec![], ":memoryx")));
        assert!(split_commands(":memory sideways").is_err());
    }
}
