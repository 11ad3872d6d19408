//! memscope's own commands, `:memory` and `:param`, read with the one
//! grammar of command lines (the engine's `cell_lines`, which is
//! evcxr's): both sit at the top of a cell, among evcxr's commands, blank
//! lines and comments.
//!
//! - `:memory on|off|addresses`, or `:memory` alone (show the table now).
//! - `:param NAME = JSON`: a notebook parameter, as papermill injects it
//!   (see `parameters`). A cell with one holds nothing but `:param` and
//!   `:memory` lines, blank lines and comments.
//!
//! Two of evcxr's settings are refused with the reason, before evcxr sees
//! them (see [`refusal`]): each would break what memscope promises.
//!
//! Invariant: pure. Every line that is not memscope's reaches evcxr, and
//! memscope's own lines are replaced by blank lines, so the cell's line
//! numbers (in compile errors) stay the user's.

use std::ops::Range;

use memscope_engine::cell_lines::{HeaderLine, header};

/// A `:memory` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryCommand {
    On,
    Off,
    Addresses,
    ShowNow,
    /// `:memory show NAME`: the table of NAME's buffers, with its grid.
    Show(String),
}

/// A `:param` line: where it is in the cell, and what follows `:param`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter<'a> {
    pub line: Range<usize>,
    pub args: &'a str,
}

/// A cell with memscope's commands taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCell<'a> {
    /// The `:memory` commands, in order.
    pub memory: Vec<MemoryCommand>,
    /// The parameter lines, in order.
    pub parameters: Vec<Parameter<'a>>,
    /// The cell for evcxr: memscope's lines blanked, everything else as
    /// written.
    pub rest: String,
}

/// Splits memscope's commands off a cell; an unknown `:memory` argument,
/// or a `:param` cell holding anything else, is a message for the cell.
pub fn split(cell: &str) -> Result<SplitCell<'_>, String> {
    let header = header(cell);
    let mut memory = Vec::new();
    let mut parameters = Vec::new();
    let mut rest = String::with_capacity(cell.len());
    let mut other_line = None;
    for (range, line) in &header.lines {
        // What lies between header lines is their line breaks.
        rest.push_str(&cell[rest.len()..range.start]);
        let ours = match line {
            HeaderLine::Command {
                name: ":memory",
                args,
            } => {
                memory.push(memory_command(args)?);
                true
            }
            HeaderLine::Command {
                name: ":param",
                args,
            } => {
                parameters.push(Parameter {
                    line: range.clone(),
                    args,
                });
                true
            }
            HeaderLine::Skipped => false,
            HeaderLine::Command { name, args } => {
                if let Some(why) = refusal(name, args) {
                    return Err(why);
                }
                other_line.get_or_insert(&cell[range.clone()]);
                false
            }
            HeaderLine::Shell(_) => {
                other_line.get_or_insert(&cell[range.clone()]);
                false
            }
        };
        if ours {
            // One space a byte keeps offsets; evcxr skips the blank line.
            rest.push_str(&" ".repeat(range.len()));
        } else {
            rest.push_str(&cell[range.clone()]);
        }
    }
    rest.push_str(&cell[rest.len()..]);
    if header.code_start < cell.len() {
        keep_doc_comments(&mut rest, &header.lines);
    }
    if !parameters.is_empty() {
        let code = cell[header.code_start..].lines().next();
        if let Some(other) = other_line.or(code) {
            return Err(format!(
                "a cell with :param lines holds only :param lines and comments, not {:?}",
                other.trim()
            ));
        }
    }
    Ok(SplitCell {
        memory,
        parameters,
        rest,
    })
}

