//! Whether two strided layouts have a byte in common: the exact answer of
//! NumPy's `np.shares_memory` and the bounds-only answer of
//! `np.may_share_memory`, on plain byte addresses.
//!
//! The memory table uses this to tell true aliases (`x` and `x[::-1]`) from
//! views that merely interleave (`x[::2]` and `x[1::2]`), which bounds alone
//! cannot tell apart.
//!
//! The exact question is a bounded linear Diophantine equation (it is
//! NP-complete in general), solved the way NumPy's `mem_overlap.c` does it
//! after Ramachandran (2006): normalise both layouts to positive strides,
//! turn "some byte of A equals some byte of B" into `Σ a_i x_i = b` with
//! `0 <= x_i <= u_i` and `a_i > 0`, simplify, and then search.
//!
//! Invariant: everything here is pure, and no input (huge lengths,
//! `i64::MIN` strides, `u64::MAX` addresses) panics or overflows. All
//! arithmetic is checked `i128`; an answer is either exact or explicitly
//! [`Overlap::Unknown`], never a guess.

/// The work bound the table uses.
///
/// One step is one candidate value of one coefficient in the search and costs
/// about 30 ns in a release build, so this bound caps a pair at about 3 ms
/// (measured on random tangled layouts), which the table can afford for each
/// pair it shows. Ordinary NumPy views
/// (slices, transposes, broadcasts of up to a few dimensions) are decided by
/// the simplifications and closed forms in a handful of steps, so `Unknown`
/// is left to deliberately tangled `as_strided` layouts.
pub const DEFAULT_MAX_WORK: u64 = 100_000;

/// A strided set of elements in memory: byte addresses, as plain numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteLayout {
    /// Address of the logical first element (index [0,0,...]).
    pub first: u64,
    /// Bytes per element (>= 1). A zero itemsize touches no byte at all.
    pub itemsize: u64,
    /// Per axis: (length, stride in bytes). Strides may be negative or zero.
    pub axes: Vec<(u64, i64)>,
}

impl ByteLayout {
    /// Number of elements (product of lengths; 0 if any length is 0),
    /// saturating at `u64::MAX`.
    pub fn len(&self) -> u64 {
        // A zero anywhere wins even after saturation, because 0 * MAX = 0.
        self.axes
            .iter()
            .fold(1u64, |count, &(length, _)| count.saturating_mul(length))
    }

    /// Whether the layout has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `[lo, hi)`: the lowest byte address touched and one past the highest;
    /// `None` if no byte is touched (no element, or a zero itemsize).
    ///
    /// A layout that reaches outside the `u64` address space is clamped to
    /// it, and one whose extent cannot even be computed reports the whole
    /// address space, since that is the only safe answer for a bound.
    pub fn bounds(&self) -> Option<(u64, u64)> {
        match normalize(self) {
            Ok(None) => None,
            Ok(Some(extent)) => Some((
                clamp_to_u64(extent.lo),
                clamp_to_u64(extent.hi.saturating_add(1)),
            )),
            Err(Overflow) => Some((0, u64::MAX)),
        }
    }
}

/// The answer of [`shares_memory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// No byte is touched by both layouts.
    Disjoint,
    /// At least one byte is touched by both layouts.
    Shared,
    /// The exact answer needs more than the work bound allows.
    Unknown,
}

/// Bounds-only, like `np.may_share_memory`: true iff both are non-empty and
/// their `[lo, hi)` intersect.
///
/// A layout whose extent overflows even `i128` may share with anything, so
/// the answer is then `true`: "may" must never hide a real overlap.
pub fn may_share_memory(a: &ByteLayout, b: &ByteLayout) -> bool {
    match (normalize(a), normalize(b)) {
        (Ok(None), _) | (_, Ok(None)) => false,
        (Ok(Some(a)), Ok(Some(b))) => extents_meet(&a, &b),
        _ => true,
    }
}

