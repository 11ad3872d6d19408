//! How the memory table's cost grows with the number of array variables.
//!
//! Builds layouts for n variables (a mix of owners, views of one shared
//! buffer, and standalone arrays; among them 1,000 views of one buffer when
//! n allows), then times building the model and rendering every format,
//! the work the kernel does after each cell. Prints the median time per n
//! and the time divided by n·log2(n), which stays flat if the cost grows no
//! faster than n log n.
//!
//!     cargo run --release -p memscope-memory --example table_scaling

use std::time::{Duration, Instant};

use memscope_cell_abi::facts::ALL_VALUES_UP_TO;
use memscope_cell_abi::{ArrayFacts, BufferFacts, Storage, ValueSample};
use memscope_memory::MemoryTracker;
use memscope_memory::render::{RenderOptions, bundle};

fn variables(n: usize) -> Vec<(String, ArrayFacts)> {
    let views_of_one = (n / 10).min(1_000);
    let shared_start = 0x1000_0000_usize;
    let shared_len = views_of_one.max(1) * 4;
    let mut list = Vec::with_capacity(n);
    for i in 0..n {
        let facts = if i == 0 {
            nparray(shared_start, shared_len, 0, shared_len, true, 1)
        } else if i <= views_of_one {
            nparray(shared_start, shared_len, (i - 1) * 4, 4, false, 1 + i)
        } else {
            // An array of its own, 64 elements, at its own address.
            let start = 0x2000_0000 + i * 4096;
            if i % 2 == 0 {
                nparray(start, 64, 0, 64, true, 1_000_000 + i)
            } else {
                ArrayFacts {
                    type_name: "Array1<f64>".into(),
                    dtype: "f64",
                    itemsize: 8,
                    shape: vec![64],
                    strides: vec![1],
                    first: start,
                    writeable: true,
                    storage: Storage::Owned,
                    values: values(64),
                }
            }
        };
        list.push((format!("v{i:06}"), facts));
    }
    list
}

fn nparray(
    start: usize,
    len: usize,
    offset: usize,
    count: usize,
    owns: bool,
    identity: usize,
) -> ArrayFacts {
    ArrayFacts {
        type_name: "NpArray<f64>".into(),
        dtype: "f64",
        itemsize: 8,
        shape: vec![count],
        strides: vec![1],
        first: start + offset * 8,
        writeable: true,
        storage: Storage::Buffer(BufferFacts {
            start,
            len,
            owns_data: owns,
            identity,
            written: Vec::new(),
        }),
        values: values(count),
    }
}

/// What a cell sends for `count` values: all of them for a small array,
/// the first and last three of a larger one.
fn values(count: usize) -> ValueSample {
    let text = |i: usize| format!("{i}.5");
    if count <= ALL_VALUES_UP_TO {
        ValueSample {
            head: (0..count).map(text).collect(),
            tail: Vec::new(),
        }
    } else {
        ValueSample {
            head: (0..3).map(text).collect(),
            tail: (count - 3..count).map(text).collect(),
        }
    }
}

fn time_table(list: &[(String, ArrayFacts)]) -> Duration {
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let mut tracker = MemoryTracker::new();
            let began = Instant::now();
            let table = tracker.observe(list, "", Some(1));
            let rendered = bundle(&table, RenderOptions::default());
            std::hint::black_box(rendered);
            began.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Each part of the 10,000-variable case, timed once: the model, each
/// rendering, and dropping the table.
fn print_parts() {
    use memscope_memory::render::{data_resource, html, json, text};
    fn timed<T>(part: &str, work: impl FnOnce() -> T) -> T {
        let began = Instant::now();
        let done = std::hint::black_box(work());
        println!("{part} {:?}", began.elapsed());
        done
    }
    let list = variables(10_000);
    let options = RenderOptions::default();
    let table = timed("model", || MemoryTracker::new().observe(&list, "", Some(1)));
    timed("text", || text::render(&table, options));
    timed("html", || html::render(&table, options));
    timed("json (as the wire takes it)", || {
        json::text(&table, options)
    });
    timed("data resource", || data_resource::text(&table, options));
    timed("drop", || drop(table));
}

fn main() {
    if std::env::args().any(|a| a == "--parts") {
        print_parts();
        return;
    }
    println!(
        "{:>8} {:>14} {:>22}",
        "n", "median (ms)", "µs per n·log2(n)"
    );
    for n in [10_usize, 100, 1_000, 10_000] {
        let list = variables(n);
        let median = time_table(&list);
        let n_log_n = n as f64 * (n as f64).log2();
        println!(
            "{n:>8} {:>14.3} {:>22.4}",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / n_log_n
        );
    }
}
