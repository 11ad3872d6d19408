//! The memory table of one moment of a session: for every array variable,
//! what it is, which buffer it lives in, and how it relates to the others.
//!
//! Invariant: built from layouts alone (a row carries the values its cell
//! sent for the picture, but no relation depends on them), in
//! O(n log n + k + c) for n variables, k pairs whose extents overlap and c
//! pairs of copy-on-write holders of one allocation (each pair is listed);
//! never panics. Overlap is decided only between arrays of one buffer, since
//! distinct live allocations never overlap.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use memscope_cell_abi::layout::{Contiguity, contiguity};
use memscope_cell_abi::{ArrayFacts, Storage, ValueSample};
use serde::Serialize;

use crate::containers::{Folded, Opaque, path_order, variable_of};
use crate::extent::{allocation_extent, byte_layout, element_count};
use crate::overlap::{DEFAULT_MAX_WORK, Overlap, may_share_memory, shares_memory};

/// Names a buffer for the reader: `buf1`, `buf2`, ... in order of first
/// appearance in the session, so the same notebook always gets the same ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BufferId(pub u32);

impl std::fmt::Display for BufferId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "buf{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Its array allocated the buffer.
    Owner,
    /// It looks into a buffer that another array owns.
    View,
    /// Two or more variables are the same array: a write through one name
    /// is seen through every other.
    Alias,
    /// An `ArcArray` whose allocation other variables' `ArcArray`s hold
    /// too. They share memory now, but a write through any of them first
    /// copies the allocation (ndarray's copy-on-write), so the others never
    /// see it.
    #[serde(rename = "copy-on-write")]
    CopyOnWrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Modified,
    Unchanged,
}

/// One array, as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The array's path: a variable's name (`a`), or the way to reach it
    /// inside one (`layers[1]`, `params["w"]`, `model.w`).
    pub name: String,
    /// The variable the array lives in: the path's first name.
    pub variable: String,
    pub type_name: String,
    pub dtype: &'static str,
    pub shape: Vec<usize>,
    /// In elements.
    pub strides: Vec<isize>,
    pub itemsize: usize,
    /// Bytes of its own elements (not of the whole buffer).
    pub bytes: u64,
    /// `None` for an array without elements.
    pub buffer: Option<BufferId>,
    pub role: Role,
    /// The variable that owns the buffer, for views, aliases of a view and
    /// copy-on-write holders that are windows into their allocation.
    pub base: Base,
    /// The other names of the same array (never `ArcArray` handles).
    pub alias_of: Vec<String>,
    /// The other variables that hold the same allocation as copy-on-write
    /// holders (empty unless the role is [`Role::CopyOnWrite`]).
    pub copy_on_write_with: Vec<String>,
    /// Exactly: at least one element in common.
    pub shares_memory_with: Vec<String>,
    /// The exact answer would exceed the work bound: they may share.
    pub may_share_with: Vec<String>,
    /// Their bounds overlap (NumPy's `may_share_memory`), whether or not
    /// an element is shared.
    pub bounds_overlap_with: Vec<String>,
    pub c_contiguous: bool,
    pub f_contiguous: bool,
    pub writeable: bool,
    pub changed: Change,
    /// Address of the first element; shown only on request.
    pub address: usize,
    /// Its values as the cell sent them: every value of a small array, the
    /// first and last few of a large one, in C order.
    pub values: ValueSample,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// It owns its memory (or is an alias of an owner).
    None,
    Variable(String),
    /// A view whose owner is not a variable of the session (dropped, moved
    /// into a temporary, or never named).
    NotAVariable,
}

/// A variable that was there after the previous cell and is not any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    pub name: String,
    pub why: GoneWhy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoneWhy {
    /// Its array now lives in `into` (same buffer, new owner).
    Moved {
        into: String,
    },
    Dropped,
}

/// One buffer and the element ranges each of its variables covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffer {
    pub id: BufferId,
    /// Bytes from the lowest to the highest byte any variable covers (the
    /// whole allocation for `NpArray` buffers).
    pub span: (u64, u64),
    pub variables: Vec<String>,
}

/// The whole table after one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryTable {
    pub execution_count: Option<u32>,
    /// In path order ([`path_order`]).
    pub rows: Vec<Row>,
    /// In path order.
    pub gone: Vec<Gone>,
    /// In id order.
    pub buffers: Vec<Buffer>,
    /// Variables of the notebook's own types the table cannot look into,
    /// by name.
    pub opaque: Vec<Opaque>,
    /// What is not listed, per variable, by name (see
    /// [`MemoryTable::folded`]).
    pub folded: Vec<Folded>,
    /// Names (variables or paths) asked for by name, whose grids are drawn
    /// whether or not the cell changed them (Render Variable, `:memory
    /// show`).
    pub focus: Vec<String>,
}