/// Exact, like `np.shares_memory`, with a work bound: `Unknown` only when the
/// search would exceed `max_work` steps (or when a layout's arithmetic does
/// not fit in `i128`, which no real array does).
///
/// Simplifications and closed forms cost no steps, so even `max_work == 0`
/// answers every problem that reduces to at most two terms.
pub fn shares_memory(a: &ByteLayout, b: &ByteLayout, max_work: u64) -> Overlap {
    let (a, b) = match (normalize(a), normalize(b)) {
        (Ok(None), _) | (_, Ok(None)) => return Overlap::Disjoint,
        (Ok(Some(a)), Ok(Some(b))) => (a, b),
        _ => return Overlap::Unknown,
    };
    if !extents_meet(&a, &b) {
        return Overlap::Disjoint;
    }
    match Problem::from_pair(&a, &b) {
        Ok(problem) => problem.decide(max_work),
        Err(Overflow) => Overlap::Unknown,
    }
}

/// Arithmetic left `i128`: the caller answers `Unknown` (or conservatively).
#[derive(Debug)]
struct Overflow;

type Checked<T> = Result<T, Overflow>;

fn add(x: i128, y: i128) -> Checked<i128> {
    x.checked_add(y).ok_or(Overflow)
}

fn mul(x: i128, y: i128) -> Checked<i128> {
    x.checked_mul(y).ok_or(Overflow)
}

fn clamp_to_u64(value: i128) -> u64 {
    u64::try_from(value.max(0)).unwrap_or(u64::MAX)
}

/// One term `coef * x` with `0 <= x <= bound`; `coef > 0` and `bound >= 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Term {
    coef: i128,
    bound: i128,
}

impl Term {
    /// The largest value the term can take. Callers only use it once bounds
    /// are trimmed to `target / coef`, where it cannot overflow, or saturate
    /// it on purpose.
    fn reach(self) -> i128 {
        self.coef.saturating_mul(self.bound)
    }
}

/// A non-empty layout as its lowest byte plus non-negative offsets: every
/// byte it touches is `lo + Σ coef_i x_i` with `0 <= x_i <= bound_i`, and the
/// highest such byte is `hi`. The itemsize is one more term, `(1, itemsize-1)`.
#[derive(Debug)]
struct Extent {
    lo: i128,
    hi: i128,
    terms: Vec<Term>,
}

/// Flips negative strides (moving the base to the lowest element), drops
/// axes that do not move (length 1 or stride 0), and adds the itemsize term.
/// `Ok(None)` means the layout touches no byte.
fn normalize(layout: &ByteLayout) -> Checked<Option<Extent>> {
    if layout.is_empty() || layout.itemsize == 0 {
        return Ok(None);
    }
    let mut lo = i128::from(layout.first);
    let mut terms = Vec::new();
    for &(length, stride) in &layout.axes {
        if length < 2 || stride == 0 {
            continue;
        }
        let bound = i128::from(length - 1);
        let stride = i128::from(stride);
        if stride < 0 {
            lo = add(lo, mul(stride, bound)?)?;
        }
        terms.push(Term {
            coef: stride.abs(),
            bound,
        });
    }
    if layout.itemsize > 1 {
        terms.push(Term {
            coef: 1,
            bound: i128::from(layout.itemsize - 1),
        });
    }
    let hi = terms
        .iter()
        .try_fold(lo, |hi, term| add(hi, mul(term.coef, term.bound)?))?;
    Ok(Some(Extent { lo, hi, terms }))
}

fn extents_meet(a: &Extent, b: &Extent) -> bool {
    a.lo <= b.hi && b.lo <= a.hi
}

/// Find `0 <= x_i <= bound_i` with `Σ coef_i x_i = target`.
#[derive(Debug)]
struct Problem {
    terms: Vec<Term>,
    target: i128,
}

impl Problem {
    /// A byte of A is `a.lo + Σ p x`; a byte of B is `b.lo + Σ q y`, which is
    /// also `b.hi - Σ q y'` with `y' = v - y` in the same range. They are
    /// equal exactly when `Σ p x + Σ q y' = b.hi - a.lo`, all coefficients
    /// positive.
    fn from_pair(a: &Extent, b: &Extent) -> Checked<Problem> {
        let target = b.hi.checked_sub(a.lo).ok_or(Overflow)?;
        let terms = a.terms.iter().chain(&b.terms).copied().collect();
        Ok(Problem { terms, target })
    }

