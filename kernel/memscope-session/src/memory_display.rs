//! When the memory table is shown, and what the `:memory` commands change.
//!
//! `:memory on` (the default) shows the table after every successful cell
//! that leaves at least one array variable; `:memory off` stops that;
//! `:memory addresses` shows it with first-element addresses; `:memory`
//! alone shows it now. The model keeps tracking while the table is off,
//! so turning it on again shows correct changes.

use std::sync::Arc;

use memscope_engine::ArrayFacts;
use memscope_memory::render::{RenderOptions, Rendering, bundle};
use memscope_memory::{GoneWhy, MemoryTable, MemoryTracker, Opaque, ROWS_PER_VARIABLE};

use crate::commands::MemoryCommand;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    On,
    WithAddresses,
}

/// What a cell reported that the table cannot show as rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unseen {
    /// `(variable, type)`: the notebook's own types without `Arrays`.
    pub opaque: Vec<(String, String)>,
    /// `(variable, count, complete)`: arrays past the report's limit.
    pub beyond_limit: Vec<(String, usize, bool)>,
}

/// The memory table's renderings, `(mime type, rendering)`.
pub type TableBundle = Vec<(String, Rendering)>;

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
    pub fn command(&mut self, command: MemoryCommand) -> Option<TableBundle> {
        match command {
            MemoryCommand::On => self.mode = Mode::On,
            MemoryCommand::Off => self.mode = Mode::Off,
            MemoryCommand::Addresses => self.mode = Mode::WithAddresses,
            MemoryCommand::Show(name) => {
                let restricted = self
                    .last
                    .as_deref()
                    .and_then(|table| table.restricted_to_buffer_of(&name));
                return Some(match restricted {
                    Some(table) => bundle(&table, self.render_options()),
                    None => vec![(
                        "text/plain".to_owned(),
                        Rendering::Text(format!("No array named {name} in the memory table.")),
                    )],
                });
            }
            MemoryCommand::ShowNow => {
                return Some(match &self.last {
                    Some(table) => bundle(table, self.render_options()),
                    None => vec![(
                        "text/plain".to_owned(),
                        Rendering::Text("No array variables yet.".to_owned()),
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
            GoneWhy::Dropped => {
                format!("`{name}` was dropped by an earlier cell, so the name is gone.")
            }
        })
    }

    /// The table of the buffers `name` (a variable or a path) lives in, as
    /// text and HTML, for an inspection at detail level 1; `None` when no
    /// array goes by that name.
    pub fn inspect(&self, name: &str) -> Option<Vec<(String, String)>> {
        let table = self.last.as_deref()?.restricted_to_buffer_of(name)?;
        let options = self.render_options();
        Some(vec![
            (
                "text/plain".to_owned(),
                memscope_memory::render::text::render(&table, options),
            ),
            (
                "text/html".to_owned(),
                memscope_memory::render::html::render(&table, options),
            ),
        ])
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
    /// it, if the table is on, the cell succeeded and arrays exist (or a
    /// variable the table cannot look into, which it says). A container
    /// lists [`ROWS_PER_VARIABLE`] of its arrays; the rest are counted.
    pub fn after_cell(
        &mut self,
        variables: &[(String, ArrayFacts)],
        unseen: Unseen,
        code: &str,
        execution_count: usize,
        succeeded: bool,
    ) -> Option<TableBundle> {
        let count = u32::try_from(execution_count).ok();
        let opaque = unseen
            .opaque
            .into_iter()
            .map(|(variable, type_name)| Opaque {
                variable,
                type_name,
            })
            .collect();
        let table = self.tracker.observe(variables, code, count).folded(
            ROWS_PER_VARIABLE,
            opaque,
            &unseen.beyond_limit,
        );
        let show = succeeded
            && self.mode != Mode::Off
            && !(table.rows.is_empty() && table.opaque.is_empty());
        let rendered = show.then(|| bundle(&table, self.render_options()));
        self.last = Some(Arc::new(table));
        rendered
    }
}
