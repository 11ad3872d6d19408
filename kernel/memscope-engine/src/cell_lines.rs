//! Which lines of a cell are commands: evcxr's own grammar, written once
//! for every scanner of the kernel (memscope's `:memory` and `:param`, the
//! engine's `:fmt`, `:types` and `:help`, and whether a cell is complete).
//!
//! evcxr reads a cell from the top: a line `:name args` (after spaces
//! only) is a command, a line starting with `!` runs in the shell, blank
//! lines and lines starting with `//` are skipped, and the first line of
//! anything else starts the cell's Rust code, which runs to the end: a
//! `:` line after it is Rust (`::std::mem::drop(x)`), never a command.
//!
//! Invariant: pure and total; [`header`] classifies exactly the lines
//! evcxr 0.22.0 treats as commands (`code_block.rs`, its `COMMAND_RE`).

use std::ops::Range;

/// One line of a cell's header (the lines before its Rust code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLine<'a> {
    /// `:name args`: `name` with its colon (`:dep`), `args` after the
    /// spaces that follow it (empty if none).
    Command { name: &'a str, args: &'a str },
    /// `!command`, run by the shell.
    Shell(&'a str),
    /// A blank line or a `//` comment, which evcxr skips.
    Skipped,
}

/// A cell split as evcxr splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// The header's lines in order, each with its byte range in the cell
    /// (without the line break).
    pub lines: Vec<(Range<usize>, HeaderLine<'a>)>,
    /// Where the Rust code starts (the cell's length if it has none).
    pub code_start: usize,
}

impl<'a> Header<'a> {
    /// The commands, in order, as `(name, args)`.
    pub fn commands(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.lines.iter().filter_map(|(_, line)| match line {
            HeaderLine::Command { name, args } => Some((*name, *args)),
            _ => None,
        })
    }

    /// Whether the header holds the command `name` (with its colon).
    pub fn has_command(&self, name: &str) -> bool {
        self.commands().any(|(found, _)| found == name)
    }
}

/// Classifies one line as evcxr does, or `None` if it is Rust code.
pub fn header_line(line: &str) -> Option<HeaderLine<'_>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if let Some(command) = line.strip_prefix('!') {
        return Some(HeaderLine::Shell(command.trim()));
    }
    let unindented = line.trim_start_matches(' ');
    if unindented.starts_with(':') {
        // evcxr: `^ *(:[^ ]*)( +(.*))?$`.
        let (name, args) = match unindented.find(' ') {
            Some(space) => (
                &unindented[..space],
                unindented[space..].trim_start_matches(' '),
            ),
            None => (unindented, ""),
        };
        return Some(HeaderLine::Command { name, args });
    }
    if line.starts_with("//") || line.trim().is_empty() {
        return Some(HeaderLine::Skipped);
    }
    None
}

/// Splits `cell` into its header and the start of its Rust code.
pub fn header(cell: &str) -> Header<'_> {
    let mut lines = Vec::new();
    let mut start = 0;
    for line in cell.split_inclusive('\n') {
        let text = line.strip_suffix('\n').unwrap_or(line);
        match header_line(text) {
            Some(kind) => lines.push((start..start + text.len(), kind)),
            None => {
                return Header {
                    lines,
                    code_start: start,
                };
            }
        }
        start += line.len();
    }
    Header {
        lines,
        code_start: cell.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cell: &str) -> Vec<(&str, &str)> {
        header(cell).commands().collect()
    }

    #[test]
    fn commands_are_read_only_before_the_code() {
        assert_eq!(
            names(":dep foo = \"1\"\n\n// note\n  :memory   off\nlet a = 1;\n:fmt {}"),
            [(":dep", "foo = \"1\""), (":memory", "off")]
        );
        let split = header(":vars\nlet a = 1;\n");
        assert_eq!(split.code_start, ":vars\n".len());
        assert_eq!(&":vars\nlet a = 1;\n"[split.lines[0].0.clone()], ":vars");
    }

    #[test]
    fn a_path_inside_the_code_is_not_a_command() {
        assert!(names("let a = 1;\n::std::mem::drop(a);").is_empty());
        assert_eq!(header("let a = 1;").code_start, 0);
    }

    #[test]
    fn lines_are_classified_as_evcxr_classifies_them() {
        assert_eq!(header_line("!ls -l"), Some(HeaderLine::Shell("ls -l")));
        // Only spaces may come before a command, and nothing before `!`.
        assert_eq!(header_line("\t:vars"), None);
        assert_eq!(header_line(" !ls"), None);
        assert_eq!(
            header_line(":help\r"),
            Some(HeaderLine::Command {
                name: ":help",
                args: ""
            })
        );
        assert_eq!(header_line("   "), Some(HeaderLine::Skipped));
        assert_eq!(header_line("// x"), Some(HeaderLine::Skipped));
        assert_eq!(
            header_line("  // x"),
            None,
            "evcxr skips only unindented comments"
        );
    }

    #[test]
    fn a_cell_of_commands_has_no_code() {
        let cell = ":memory\n:memory addresses\n";
        let split = header(cell);
        assert_eq!(split.code_start, cell.len());
        assert!(split.has_command(":memory"));
        assert!(!split.has_command(":mem"));
    }
}
