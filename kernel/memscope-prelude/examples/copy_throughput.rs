//! Throughput of `np::copy` against a plain `copy_from_slice` of the same
//! data, and of order-changing and strided copies, on a 256 MiB f64 array.
//! `tests/bench/numpy_copy.py` times NumPy's `np.copy` on the same arrays.
//!
//!     cargo run --release -p memscope-prelude --example copy_throughput

use std::time::{Duration, Instant};

use memscope_prelude::np::{self, Order};
use memscope_prelude::*;

const BYTES: usize = 256 << 20;

fn median_of(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let began = Instant::now();
            work();
            began.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn gib_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / (1u64 << 30) as f64 / time.as_secs_f64()
}

fn main() {
    let n = BYTES / 8;
    let source: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut target = vec![0.0_f64; n];
    let slice = median_of(5, || {
        target.copy_from_slice(&source);
        std::hint::black_box(&target);
    });
    // np::copy must allocate its result; so does this one (with the
    // allocator's default 4 KiB pages, unlike np::copy and NumPy).
    let fresh_slice = median_of(5, || {
        let mut fresh = Vec::<f64>::with_capacity(n);
        fresh.extend_from_slice(&source);
        std::hint::black_box(fresh);
    });

    // Built as NumPy builds its side (`np.arange`, then views of it), so
    // both sources sit in the same kind of memory.
    let array = np::arange(0.0, n as f64, 1.0);
    let contiguous = median_of(5, || {
        std::hint::black_box(np::copy(&array, Order::K));
    });

    let side = (n as f64).sqrt() as usize;
    let square = array.slice(s![..side * side]).reshape(&[side, side]);
    let c_to_f = median_of(5, || {
        std::hint::black_box(np::copy(&square, Order::F));
    });
    let strided_view = array.slice(s![..;2]);
    let strided = median_of(5, || {
        std::hint::black_box(np::copy(&strided_view, Order::K));
    });

    println!("{:44} {:>10} {:>10}", "copy of 256 MiB f64", "ms", "GiB/s");
    let row = |label: &str, bytes: usize, time: Duration| {
        println!(
            "{label:44} {:>10.1} {:>10.2}",
            time.as_secs_f64() * 1e3,
            gib_per_s(bytes, time)
        )
    };
    row("copy_from_slice into existing memory", BYTES, slice);
    row("copy into a new Vec (4 KiB pages)", BYTES, fresh_slice);
    row("np::copy, contiguous", BYTES, contiguous);
    row(
        &format!("np::copy, C to F ({side}x{side})"),
        side * side * 8,
        c_to_f,
    );
    row("np::copy, every second element", BYTES / 2, strided);
    println!(
        "np::copy / copy_from_slice into existing memory, throughput ratio: {:.2}",
        slice.as_secs_f64() / contiguous.as_secs_f64()
    );
}