impl MemoryTable {
    pub fn row(&self, name: &str) -> Option<&Row> {
        let index = self
            .rows
            .binary_search_by(|row| path_order(&row.name, name))
            .ok()?;
        self.rows.get(index)
    }

    /// The table of `name`'s buffers alone: its rows (its own, or those of
    /// the arrays it holds), every row that shares one of their buffers,
    /// and those buffers (for their pictures); `None` if `name` has no
    /// row. What went is left out: it belongs to the whole table.
    pub fn restricted_to_buffer_of(&self, name: &str) -> Option<MemoryTable> {
        let own: Vec<&Row> = self.rows_of(name).collect();
        if own.is_empty() {
            return None;
        }
        let buffers: BTreeSet<BufferId> = own.iter().filter_map(|row| row.buffer).collect();
        let related = |other: &Row| {
            other.name == name
                || other.variable == name
                || other.buffer.is_some_and(|id| buffers.contains(&id))
        };
        Some(MemoryTable {
            execution_count: self.execution_count,
            rows: self.rows.iter().filter(|r| related(r)).cloned().collect(),
            gone: Vec::new(),
            buffers: self
                .buffers
                .iter()
                .filter(|b| buffers.contains(&b.id))
                .cloned()
                .collect(),
            opaque: Vec::new(),
            focus: vec![name.to_owned()],
            folded: self
                .folded
                .iter()
                .filter(|f| f.variable == name)
                .cloned()
                .collect(),
        })
    }
}

/// One variable while the table is being built.
pub(crate) struct Entry<'a> {
    pub name: &'a str,
    pub facts: &'a ArrayFacts,
    pub extent: Option<(u64, u64)>,
    /// When the variable got its current value: smaller is older. Among
    /// aliases of an owner, the oldest name is the one views point to.
    pub born: u64,
}

/// Variables whose memory overlaps: one allocation.
pub(crate) struct Group {
    pub span: (u64, u64),
    /// Indices into the entries, in name order.
    pub members: Vec<usize>,
}

/// Joins entries whose allocation extents overlap (a sweep over sorted
/// extents). Entries without memory belong to no group.
pub(crate) fn group_by_memory(entries: &[Entry]) -> Vec<Group> {
    let mut order: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].extent.is_some())
        .collect();
    order.sort_by_key(|&i| entries[i].extent);
    let mut groups: Vec<Group> = Vec::new();
    for i in order {
        let Some((lo, hi)) = entries[i].extent else {
            continue;
        };
        match groups.last_mut() {
            Some(group) if lo < group.span.1 => {
                group.span.1 = group.span.1.max(hi);
                group.members.push(i);
            }
            _ => groups.push(Group {
                span: (lo, hi),
                members: vec![i],
            }),
        }
    }
    for group in &mut groups {
        group.members.sort_by_key(|&i| entries[i].name);
    }
    groups
}

/// Roles, bases, aliases and fellow copy-on-write holders of the members
/// of one group.
pub(crate) struct Relations {
    pub role: Role,
    pub base: Base,
    pub alias_of: Vec<String>,
    pub copy_on_write_with: Vec<String>,
}

/// Which members of a group allocated its memory: plain owners, the
/// `NpArray` that allocated its buffer, and an `ArcArray` that is the sole
/// holder of its allocation or, among several holders in the group, one
/// that covers the whole allocation in order from its first byte (C order
/// preferred; an F-ordered one counts only when no holder is C-ordered).
/// Any other `ArcArray` is a window into a shared allocation: a view, whose
/// owner is not a variable when its fellow holders are not in the group.
fn owner_flags(entries: &[Entry], group: &Group) -> Vec<bool> {
    let spans_in_order = |entry: &Entry, c_order: bool| {
        let Contiguity { c, f } = contiguity(&entry.facts.shape, &entry.facts.strides);
        entry.extent == Some(group.span)
            && entry.facts.first as u64 == group.span.0
            && if c_order { c } else { f }
    };
    let holders = group
        .members
        .iter()
        .filter(|&&m| matches!(entries[m].facts.storage, Storage::Shared { .. }))
        .count();
    let any_c_holder = group.members.iter().any(|&m| {
        matches!(entries[m].facts.storage, Storage::Shared { unique: false })
            && spans_in_order(&entries[m], true)
    });
    group
        .members
        .iter()
        .map(|&m| match &entries[m].facts.storage {
            Storage::Owned | Storage::Shared { unique: true } => true,
            Storage::Shared { unique: false } => {
                holders > 1 && spans_in_order(&entries[m], any_c_holder)
            }
            Storage::Borrowed => false,
            Storage::Buffer(buffer) => buffer.owns_data,
        })
        .collect()
}

