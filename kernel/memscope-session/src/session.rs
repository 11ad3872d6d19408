//! A memscope session: cells run one at a time through the engine, with
//! memscope's own semantics around each: its commands, parameters, the
//! memory table, the Variables panel's view and errors in the user's
//! terms. What it returns is plain data; the binary converts it for
//! Jupyter.
//!
//! Invariant: one round trip to the worker for the variables' types per
//! cell that runs code (after it), none for a cell of commands only; the
//! types a `:param` line is filled by are those the last cell left.

use std::sync::Arc;
use std::time::Instant;

use memscope_engine::cell_lines::header;
use memscope_engine::hover_position::identifier_around;
use memscope_engine::{
    ArrayFacts, CellObserver, CellResult, CompletionSet, DisplayRequest, Engine, Event,
    Interrupter, MimeBundle, Recovery, StreamKind,
};
use memscope_memory::MemoryTable;
use memscope_memory::render::Rendering;

use crate::build_progress::BuildProgress;
use crate::commands;
use crate::failure::{Failure, Ran, describe};
use crate::memory_display::{MemoryDisplay, TableBundle, Unseen};
use crate::parameters;
use crate::timing;
use crate::variables::{self, Variables};

/// Who hears what a running cell produces, in order.
pub trait Observer {
    fn stream(&mut self, kind: StreamKind, text: &str);
    fn display(&mut self, request: DisplayRequest);
    /// Asks the user for a line; `None` when nobody can answer.
    fn input(&mut self, prompt: &str, password: bool) -> Option<String>;
}

/// What became of a cell.
#[derive(Debug, Clone)]
pub struct CellReport {
    /// Its value, or why it did not run to the end.
    pub result: Result<Ran, Failure>,
    /// What to show after the value (the memory table): empty for a
    /// failed cell.
    pub shown: Vec<TableBundle>,
    /// The memory table as the cell left it, if the session has one.
    pub table: Option<Arc<MemoryTable>>,
    /// The session's variables as the cell left them.
    pub variables: Variables,
}

/// A running session.
pub struct Session {
    engine: Engine,
    memory: MemoryDisplay,
    /// Counts cells that ran code, to give each one's build progress its
    /// own id.
    cells_run: usize,
    /// The session's variables and their types, as the last cell left
    /// them.
    types: Vec<(String, String)>,
    /// The one-line values of the simple variables, as the last cell that
    /// ran reported them (sorted by name).
    values: Vec<(String, String)>,
}