    fn decide(mut self, max_work: u64) -> Overlap {
        if self.target < 0 {
            return Overlap::Disjoint;
        }
        if self.target == 0 {
            return Overlap::Shared;
        }
        self.merge_equal_coefficients();
        self.trim_bounds();
        self.merge_covering_prefix();
        self.trim_bounds();
        // Saturation is harmless here: a saturated sum exceeds any target.
        let reach = self
            .terms
            .iter()
            .fold(0i128, |sum, term| sum.saturating_add(term.reach()));
        if reach < self.target {
            return Overlap::Disjoint;
        }
        let divisor = self.terms.iter().fold(0, |g, term| gcd(g, term.coef));
        if divisor == 0 || self.target % divisor != 0 {
            return Overlap::Disjoint;
        }
        Search::new(self.terms).run(self.target, max_work)
    }

    /// Terms with the same coefficient are one term whose bounds add; this
    /// also sorts the terms by ascending coefficient.
    fn merge_equal_coefficients(&mut self) {
        self.terms.sort_by_key(|term| term.coef);
        // Saturating bounds are harmless: they are trimmed to target / coef.
        self.terms.dedup_by(|later, kept| {
            let same = later.coef == kept.coef;
            if same {
                kept.bound = kept.bound.saturating_add(later.bound);
            }
            same
        });
    }

    /// No term can exceed the target, and a term that can only be zero is no
    /// term at all. After this, every `reach()` is at most the target.
    fn trim_bounds(&mut self) {
        let target = self.target;
        for term in &mut self.terms {
            term.bound = term.bound.min(target / term.coef);
        }
        self.terms.retain(|term| term.bound > 0);
    }

    /// If the smallest coefficient `c` and its bound reach `P`, the sums of
    /// that term are exactly the multiples of `c` in `[0, P]`. A next term
    /// whose coefficient is a multiple of `c` and at most `P + c` leaves no
    /// gap, so together they give every multiple of `c` up to `P + its reach`:
    /// one term. This turns contiguous and nearly contiguous layouts (the
    /// itemsize term, then the innermost axes) into a single term, and often
    /// settles the problem without any search.
    fn merge_covering_prefix(&mut self) {
        let Some(&first) = self.terms.first() else {
            return;
        };
        let unit = first.coef;
        let mut reach = first.reach();
        let mut covered = 1;
        for term in &self.terms[1..] {
            if term.coef % unit != 0 || term.coef > reach.saturating_add(unit) {
                break;
            }
            reach = reach.saturating_add(term.reach());
            covered += 1;
        }
        if covered > 1 {
            self.terms.drain(1..covered);
            self.terms[0].bound = reach / unit;
        }
    }
}

fn gcd(mut x: i128, mut y: i128) -> i128 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x.abs()
}

/// `x * y mod m` for `0 <= x, y < m`, without overflow even for `m` close to
/// `i128::MAX` (by doubling, when the plain product does not fit).
fn mul_mod(x: i128, y: i128, m: i128) -> i128 {
    if let Some(product) = x.checked_mul(y) {
        return product % m;
    }
    let (mut x, mut y, m) = (x.unsigned_abs(), y.unsigned_abs(), m.unsigned_abs());
    let mut acc = 0u128;
    while y > 0 {
        if y & 1 == 1 {
            acc = (acc + x) % m;
        }
        x = (x + x) % m;
        y >>= 1;
    }
    // acc < m <= i128::MAX, so this conversion is exact.
    acc as i128
}

/// The inverse of `x` modulo `m`, for `gcd(x, m) = 1` and `m >= 1`.
fn inverse_mod(x: i128, m: i128) -> i128 {
    let (mut old_r, mut r) = (x.rem_euclid(m), m);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r % r);
        // Every Bézout coefficient lies in (-m, m) and so fits; an
        // intermediate `q * s` may not, but wrapping arithmetic is exact
        // modulo 2^128 and therefore yields the true, in-range result.
        (old_s, s) = (s, old_s.wrapping_sub(q.wrapping_mul(s)));
    }
    old_s.rem_euclid(m)
}

/// One level of the search: the term, and what the terms after it can do.
#[derive(Debug)]
struct Level {
    term: Term,
    /// Σ reach of the later terms: what is left must not exceed it.
    rest_reach: i128,
    /// gcd of this and all later coefficients; it divides every remainder
    /// that reaches this level.
    divisor: i128,
    /// The later terms can only absorb multiples of their gcd, which pins
    /// `x` to one residue modulo `modulus`; `inverse` computes it.
    modulus: i128,
    inverse: i128,
}

/// Candidates still to try for one level's `x`, given the remainder.
#[derive(Debug)]
struct Frame {
    level: usize,
    remainder: i128,
    next: Option<i128>,
    last: i128,
}