/// What makes two variables the same array. `NpArray`s say which handles
/// are one array (a view with the very layout of its base is still a view,
/// as NumPy's `a[:]` is); for other arrays, the same first element, shape,
/// strides and element size is all there is to go by.
#[derive(PartialEq, Eq, Hash)]
enum ArrayKey<'a> {
    Handle(usize),
    Layout(usize, &'a [usize], &'a [isize], usize),
}

/// `None` for an `ArcArray`: it is never the same array as another
/// variable, since a write through a shared handle copies the allocation
/// first (so no other name sees it), and a unique handle has no other.
fn array_key<'a>(facts: &'a ArrayFacts) -> Option<ArrayKey<'a>> {
    match &facts.storage {
        Storage::Buffer(buffer) => Some(ArrayKey::Handle(buffer.identity)),
        Storage::Shared { .. } => None,
        Storage::Owned | Storage::Borrowed => Some(ArrayKey::Layout(
            facts.first,
            &facts.shape,
            &facts.strides,
            facts.itemsize,
        )),
    }
}

/// An `ArcArray` handle whose allocation other handles hold too.
fn holds_shared_allocation(facts: &ArrayFacts) -> bool {
    matches!(facts.storage, Storage::Shared { unique: false })
}

/// The names of the group's `ArcArray` handles that are copy-on-write: all
/// of its handles of a shared allocation, when there are two or more. A
/// lone one shares with handles that are not variables (a temporary, a
/// value inside another type), which the table cannot show, so it keeps
/// the role `owner_flags` gives it.
fn copy_on_write_holders<'a>(entries: &[Entry<'a>], group: &Group) -> Vec<&'a str> {
    let holders: Vec<&str> = group
        .members
        .iter()
        .filter(|&&m| holds_shared_allocation(entries[m].facts))
        .map(|&m| entries[m].name)
        .collect();
    if holders.len() > 1 {
        holders
    } else {
        Vec::new()
    }
}

/// `names` without `name`, as owned strings.
fn others(names: &[&str], name: &str) -> Vec<String> {
    names
        .iter()
        .filter(|&&other| other != name)
        .map(|&other| other.to_owned())
        .collect()
}

/// Roles, bases, aliases and fellow copy-on-write holders of every member
/// of `group`, by entry index.
pub(crate) fn group_relations(entries: &[Entry], group: &Group) -> Vec<(usize, Relations)> {
    let owners = owner_flags(entries, group);
    let owner = group
        .members
        .iter()
        .zip(&owners)
        .filter(|&(_, &owns)| owns)
        .min_by_key(|&(&m, _)| (entries[m].born, entries[m].name))
        .map(|(&m, _)| entries[m].name.to_owned());
    let mut same: HashMap<ArrayKey, Vec<&str>> = HashMap::new();
    for &m in &group.members {
        if element_count(&entries[m].facts.shape) > 0
            && let Some(key) = array_key(entries[m].facts)
        {
            same.entry(key).or_default().push(entries[m].name);
        }
    }
    let copy_on_write = copy_on_write_holders(entries, group);
    group
        .members
        .iter()
        .zip(owners)
        .map(|(&m, is_owner)| {
            let name = entries[m].name;
            let alias_of = array_key(entries[m].facts)
                .and_then(|key| same.get(&key))
                .map_or_else(Vec::new, |names| others(names, name));
            let copy_on_write_with = if holds_shared_allocation(entries[m].facts) {
                others(&copy_on_write, name)
            } else {
                Vec::new()
            };
            let role = match (copy_on_write_with.is_empty(), alias_of.is_empty(), is_owner) {
                (false, _, _) => Role::CopyOnWrite,
                (true, false, _) => Role::Alias,
                (true, true, true) => Role::Owner,
                (true, true, false) => Role::View,
            };
            let base = match (&owner, is_owner) {
                (_, true) => Base::None,
                (Some(owner), false) => Base::Variable(owner.clone()),
                (None, false) => Base::NotAVariable,
            };
            (
                m,
                Relations {
                    role,
                    base,
                    alias_of,
                    copy_on_write_with,
                },
            )
        })
        .collect()
}

/// Roles of an array without memory (no elements, no known buffer).
pub(crate) fn lone_relations(entry: &Entry) -> Relations {
    let owner = match &entry.facts.storage {
        Storage::Owned | Storage::Shared { .. } => true,
        Storage::Borrowed => false,
        Storage::Buffer(buffer) => buffer.owns_data,
    };
    Relations {
        role: if owner { Role::Owner } else { Role::View },
        base: if owner {
            Base::None
        } else {
            Base::NotAVariable
        },
        alias_of: Vec::new(),
        copy_on_write_with: Vec::new(),
    }
}