impl Session {
    pub fn new(engine: Engine) -> Session {
        Session {
            engine,
            memory: MemoryDisplay::default(),
            cells_run: 0,
            types: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Runs one cell, telling `observer` what it produces as it comes.
    /// `execution_count` is the number the front end shows for it.
    pub fn run(
        &mut self,
        cell: &str,
        execution_count: usize,
        observer: &mut dyn Observer,
    ) -> CellReport {
        let split = match commands::split(cell) {
            Ok(split) => split,
            Err(message) => return self.refused(cell, message),
        };
        let code = if split.parameters.is_empty() {
            split.rest.clone()
        } else {
            let types = &self.types;
            let session_type = |name: &str| {
                let found = types.iter().find(|(n, _)| n == name);
                found.map(|(_, t)| t.clone())
            };
            match parameters::with_lets(&split, &session_type) {
                Ok(code) => code,
                Err(message) => return self.refused(cell, message),
            }
        };
        let mut shown: Vec<TableBundle> = split
            .memory
            .iter()
            .filter_map(|command| self.memory.command(command.clone()))
            .collect();
        if code.trim().is_empty() {
            // A cell of commands only; `:memory addresses` alone changes
            // what Render Variable shows, so the variables are reported.
            return self.report(
                Ok(Ran {
                    value: Vec::new(),
                    page: None,
                }),
                shown,
            );
        }

        self.cells_run += 1;
        let mut forward = Forward {
            observer,
            cell: self.cells_run,
            memory: None,
            unseen: Unseen::default(),
            values: None,
            build: None,
        };
        let result = self.engine.execute(&code, &mut forward);
        if let Some(build) = forward.build.take() {
            build.finish(forward.observer);
        }
        let succeeded = matches!(result, CellResult::Ran { .. });
        let timing = match &result {
            CellResult::Ran { timing, .. } => *timing,
            _ => None,
        };
        let table_began = Instant::now();
        let restarted = matches!(
            result,
            CellResult::Interrupted {
                recovery: Recovery::Restarted { .. }
            } | CellResult::ProcessDied {
                recovery: Recovery::Restarted { .. },
                ..
            }
        );
        if restarted {
            // The error names the lost variables; the table starts afresh.
            self.memory.restart();
            self.values.clear();
        } else if let Some(variables) = forward.memory {
            shown.extend(self.memory.after_cell(
                &variables,
                forward.unseen,
                &code,
                execution_count,
                succeeded,
            ));
        }
        let table_took = table_began.elapsed();
        if let Some(values) = forward.values {
            self.values = values;
        }
        self.types = self.engine.variable_types();
        let memory = &self.memory;
        let mut result = describe(&code, result, &|name| memory.vanished(name));
        if let Ok(ran) = &mut result
            && header(&code).has_command(":show_deps")
        {
            only_the_users_dependencies(&mut ran.value);
        }
        if result.is_err() {
            shown.clear();
        } else if let Some(timing) = timing {
            let line = timing::line(&timing, table_took);
            shown.push(vec![("text/plain".to_owned(), Rendering::Text(line))]);
        }
        self.report(result, shown)
    }

    /// The session's variables as the last cell left them.
    pub fn variables(&self) -> Variables {
        variables::snapshot(
            &self.types,
            &self.values,
            self.memory.last_table(),
            self.memory.render_options(),
        )
    }

    pub fn complete(&mut self, code: &str, cursor: usize) -> CompletionSet {
        self.engine.complete(code, cursor)
    }

    /// rust-analyzer's documentation of the name at `cursor`; at
    /// `detail_level` 1, followed by the memory table of the arrays the
    /// variable of that name holds (its type, role, base, sharing and
    /// layout), which is found even where rust-analyzer finds nothing.
    pub fn inspect(&mut self, code: &str, cursor: usize, detail_level: u8) -> Option<MimeBundle> {
        let documented = self.engine.inspect(code, cursor);
        if detail_level == 0 {
            return documented;
        }
        let memory = identifier_at(code, cursor).and_then(|name| self.memory.inspect(name));
        match (documented, memory) {
            (documented, None) => documented,
            (None, Some(memory)) => Some(memory),
            (Some(documented), Some(memory)) => Some(joined(documented, memory)),
        }
    }

    /// The source evcxr generated for the last cell it compiled.
    pub fn last_source(&mut self) -> Option<String> {
        self.engine.last_source()
    }

    /// How many times rust-analyzer's first analysis has started (see
    /// [`Engine::analysis_warm_ups`]).
    pub fn analysis_warm_ups(&self) -> usize {
        self.engine.analysis_warm_ups()
    }

    /// Stops the running cell, from any thread.
    pub fn interrupter(&self) -> Interrupter {
        self.engine.interrupter()
    }

    /// A cell refused before it ran: nothing changed.
    fn refused(&self, cell: &str, message: String) -> CellReport {
        let result = describe(cell, CellResult::Failed(message), &|_| None);
        self.report(result, Vec::new())
    }

    fn report(&self, result: Result<Ran, Failure>, shown: Vec<TableBundle>) -> CellReport {
        CellReport {
            result,
            shown,
            table: self.memory.last_table().cloned(),
            variables: self.variables(),
        }
    }
}

/// `:show_deps` lists the dependencies the user added: the prelude, which
/// every session has, is not one of them (and its folder in the cache
/// means nothing to the user).
fn only_the_users_dependencies(value: &mut MimeBundle) {
    for (_, text) in value.iter_mut().filter(|(mime, _)| mime == "text/plain") {
        let users: Vec<&str> = text
            .lines()
            .filter(|line| !line.starts_with(PRELUDE_DEPENDENCY))
            .collect();
        *text = if users.is_empty() {
            "No dependencies added with :dep (the prelude is always there).".to_owned()
        } else {
            users.join("\n")
        };
    }
}

/// How evcxr lists the prelude among the session's dependencies.
const PRELUDE_DEPENDENCY: &str = "memscope-prelude = ";

/// Passes the engine's events on to the observer, keeping the cell's
/// memory report and values, and showing its build progress.
struct Forward<'a> {
    observer: &'a mut dyn Observer,
    cell: usize,
    memory: Option<Vec<(String, ArrayFacts)>>,
    unseen: Unseen,
    values: Option<Vec<(String, String)>>,
    build: Option<BuildProgress>,
}

impl CellObserver for Forward<'_> {
    fn event(&mut self, event: Event) {
        let observer = &mut *self.observer;
        match event {
            Event::Stream(kind, text) => observer.stream(kind, &text),
            Event::Display(request) => observer.display(request),
            Event::Memory(variables) => self.memory = Some(variables),
            Event::Values(values) => self.values = Some(values),
            Event::Unseen {
                opaque,
                beyond_limit,
            } => {
                self.unseen = Unseen {
                    opaque,
                    beyond_limit,
                }
            }
            Event::Compiling(name) => match &mut self.build {
                Some(build) => build.next_crate(name, observer),
                None => self.build = Some(BuildProgress::start(self.cell, name, observer)),
            },
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Option<String> {
        self.observer.input(prompt, password)
    }
}

/// The identifier the cursor (a byte offset) is in or just after.
fn identifier_at(code: &str, cursor: usize) -> Option<&str> {
    let name = &code[identifier_around(code, cursor)];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// Two inspection bundles as one: each mime type's parts one after the
/// other (text under text, HTML under HTML).
fn joined(first: MimeBundle, second: MimeBundle) -> MimeBundle {
    let mut out = first;
    for (mime, data) in second {
        match out.iter_mut().find(|(seen, _)| *seen == mime) {
            Some((_, existing)) if mime == "text/html" => existing.push_str(&data),
            Some((_, existing)) => {
                existing.push_str("\n\n");
                existing.push_str(&data);
            }
            None => out.push((mime, data)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_at_the_cursor_is_the_whole_name() {
        let code = "let view_2 = grid.t(); grid";
        assert_eq!(identifier_at(code, 4), Some("view_2"), "at its start");
        assert_eq!(identifier_at(code, 7), Some("view_2"), "inside");
        assert_eq!(identifier_at(code, 10), Some("view_2"), "just after");
        assert_eq!(identifier_at(code, code.len()), Some("grid"));
        assert_eq!(identifier_at(code, 11), None, "on a space after =");
        assert_eq!(identifier_at("x + 12", 6), None, "a number");
        assert_eq!(
            identifier_at("\u{e9}t\u{e9} ", 3),
            Some("\u{e9}t\u{e9}"),
            "inside a char"
        );
    }

    #[test]
    fn bundles_join_part_by_part() {
        let text = |t: &str| ("text/plain".to_owned(), t.to_owned());
        let html = |t: &str| ("text/html".to_owned(), t.to_owned());
        let joined = joined(vec![text("docs")], vec![text("table"), html("<table>")]);
        assert_eq!(joined, vec![text("docs\n\ntable"), html("<table>")]);
    }
}