/// Depth-first search over the terms, largest coefficient first, so that
/// the remaining-sum bound pins each `x` to few values. The last two levels
/// are a closed form: any candidate there is a solution, because the range
/// and residue conditions say exactly that the last term can take the rest.
struct Search {
    levels: Vec<Level>,
}

impl Search {
    fn new(mut terms: Vec<Term>) -> Search {
        terms.sort_by_key(|term| std::cmp::Reverse(term.coef));
        let mut levels = Vec::with_capacity(terms.len());
        let (mut rest_reach, mut rest_gcd) = (0i128, 0i128);
        for &term in terms.iter().rev() {
            let divisor = gcd(term.coef, rest_gcd);
            let modulus = if rest_gcd == 0 { 1 } else { rest_gcd / divisor };
            let inverse = if modulus == 1 {
                0
            } else {
                inverse_mod(term.coef / divisor, modulus)
            };
            levels.push(Level {
                term,
                rest_reach,
                divisor,
                modulus,
                inverse,
            });
            // Saturation is harmless: a saturated reach exceeds any remainder.
            rest_reach = rest_reach.saturating_add(term.reach());
            rest_gcd = divisor;
        }
        levels.reverse();
        Search { levels }
    }

    fn is_closed_form(&self, level: usize) -> bool {
        level + 2 >= self.levels.len()
    }

    fn run(&self, target: i128, max_work: u64) -> Overlap {
        let Some(root) = self.open(0, target) else {
            return Overlap::Disjoint;
        };
        if self.is_closed_form(0) {
            return Overlap::Shared;
        }
        let mut stack = vec![root];
        let mut work = 0u64;
        while let Some(frame) = stack.last_mut() {
            let Some(x) = frame.next else {
                stack.pop();
                continue;
            };
            if work >= max_work {
                return Overlap::Unknown;
            }
            work += 1;
            let level = &self.levels[frame.level];
            frame.next = x
                .checked_add(level.modulus)
                .filter(|&next| next <= frame.last);
            // x <= remainder / coef, so this product cannot overflow.
            let remainder = frame.remainder - level.term.coef * x;
            let child_level = frame.level + 1;
            if let Some(child) = self.open(child_level, remainder) {
                if self.is_closed_form(child_level) {
                    return Overlap::Shared;
                }
                stack.push(child);
            }
        }
        Overlap::Disjoint
    }