/// For every entry, the names it shares memory with, exactly, the names it
/// may share with (work bound hit) and the names whose bounds overlap its
/// own. Only pairs in one group with overlapping element bounds are tried.
pub(crate) struct Sharing {
    pub shares: Vec<Vec<String>>,
    pub may_share: Vec<Vec<String>>,
    pub bounds: Vec<Vec<String>>,
}

pub(crate) fn sharing(entries: &[Entry], groups: &[Group]) -> Sharing {
    let mut result = Sharing {
        shares: vec![Vec::new(); entries.len()],
        may_share: vec![Vec::new(); entries.len()],
        bounds: vec![Vec::new(); entries.len()],
    };
    for group in groups {
        let mut by_start: Vec<(u64, u64, usize)> = group
            .members
            .iter()
            .filter_map(|&i| {
                let (lo, hi) = byte_layout(entries[i].facts).bounds()?;
                Some((lo, hi, i))
            })
            .collect();
        by_start.sort_unstable();
        // Sweep: each array is compared with the arrays that start before
        // it ends, so disjoint neighbours cost nothing.
        for (k, &(_, hi, a)) in by_start.iter().enumerate() {
            for &(lo_b, _, b) in &by_start[k + 1..] {
                if lo_b >= hi {
                    break;
                }
                let (la, lb) = (byte_layout(entries[a].facts), byte_layout(entries[b].facts));
                if !may_share_memory(&la, &lb) {
                    continue;
                }
                let (na, nb) = (entries[a].name.to_owned(), entries[b].name.to_owned());
                result.bounds[a].push(nb.clone());
                result.bounds[b].push(na.clone());
                let list = match shares_memory(&la, &lb, DEFAULT_MAX_WORK) {
                    Overlap::Shared => &mut result.shares,
                    Overlap::Unknown => &mut result.may_share,
                    Overlap::Disjoint => continue,
                };
                list[a].push(nb);
                list[b].push(na);
            }
        }
    }
    for lists in [
        &mut result.shares,
        &mut result.may_share,
        &mut result.bounds,
    ] {
        for list in lists.iter_mut() {
            list.sort_by(|a, b| path_order(a, b));
        }
    }
    result
}

/// What the table keeps of a variable to compare with the next cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastLayout {
    pub type_name: String,
    pub first: usize,
    pub itemsize: usize,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
    pub buffer: Option<BufferId>,
}

pub(crate) type LastLayouts = BTreeMap<String, LastLayout>;

impl LastLayout {
    pub fn of(facts: &ArrayFacts, buffer: Option<BufferId>) -> LastLayout {
        LastLayout {
            type_name: facts.type_name.clone(),
            first: facts.first,
            itemsize: facts.itemsize,
            shape: facts.shape.clone(),
            strides: facts.strides.clone(),
            buffer,
        }
    }

    pub fn same_layout(&self, facts: &ArrayFacts) -> bool {
        self.type_name == facts.type_name
            && self.first == facts.first
            && self.shape == facts.shape
            && self.strides == facts.strides
    }
}

pub(crate) fn row(
    entry: &Entry,
    buffer: Option<BufferId>,
    relations: Relations,
    sharing: &mut Sharing,
    index: usize,
    changed: Change,
) -> Row {
    let facts = entry.facts;
    let Contiguity {
        c: c_contiguous,
        f: f_contiguous,
    } = contiguity(&facts.shape, &facts.strides);
    Row {
        name: entry.name.to_owned(),
        variable: variable_of(entry.name).to_owned(),
        type_name: facts.type_name.clone(),
        dtype: facts.dtype,
        shape: facts.shape.clone(),
        strides: facts.strides.clone(),
        itemsize: facts.itemsize,
        bytes: element_count(&facts.shape).saturating_mul(facts.itemsize as u64),
        buffer,
        role: relations.role,
        base: relations.base,
        alias_of: relations.alias_of,
        copy_on_write_with: relations.copy_on_write_with,
        // Each entry's lists are its row's alone: moved, not copied (the
        // owner of 1,000 views lists 1,000 names).
        shares_memory_with: std::mem::take(&mut sharing.shares[index]),
        may_share_with: std::mem::take(&mut sharing.may_share[index]),
        bounds_overlap_with: std::mem::take(&mut sharing.bounds[index]),
        c_contiguous,
        f_contiguous,
        writeable: facts.writeable,
        changed,
        address: facts.first,
        values: facts.values.clone(),
    }
}

pub(crate) fn entries<'a>(
    variables: &'a [(String, ArrayFacts)],
    born: impl Fn(&str) -> u64,
) -> Vec<Entry<'a>> {
    variables
        .iter()
        .map(|(name, facts)| Entry {
            name,
            facts,
            extent: allocation_extent(facts),
            born: born(name),
        })
        .collect()
}
