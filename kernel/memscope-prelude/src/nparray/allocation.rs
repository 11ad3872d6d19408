//! New element memory for large arrays.
//!
//! A fresh allocation is paid for page by page as it is first written; for
//! a 256 MiB array that is 65,536 faults of 4 KiB pages, which cost more
//! than the copy itself. Like NumPy, we ask Linux to back large buffers
//! with huge pages (2 MiB), which makes the first touch hundreds of times
//! cheaper. It is only advice: where the kernel declines, nothing changes.

/// Buffers at least this large are advised to use huge pages (NumPy's
/// threshold is the same order: 4 MiB).
const HUGE_PAGE_ADVICE_BYTES: usize = 4 << 20;

/// An empty vector with room for `len` elements, advised to use huge pages
/// when large.
pub(crate) fn with_capacity<T>(len: usize) -> Vec<T> {
    let mut elements: Vec<T> = Vec::with_capacity(len);
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    if bytes >= HUGE_PAGE_ADVICE_BYTES {
        advise_huge_pages(elements.as_mut_ptr().cast(), bytes);
    }
    elements
}

/// The values of `values`, in memory advised to use huge pages when large.
pub(crate) fn collected<T>(values: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut elements = with_capacity(values.len());
    elements.extend(values);
    elements
}

/// `len` copies of `value`, in memory advised to use huge pages when
/// large (before it is first written).
pub(crate) fn filled<T: Clone>(len: usize, value: T) -> Vec<T> {
    let mut elements = with_capacity(len);
    elements.resize(len, value);
    elements
}

/// `len` copies of `zero` (an all-zero bit pattern, as every element
/// type's zero is), advised to use huge pages when large. For such types
/// `vec!` asks the allocator for zeroed memory, which fresh pages already
/// are: nothing is written until the caller fills the buffer, so the pages
/// are first touched, and advised, once.
pub(crate) fn zeroed<T: Clone>(len: usize, zero: T) -> Vec<T> {
    let mut elements = vec![zero; len];
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    if bytes >= HUGE_PAGE_ADVICE_BYTES {
        advise_huge_pages(elements.as_mut_ptr().cast(), bytes);
    }
    elements
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(miri)
))]
fn advise_huge_pages(start: *mut std::ffi::c_void, bytes: usize) {
    // Declared here rather than taken from the libc crate: every crate the
    // prelude depends on is one more for rust-analyzer to analyse before
    // the prelude's first completion (libc alone took 1.2 s of it).
    unsafe extern "C" {
        fn madvise(start: *mut std::ffi::c_void, bytes: usize, advice: i32) -> i32;
    }
    // The value of Linux's generic `mman-common.h`, which x86-64 and
    // aarch64 use (a few architectures number their advice otherwise).
    const MADV_HUGEPAGE: i32 = 14;
    // madvise wants a page-aligned start: advise the whole pages inside.
    let page = 4096;
    let first = (start as usize).div_ceil(page) * page;
    let end = (start as usize + bytes) / page * page;
    if end > first {
        // SAFETY: the range lies inside an allocation we own and have not
        // handed out; advice does not change its contents or validity.
        unsafe {
            madvise(first as *mut std::ffi::c_void, end - first, MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(miri)
)))]
fn advise_huge_pages(_: *mut std::ffi::c_void, _: usize) {}

#[cfg(all(
    test,
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(miri)
))]
mod tests {
    use super::*;

    /// The flags Linux keeps for the mapping that holds `address`
    /// (`VmFlags` in `/proc/self/smaps`).
    fn mapping_flags(address: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((start, end)) = range.split_once('-')
                && let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                )
            {
                inside = (start..end).contains(&address);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.trim().to_owned();
            }
        }
        panic!("no mapping holds {address:#x}");
    }

    #[test]
    fn large_buffers_are_advised_to_use_huge_pages_and_small_ones_are_not() {
        let large = zeroed(HUGE_PAGE_ADVICE_BYTES, 0u8);
        // A page inside the buffer: its first one may be shared with
        // whatever the allocator put before it.
        let inside = large.as_ptr() as usize + 8192;
        let flags = mapping_flags(inside);
        assert!(flags.split(' ').any(|flag| flag == "hg"), "{flags}");

        let small = with_capacity::<u8>(HUGE_PAGE_ADVICE_BYTES / 4);
        let flags = mapping_flags(small.as_ptr() as usize + 8192);
        assert!(!flags.split(' ').any(|flag| flag == "hg"), "{flags}");
        assert!(large.iter().all(|&byte| byte == 0));
    }
}