    /// The candidates for `x` at `level`: `coef * x <= remainder`, the later
    /// terms can absorb what is left (`remainder - coef * x <= rest_reach`),
    /// and what is left is a multiple of their gcd. `None` if there are none.
    fn open(&self, level: usize, remainder: i128) -> Option<Frame> {
        let Level {
            term,
            rest_reach,
            divisor,
            modulus,
            inverse,
        } = self.levels[level];
        let excess = remainder - rest_reach;
        let lowest = if excess <= 0 {
            0
        } else {
            excess / term.coef + i128::from(excess % term.coef != 0)
        };
        let last = term.bound.min(remainder / term.coef);
        let residue = mul_mod((remainder / divisor).rem_euclid(modulus), inverse, modulus);
        let first = lowest.checked_add((residue - lowest).rem_euclid(modulus))?;
        (first <= last).then_some(Frame {
            level,
            remainder,
            next: Some(first),
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Where the test arrays live; far from zero so negative strides fit.
    const BASE: u64 = 1 << 20;

    /// A float64 view of a buffer at BASE, in elements: first element index
    /// and (length, stride in elements) per axis.
    fn f64s(first: u64, axes: &[(u64, i64)]) -> ByteLayout {
        ByteLayout {
            first: BASE + 8 * first,
            itemsize: 8,
            axes: axes.iter().map(|&(n, s)| (n, 8 * s)).collect(),
        }
    }

    fn check(a: &ByteLayout, b: &ByteLayout, expected: Overlap, may: bool) {
        assert_eq!(shares_memory(a, b, u64::MAX), expected, "{a:?} vs {b:?}");
        assert_eq!(shares_memory(b, a, u64::MAX), expected, "{b:?} vs {a:?}");
        assert_eq!(may_share_memory(a, b), may, "may {a:?} vs {b:?}");
        assert_eq!(may_share_memory(b, a), may, "may {b:?} vs {a:?}");
    }

    use Overlap::{Disjoint, Shared, Unknown};

    #[test]
    fn overlap_one_dimensional_slices() {
        let x = f64s(0, &[(10, 1)]);
        assert_eq!(x.len(), 10);
        assert_eq!(x.bounds(), Some((BASE, BASE + 80)));
        check(&f64s(0, &[(5, 2)]), &f64s(1, &[(5, 2)]), Disjoint, true);
        check(&f64s(0, &[(5, 1)]), &f64s(5, &[(5, 1)]), Disjoint, false);
        check(&f64s(0, &[(6, 1)]), &f64s(5, &[(5, 1)]), Shared, true);
        check(&f64s(9, &[(10, -1)]), &x, Shared, true);
        check(&f64s(9, &[(5, -2)]), &f64s(0, &[(5, 2)]), Disjoint, true);
        check(&f64s(9, &[(5, -2)]), &f64s(1, &[(5, 2)]), Shared, true);
        assert_eq!(f64s(9, &[(10, -1)]).bounds(), x.bounds());
    }

    #[test]
    fn overlap_two_dimensional_views() {
        let a = f64s(0, &[(4, 5), (5, 1)]);
        let row = |i: u64| f64s(5 * i, &[(5, 1)]);
        let column = |j: u64| f64s(j, &[(4, 5)]);
        check(&row(1), &column(2), Shared, true);
        check(&row(1), &row(2), Disjoint, false);
        check(&column(1), &column(2), Disjoint, true);
        check(
            &f64s(0, &[(4, 5), (3, 2)]),
            &f64s(1, &[(4, 5), (2, 2)]),
            Disjoint,
            true,
        );
        check(&f64s(0, &[(5, 1), (4, 5)]), &a, Shared, true);
        check(&f64s(19, &[(4, -5), (5, -1)]), &a, Shared, true);
    }

    #[test]
    fn overlap_broadcast_itemsizes_and_empties() {
        let broadcast = f64s(3, &[(4, 0), (3, 0)]);
        check(&broadcast, &f64s(3, &[(1, 1)]), Shared, true);
        check(&broadcast, &f64s(4, &[(6, 1)]), Disjoint, false);
        // One byte (byte 1 of element 2), and a u32 straddling elements 0 and 1.
        let byte = ByteLayout {
            first: BASE + 17,
            itemsize: 1,
            axes: vec![],
        };
        check(&byte, &f64s(2, &[(1, 1)]), Shared, true);
        check(&byte, &f64s(3, &[(7, 1)]), Disjoint, false);
        let straddle = ByteLayout {
            first: BASE + 6,
            itemsize: 4,
            axes: vec![],
        };
        check(&straddle, &f64s(1, &[(1, 1)]), Shared, true);
        check(&straddle, &f64s(0, &[(1, 1)]), Shared, true);
        check(&straddle, &f64s(2, &[(8, 1)]), Disjoint, false);
        // Every third byte of the buffer never hits bytes 1..=2 of element 0.
        let thirds = ByteLayout {
            first: BASE,
            itemsize: 1,
            axes: vec![(20, 3)],
        };
        let middle = ByteLayout {
            first: BASE + 1,
            itemsize: 2,
            axes: vec![],
        };
        check(&thirds, &middle, Disjoint, true);
        let x = f64s(0, &[(10, 1)]);
        let empty = f64s(0, &[(3, 1), (0, 1)]);
        assert!(empty.is_empty() && empty.bounds().is_none());
        check(&empty, &x, Disjoint, false);
        check(&empty, &empty, Disjoint, false);
        let weightless = ByteLayout {
            first: BASE,
            itemsize: 0,
            axes: vec![(3, 1)],
        };
        assert_eq!(weightless.bounds(), None);
        check(&weightless, &x, Disjoint, false);
    }

    /// Every byte a layout touches, by enumerating every index.
    fn bytes_of(layout: &ByteLayout) -> HashSet<i128> {
        let mut bytes = HashSet::new();
        if layout.is_empty() {
            return bytes;
        }
        let mut index = vec![0u64; layout.axes.len()];
        loop {
            let start = layout
                .axes
                .iter()
                .zip(&index)
                .fold(i128::from(layout.first), |address, (&(_, stride), &i)| {
                    address + i128::from(stride) * i128::from(i)
                });
            bytes.extend((0..i128::from(layout.itemsize)).map(|k| start + k));
            // Odometer increment, last axis fastest.
            let mut axis = layout.axes.len();
            loop {
                if axis == 0 {
                    return bytes;
                }
                axis -= 1;
                index[axis] += 1;
                if index[axis] < layout.axes[axis].0 {
                    break;
                }
                index[axis] = 0;
            }
        }
    }

    fn brute_force(a: &ByteLayout, b: &ByteLayout) -> Overlap {
        let a = bytes_of(a);
        if bytes_of(b).iter().any(|byte| a.contains(byte)) {
            Shared
        } else {
            Disjoint
        }
    }

    #[test]
    fn overlap_hard_cases_are_exact_or_unknown() {
        // NumPy's documented hard case: x[::107] and x[::111] of int8.
        let x = ByteLayout {
            first: BASE,
            itemsize: 1,
            axes: vec![(192_163_377, 1)],
        };
        let every = |start: u64, step: u64| ByteLayout {
            first: BASE + start,
            itemsize: 1,
            axes: vec![((192_163_377 - start).div_ceil(step), step as i64)],
        };
        assert_eq!(shares_memory(&every(0, 107), &every(0, 111), 0), Shared);
        assert_eq!(shares_memory(&every(1, 107), &x, 0), Shared);
        let collide = (0..every(1, 107).len()).any(|i| (1 + 107 * i) % 111 == 0);
        let expected = if collide { Shared } else { Disjoint };
        assert_eq!(shares_memory(&every(1, 107), &every(0, 111), 0), expected);
        // x[:, ::7] against x[:, 3::3] and relatives on a 300 x 301 float64.
        let (rows, cols) = (300u64, 301u64);
        let strided = |row0: u64, col0: u64, row_step: u64, col_step: u64| {
            f64s(
                row0 * cols + col0,
                &[
                    ((rows - row0).div_ceil(row_step), (row_step * cols) as i64),
                    ((cols - col0).div_ceil(col_step), col_step as i64),
                ],
            )
        };
        let pairs = [
            (strided(0, 0, 1, 7), strided(0, 3, 1, 3)),
            (strided(0, 0, 1, 7), strided(0, 3, 1, 7)),
            (strided(1, 0, 2, 7), strided(0, 3, 2, 3)),
            (strided(0, 1, 3, 5), strided(1, 2, 2, 5)),
        ];
        for (a, b) in &pairs {
            let truth = brute_force(a, b);
            assert_eq!(shares_memory(a, b, u64::MAX), truth, "{a:?} vs {b:?}");
            let bounded = shares_memory(a, b, DEFAULT_MAX_WORK);
            assert!(bounded == truth || bounded == Unknown, "{a:?} vs {b:?}");
            for work in [0, 1, 10] {
                let answer = shares_memory(a, b, work);
                assert!(answer == truth || answer == Unknown, "{a:?} vs {b:?}");
            }
        }
        // An as_strided tangle whose strides share no structure.
        let a = ByteLayout {
            first: BASE,
            itemsize: 8,
            axes: vec![(40, 1001), (30, 97), (20, 13)],
        };
        let b = ByteLayout {
            first: BASE + 5,
            itemsize: 2,
            axes: vec![(50, 733), (25, 89), (9, 31)],
        };
        let truth = brute_force(&a, &b);
        assert_eq!(shares_memory(&a, &b, u64::MAX), truth);
        let bounded = shares_memory(&a, &b, 3);
        assert!(bounded == truth || bounded == Unknown);
    }

    /// splitmix64: a deterministic generator, so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn between(&mut self, lo: i64, hi: i64) -> i64 {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }

    fn random_layout(rng: &mut Rng, itemsize: u64) -> ByteLayout {
        let ndim = 1 + rng.below(4);
        let axes = (0..ndim)
            .map(|_| {
                let length = rng.below(6);
                // Mostly whole-element strides, sometimes raw byte strides
                // (as_strided), which let elements of one layout overlap.
                let stride = if rng.below(5) == 0 {
                    rng.between(-24, 24)
                } else {
                    rng.between(-12, 12) * itemsize as i64
                };
                (length, stride)
            })
            .collect();
        ByteLayout {
            first: BASE + rng.below(64),
            itemsize,
            axes,
        }
    }

    /// A second layout built from the first, so that near misses are common.
    fn relative_of(rng: &mut Rng, a: &ByteLayout) -> ByteLayout {
        let mut b = a.clone();
        b.first = (a.first + rng.below(24)).saturating_sub(12);
        match rng.below(3) {
            0 => b.axes.reverse(),
            1 => {
                for axis in &mut b.axes {
                    axis.0 = axis.0.min(1 + rng.below(5));
                }
            }
            _ => {}
        }
        b
    }

    #[test]
    fn overlap_matches_brute_force_on_random_layouts() {
        let mut rng = Rng(0x5EED);
        let (mut near_misses, mut shared) = (0, 0);
        for _ in 0..20_000 {
            let itemsize_a = [1, 2, 4, 8][rng.below(4) as usize];
            let a = random_layout(&mut rng, itemsize_a);
            let b = match rng.below(3) {
                0 => relative_of(&mut rng, &a),
                1 => random_layout(&mut rng, itemsize_a),
                _ => {
                    let itemsize_b = [1, 2, 4, 8][rng.below(4) as usize];
                    random_layout(&mut rng, itemsize_b)
                }
            };
            let (bytes_a, bytes_b) = (bytes_of(&a), bytes_of(&b));
            let truth = if bytes_a.iter().any(|byte| bytes_b.contains(byte)) {
                Shared
            } else {
                Disjoint
            };
            let exact = shares_memory(&a, &b, u64::MAX);
            assert_eq!(exact, truth, "{a:?} vs {b:?}");
            assert_eq!(shares_memory(&b, &a, u64::MAX), truth, "{b:?} vs {a:?}");
            for work in [0, 1, 3] {
                let answer = shares_memory(&a, &b, work);
                assert!(
                    answer == truth || answer == Unknown,
                    "{a:?} vs {b:?} at {work}"
                );
            }
            let span = |bytes: &HashSet<i128>| {
                let lo = bytes.iter().min().copied()?;
                Some((lo, bytes.iter().max().copied()? + 1))
            };
            let (span_a, span_b) = (span(&bytes_a), span(&bytes_b));
            let as_u64 = |s: Option<(i128, i128)>| s.map(|(lo, hi)| (lo as u64, hi as u64));
            assert_eq!(a.bounds(), as_u64(span_a), "{a:?}");
            let may = matches!((span_a, span_b), (Some(x), Some(y)) if x.0 < y.1 && y.0 < x.1);
            assert_eq!(may_share_memory(&a, &b), may, "{a:?} vs {b:?}");
            assert!(truth == Disjoint || may);
            near_misses += usize::from(may && truth == Disjoint);
            shared += usize::from(truth == Shared);
        }
        // The generator must exercise both answers, and the hard middle.
        assert!(
            near_misses > 1_000 && shared > 1_000,
            "{near_misses} {shared}"
        );
    }

    #[test]
    fn overlap_never_panics_on_adversarial_values() {
        let mut rng = Rng(0xBAD);
        let wild_u64 = |rng: &mut Rng| match rng.below(6) {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            3 => u64::MAX - rng.below(3),
            4 => 1 << rng.below(64),
            _ => rng.next(),
        };
        for _ in 0..20_000 {
            let layout = |rng: &mut Rng| ByteLayout {
                first: wild_u64(rng),
                itemsize: wild_u64(rng),
                axes: (0..rng.below(7))
                    .map(|_| {
                        let stride = match rng.below(5) {
                            0 => i64::MIN,
                            1 => i64::MAX,
                            2 => 0,
                            3 => rng.between(-3, 3),
                            _ => rng.next() as i64,
                        };
                        (wild_u64(rng), stride)
                    })
                    .collect(),
            };
            let (a, b) = (layout(&mut rng), layout(&mut rng));
            let _ = (a.len(), a.is_empty(), a.bounds());
            let may = may_share_memory(&a, &b);
            let answer = shares_memory(&a, &b, 1_000);
            assert!(may || answer == Disjoint, "{a:?} vs {b:?}");
            assert!(answer != Shared || may, "{a:?} vs {b:?}");
        }
        // Many axes must not exhaust the stack or the clock.
        let many = ByteLayout {
            first: BASE,
            itemsize: 3,
            axes: (0..10_000).map(|i| (2, 1_000_003 + 7 * i)).collect(),
        };
        let answer = shares_memory(&many, &f64s(1, &[(3, 1_000_001)]), DEFAULT_MAX_WORK);
        assert!(answer != Shared || may_share_memory(&many, &many));
    }
}
