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

#[cfg(all(target_os = "linux", not(miri)))]
fn advise_huge_pages(start: *mut libc::c_void, bytes: usize) {
    // madvise wants a page-aligned start: advise the whole pages inside.
    let page = 4096;
    let first = (start as usize).div_ceil(page) * page;
    let end = (start as usize + bytes) / page * page;
    if end > first {
        // SAFETY: the range lies inside an allocation we own and have not
        // handed out; advice does not change its contents or validity.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn advise_huge_pages(_: *mut std::ffi::c_void, _: usize) {}
