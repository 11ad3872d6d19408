//! The line that ends a cell's output while `:timing` is on: where the
//! cell's time went, as the user waited for it.
//!
//! Invariant: pure; the parts add up to the total.

use std::time::Duration;

use memscope_engine::CellTiming;

/// `Timing: compile 395 ms (rustc), link 17 ms, run 3 ms, memory table
/// 1.2 ms, evcxr 10 ms; total 426 ms`. `table` is the time spent building
/// and rendering the memory table after the cell ran. Without a link time
/// (a cell the cell cache served), compile counts whatever linking there
/// was and says so.
pub fn line(timing: &CellTiming, table: Duration) -> String {
    let compiles = match timing.compiles {
        0 | 1 => String::new(),
        n => format!("; {n} compiles"),
    };
    let compile = match timing.link {
        Some(link) => format!(
            "compile {} (rustc{compiles}), link {}",
            short(timing.compile.saturating_sub(link)),
            short(link)
        ),
        None => format!(
            "compile {} (rustc, linking included{compiles})",
            short(timing.compile)
        ),
    };
    format!(
        "Timing: {compile}, run {}, memory table {}, evcxr {}; total {}",
        short(timing.run),
        short(table),
        short(timing.other()),
        short(timing.total + table),
    )
}

/// Seconds from one second up, else milliseconds; three significant
/// digits at most, which is all a single run can tell.
fn short(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        let ms = seconds * 1e3;
        if ms >= 10.0 {
            format!("{ms:.0} ms")
        } else {
            format!("{ms:.1} ms")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_line_splits_the_cells_time() {
        let timing =
            CellTiming::from_phases([("Final compile", ms(412)), ("Execution", ms(3))], ms(425));
        assert_eq!(
            line(&timing, Duration::from_micros(1_250)),
            "Timing: compile 412 ms (rustc, linking included), run 3.0 ms, memory table 1.2 ms, evcxr 10 ms; total 426 ms"
        );
    }

    #[test]
    fn extra_compiles_are_counted_and_long_times_are_in_seconds() {
        let timing = CellTiming::from_phases(
            [
                ("x", ms(900)),
                ("Final compile", ms(700)),
                ("Execution", ms(2_500)),
            ],
            ms(4_150),
        );
        assert_eq!(timing.compiles, 2);
        assert_eq!(
            line(&timing, ms(0)),
            "Timing: compile 1.60 s (rustc, linking included; 2 compiles), run 2.50 s, memory table 0.0 ms, evcxr 50 ms; total 4.15 s"
        );
    }
}
