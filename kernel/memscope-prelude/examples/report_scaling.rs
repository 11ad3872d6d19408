//! What a cell process spends describing arrays kept in containers: the
//! walk through the values and the line it prints for the kernel, for a
//! `Vec` of n views of one array (1,000 described in full, the rest
//! counted), and for ten `Vec`s of n/10 views each (up to 10,000
//! described). The kernel's side, the table built from those rows, is
//! `memscope-memory`'s `table_scaling`.
//!
//!     cargo run --release -p memscope-prelude --example report_scaling

use std::time::{Duration, Instant};

use memscope_prelude::__kernel::report::memory_lines_of;
use memscope_prelude::*;

fn median_of(runs: usize, mut work: impl FnMut() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let began = Instant::now();
            std::hint::black_box(work());
            began.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn views(base: &NpArray<f64>, n: usize) -> Vec<NpArray<f64>> {
    (0..n).map(|i| base.slice(s![i % 10..i % 10 + 1])).collect()
}

fn main() {
    let base = np::arange(0.0, 10.0, 1.0);
    println!("arrays  one_vec_ms  ten_vecs_ms");
    for n in [10, 100, 1_000, 10_000, 100_000] {
        let one = [("layers", views(&base, n))];
        let ten: Vec<(String, Vec<NpArray<f64>>)> = (0..10)
            .map(|k| (format!("layers{k}"), views(&base, n / 10)))
            .collect();
        let ten: Vec<(&str, Vec<NpArray<f64>>)> = ten
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        let one_vec = median_of(5, || memory_lines_of(&one).len());
        let ten_vecs = median_of(5, || memory_lines_of(&ten).len());
        println!(
            "{n} {:.2} {:.2}",
            one_vec.as_secs_f64() * 1e3,
            ten_vecs.as_secs_f64() * 1e3
        );
    }
}
