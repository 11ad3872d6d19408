//! The rest of the protocol between the kernel and the cell process: the
//! words of evcxr's line protocol that both our cell runner and the
//! prelude speak, the stderr fence, the memory report's symbol, and how
//! input prompts cross evcxr.
//!
//! Invariant: each word is written here once; the kernel's and the cell's
//! code name these constants, never the text.

/// The environment variable by which evcxr marks the process that runs
/// cells (the same binary as the kernel).
pub const IS_CELL_PROCESS: &str = "EVCXR_IS_RUNTIME";

/// evcxr's instruction to the cell process: `LOAD_AND_RUN <library> <function>`.
pub const LOAD_AND_RUN: &str = "LOAD_AND_RUN";

/// The line evcxr waits for after each cell.
pub const EXECUTION_COMPLETE: &str = "EVCXR_EXECUTION_COMPLETE";

/// evcxr's line for a cell that panicked: it keeps the variables from
/// before the cell and forgets the ones the cell defined.
pub const PANIC_NOTIFICATION: &str = "EVCXR_PANIC_NOTIFICATION";

/// The lines around a value a cell shows, as `evcxr_display` prints them:
/// `BEGIN_CONTENT <mime>`, the data, then `END_CONTENT`.
pub const BEGIN_CONTENT: &str = "EVCXR_BEGIN_CONTENT";
pub const END_CONTENT: &str = "EVCXR_END_CONTENT";

macro_rules! stderr_fence {
    () => {
        "\u{1}memscope-stderr-fence"
    };
}

/// Written by the cell process on standard error when the kernel asks
/// (a signal), so the kernel knows it has read everything a cell wrote
/// there; never part of user output.
pub const STDERR_FENCE: &str = stderr_fence!();

/// [`STDERR_FENCE`] as the whole line the cell process writes, ready for
/// the one `write(2)` a signal handler may make.
pub const STDERR_FENCE_LINE: &str = concat!(stderr_fence!(), "\n");

/// The symbol under which the cell process finds the memory report in a
/// cell's library: `unsafe extern "C" fn(store: *const c_void)`, called with
/// evcxr's variable store after each cell.
pub const REPORT_SYMBOL: &str = "memscope_memory_report";

/// What the prelude's `input` receives when the front end cannot answer.
pub const INPUT_UNAVAILABLE: &str = "\u{1}memscope-no-input";

/// Stands for ':' in input prompts: evcxr cuts a prompt at its first colon,
/// so the prelude swaps colons for this and the kernel swaps them back.
pub const PROMPT_COLON: char = '\u{1d}';

/// Makes a prompt survive evcxr's input request line.
pub fn escape_prompt(prompt: &str) -> String {
    prompt.replace(':', &PROMPT_COLON.to_string())
}

/// The inverse of [`escape_prompt`].
pub fn unescape_prompt(prompt: &str) -> String {
    prompt.replace(PROMPT_COLON, ":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_keep_their_colons() {
        let prompt = "Name: (a:b) ";
        assert!(!escape_prompt(prompt).contains(':'));
        assert_eq!(unescape_prompt(&escape_prompt(prompt)), prompt);
    }

    #[test]
    fn the_fence_line_is_the_fence_and_a_newline() {
        assert_eq!(STDERR_FENCE_LINE.strip_suffix('\n'), Some(STDERR_FENCE));
    }
}