/// evcxr skips the comment lines at the top of a cell, doc comments
/// included, so `/// Adds one.` above a cell's first `fn` never reached
/// the item (and `:doc` showed its signature alone). The doc comments just
/// above the code are indented by a space, which makes evcxr read them as
/// the code's first lines; only spaces are added after them, so a compile
/// error's line numbers stay the user's.
fn keep_doc_comments(rest: &mut String, header: &[(Range<usize>, HeaderLine<'_>)]) {
    let skipped_at_the_end = header
        .iter()
        .rev()
        .take_while(|(_, line)| *line == HeaderLine::Skipped);
    let mut doc_lines: Vec<usize> = skipped_at_the_end
        .filter(|(range, _)| {
            let text = &rest[range.clone()];
            text.starts_with("///") || text.starts_with("/**")
        })
        .map(|(range, _)| range.start)
        .collect();
    // From the last up, so that earlier offsets stay where they are.
    doc_lines.sort_unstable_by(|a, b| b.cmp(a));
    for start in doc_lines {
        rest.insert(start, ' ');
    }
}

/// Why memscope refuses one of evcxr's settings, if it does.
pub fn refusal(name: &str, args: &str) -> Option<String> {
    let on = args.trim() == "1";
    match name {
        ":allow_static_linking" if !on => Some(
            ":allow_static_linking stays on in memscope: with it off, evcxr 0.22.0 cannot \
             build any later cell once a crate from crates.io is a dependency, and memscope's \
             cells always have two (the prelude and ndarray), so every cell would fail with \
             \"only metadata stub found for `dylib` dependency `core`\"."
                .to_owned(),
        ),
        ":preserve_vars_on_panic" if !on => Some(
            ":preserve_vars_on_panic stays on in memscope: a panic keeps every variable of \
             earlier cells either way (the session carries on from a copy taken before the \
             cell), and with it off the panic's own message would be lost (\"thread caused \
             non-unwinding panic\")."
                .to_owned(),
        ),
        _ => None,
    }
}

fn memory_command(args: &str) -> Result<MemoryCommand, String> {
    Ok(match args.trim() {
        "" => MemoryCommand::ShowNow,
        "on" => MemoryCommand::On,
        "off" => MemoryCommand::Off,
        "addresses" => MemoryCommand::Addresses,
        other => match other.strip_prefix("show ") {
            Some(name) if !name.trim().is_empty() => MemoryCommand::Show(name.trim().to_owned()),
            _ => {
                return Err(format!(
                    ":memory takes on, off, addresses, show NAME or nothing, not {other:?}"
                ));
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(cell: &str) -> (Vec<MemoryCommand>, Vec<&str>, String) {
        let split = split(cell).unwrap();
        let parameters = split.parameters.iter().map(|p| p.args).collect();
        (split.memory, parameters, split.rest)
    }

    #[test]
    fn memory_commands_are_taken_out_and_their_lines_kept_blank() {
        assert_eq!(
            commands("let a = 1;"),
            (vec![], vec![], "let a = 1;".to_owned())
        );
        assert_eq!(
            commands(":memory off"),
            (vec![MemoryCommand::Off], vec![], " ".repeat(11))
        );
        assert_eq!(
            commands(":memory\n:memory addresses\nlet a = 1;").0,
            [MemoryCommand::ShowNow, MemoryCommand::Addresses]
        );
        // Among evcxr's commands and comments, as evcxr reads commands.
        let (memory, _, rest) = commands("// setup\n:dep foo\n:memory on\nfoo::f()");
        assert_eq!(memory, [MemoryCommand::On]);
        assert_eq!(
            rest,
            format!("// setup\n:dep foo\n{}\nfoo::f()", " ".repeat(10))
        );
        // `:memoryx` is not ours (evcxr will say so), nor is a line of Rust.
        assert_eq!(commands(":memoryx").0, []);
        assert_eq!(commands("let a = 1;\n:memory").0, []);
        assert!(split(":memory sideways").unwrap_err().contains("sideways"));
        assert_eq!(
            commands(":memory show layers[1]").0,
            [MemoryCommand::Show("layers[1]".to_owned())]
        );
        assert!(split(":memory show").unwrap_err().contains("show NAME"));
    }

    #[test]
    fn doc_comments_above_the_code_reach_it() {
        let (_, _, rest) = commands("// a note\n:dep foo\n/// Adds one.\n\n/// Really.\nfn f() {}");
        assert_eq!(
            rest,
            "// a note\n:dep foo\n /// Adds one.\n\n /// Really.\nfn f() {}"
        );
        // Not above a command, nor in a cell without code.
        assert_eq!(commands("/// x\n:vars").2, "/// x\n:vars");
        assert_eq!(commands("/// x\n").2, "/// x\n");
    }

    #[test]
    fn a_parameter_cell_holds_parameters_only() {
        let (_, parameters, rest) = commands("// Parameters\n:param n = 3\n\n:param s = \"x\"\n");
        assert_eq!(parameters, ["n = 3", "s = \"x\""]);
        assert!(rest.starts_with("// Parameters\n "));
        assert!(
            split(":param n = 3\nlet m = n;")
                .unwrap_err()
                .contains("only :param lines")
        );
        assert!(
            split(":param n = 3\n:dep foo")
                .unwrap_err()
                .contains(":dep foo")
        );
        assert_eq!(commands(":parameter = 3").1, Vec::<&str>::new());
    }

    #[test]
    fn settings_that_would_break_the_session_are_refused_with_the_reason() {
        let refused = split(":dep foo\n:allow_static_linking 0").unwrap_err();
        assert!(refused.contains("only metadata stub found"), "{refused}");
        assert!(
            split(":preserve_vars_on_panic 0")
                .unwrap_err()
                .contains("non-unwinding")
        );
        assert!(
            split(":preserve_vars_on_panic").is_err(),
            "evcxr reads no value as off"
        );
        assert!(split(":allow_static_linking 1\n:preserve_vars_on_panic 1").is_ok());
        // After the first line of Rust, it is Rust.
        assert!(split("let a = 1;\n:allow_static_linking 0").is_ok());
    }
}
