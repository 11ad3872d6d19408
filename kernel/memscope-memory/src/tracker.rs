//! The memory table across a session: stable buffer ids, what changed in a
//! cell, and where vanished variables went.
//!
//! Invariant: buffer ids depend only on the order in which a session's
//! cells create buffers and on variable names, never on addresses, so the
//! same notebook gets the same ids on every run.

use std::collections::{BTreeMap, BTreeSet};

use memscope_cell_abi::{ArrayFacts, Storage};

use crate::cell_code::CellNames;
use crate::containers::{path_order, variable_of};
use crate::extent::{byte_layout, region_layout};
use crate::model::{
    BufferId, Change, Entry, Gone, GoneWhy, Group, LastLayout, LastLayouts, MemoryTable, Relations,
    Row, entries, group_by_memory, group_relations, lone_relations, row, sharing,
};
use crate::overlap::{ByteLayout, DEFAULT_MAX_WORK, Overlap, shares_memory};

/// Remembers the previous cell's table to compare the next one with.
#[derive(Debug, Default)]
pub struct MemoryTracker {
    previous: LastLayouts,
    /// Buffer spans of the previous cell, with their ids.
    previous_spans: Vec<((u64, u64), BufferId)>,
    last_id: u32,
    /// Names ever bound with `let mut` (the binding stays mutable).
    mutable: BTreeSet<String>,
    /// The cell in which each variable got its current value.
    born: BTreeMap<String, u64>,
    /// Why each variable that is gone went, until the name is used again.
    vanished: BTreeMap<String, GoneWhy>,
    cells: u64,
}

impl MemoryTracker {
    pub fn new() -> MemoryTracker {
        MemoryTracker::default()
    }

    /// Builds the table for the variables that exist after a cell whose
    /// source was `code`, and remembers it for the next cell.
    pub fn observe(
        &mut self,
        variables: &[(String, ArrayFacts)],
        code: &str,
        execution_count: Option<u32>,
    ) -> MemoryTable {
        let names = CellNames::scan(code);
        for name in names.bound.keys() {
            // A new binding decides mutability afresh: `let a = a;` freezes.
            if names.bound_mutably.contains(name) {
                self.mutable.insert(name.clone());
            } else {
                self.mutable.remove(name);
            }
        }
        let current: BTreeSet<&str> = variables.iter().map(|(n, _)| n.as_str()).collect();
        self.cells += 1;
        self.born.retain(|name, _| current.contains(name.as_str()));
        for (name, _) in variables {
            // Cell by cell, and within a cell in the order of the `let`s
            // (an array inside a container: its variable's `let`).
            let position = names.bound.get(variable_of(name));
            if position.is_some() || !self.born.contains_key(name) {
                let position = position.copied().unwrap_or(usize::MAX >> 32) as u64;
                self.born
                    .insert(name.clone(), (self.cells << 32) | position);
            }
        }
        let born = &self.born;
        let entries = entries(variables, |name| {
            born.get(name).copied().unwrap_or(u64::MAX)
        });
        let groups = group_by_memory(&entries);
        let gone_names: Vec<String> = self
            .previous
            .keys()
            .filter(|name| !current.contains(name.as_str()))
            .cloned()
            .collect();

        let (buffer_of_group, moved) = self.buffer_ids(&entries, &groups, &gone_names, &names);
        let mut buffer_of_entry: Vec<Option<BufferId>> = vec![None; entries.len()];
        for (group, id) in groups.iter().zip(&buffer_of_group) {
            for &m in &group.members {
                buffer_of_entry[m] = Some(*id);
            }
        }

        let mut relations: Vec<Option<Relations>> = (0..entries.len()).map(|_| None).collect();
        for group in &groups {
            for (i, found) in group_relations(&entries, group) {
                relations[i] = Some(found);
            }
        }
        let mut sharing = sharing(&entries, &groups);
        let written = written_regions(&entries);
        let mut rows: Vec<Row> = entries
            .iter()
            .zip(relations)
            .enumerate()
            .map(|(i, (entry, relations))| {
                let changed = self.change(entry, buffer_of_entry[i], &names, &written);
                let relations = relations.unwrap_or_else(|| lone_relations(entry));
                row(
                    entry,
                    buffer_of_entry[i],
                    relations,
                    &mut sharing,
                    i,
                    changed,
                )
            })
            .collect();
        rows.sort_by(|a, b| path_order(&a.name, &b.name));

        let mut gone: Vec<Gone> = gone_names
            .into_iter()
            .map(|name| Gone {
                why: match moved.get(&name) {
                    Some(into) => GoneWhy::Moved { into: into.clone() },
                    None => GoneWhy::Dropped,
                },
                name,
            })
            .collect();
        gone.sort_by(|a, b| path_order(&a.name, &b.name));
        let buffers = buffer_list(&entries, &groups, &buffer_of_entry);
        self.vanished
            .retain(|name, _| !current.contains(name.as_str()));
        // Once per cell, not once per gone path: moving a container of n
        // arrays would otherwise cost n times every row.
        let current_variables: BTreeSet<&str> = current.iter().map(|n| variable_of(n)).collect();
        for gone in &gone {
            self.vanished.insert(gone.name.clone(), gone.why.clone());
            // `layers` itself went, if its arrays did (for the error that
            // says where a name went).
            let variable = variable_of(&gone.name);
            if variable != gone.name && !current_variables.contains(variable) {
                let why = match &gone.why {
                    GoneWhy::Moved { into } => GoneWhy::Moved {
                        into: variable_of(into).to_owned(),
                    },
                    GoneWhy::Dropped => GoneWhy::Dropped,
                };
                self.vanished.insert(variable.to_owned(), why);
            }
        }

        self.previous = entries
            .iter()
            .zip(&buffer_of_entry)
            .map(|(entry, &buffer)| (entry.name.to_owned(), LastLayout::of(entry.facts, buffer)))
            .collect();
        self.previous_spans = groups
            .iter()
            .filter_map(|group| Some((group.span, buffer_of_entry[group.members[0]]?)))
            .collect();
        MemoryTable {
            execution_count,
            rows,
            gone,
            buffers,
            opaque: Vec::new(),
            folded: Vec::new(),
            focus: Vec::new(),
        }
    }

    /// The buffer id of every group, and which vanished variables moved
    /// into which variable. A group keeps the id of the previous cell's
    /// buffer when, in this order:
    /// 1. one of its variables is still where it was (same first element);
    /// 2. a vanished variable's array is now here: a variable starts at its
    ///    first element with its element size (a move, `let b = a;`). A
    ///    variable the cell dropped explicitly, or did not mention at all,
    ///    moved nowhere: its memory may have been freed and reused;
    /// 3. one of its variables had that buffer, was not bound anew, kept
    ///    its type, and no other group kept the buffer (a `Vec` that grew
    ///    and was reallocated; a copy-on-write split leaves the buffer with
    ///    the other holders).
    ///
    /// Every other group gets a new id, numbered in the order of its first
    /// variable's name, never by address.
    fn buffer_ids(
        &mut self,
        entries: &[Entry],
        groups: &[Group],
        gone: &[String],
        names: &CellNames,
    ) -> (Vec<BufferId>, BTreeMap<String, String>) {
        let overlaps_span = |id: BufferId, group: &Group| {
            self.previous_spans
                .iter()
                .any(|&((lo, hi), known)| known == id && lo < group.span.1 && group.span.0 < hi)
        };
        let mut ids: Vec<Option<BufferId>> = groups
            .iter()
            .map(|group| {
                group.members.iter().find_map(|&m| {
                    let seen = self.previous.get(entries[m].name)?;
                    let id = seen.buffer?;
                    (seen.first == entries[m].facts.first && overlaps_span(id, group)).then_some(id)
                })
            })
            .collect();

        let mut moved = BTreeMap::new();
        for name in gone {
            let seen = &self.previous[name];
            let Some(id) = seen.buffer else { continue };
            let variable = variable_of(name);
            if !names.mentioned.contains(variable) || names.dropped.contains(variable) {
                continue;
            }
            let heir = groups.iter().enumerate().find_map(|(g, group)| {
                let heir = group.members.iter().find(|&&m| {
                    let entry = &entries[m];
                    let moved_here = self
                        .previous
                        .get(entry.name)
                        .is_none_or(|before| before.first != entry.facts.first);
                    entry.facts.first == seen.first
                        && entry.facts.itemsize == seen.itemsize
                        && moved_here
                })?;
                Some((g, *heir))
            });
            if let Some((g, heir)) = heir {
                moved.insert(name.clone(), entries[heir].name.to_owned());
                ids[g].get_or_insert(id);
            }
        }

        let claimed: BTreeSet<BufferId> = ids.iter().flatten().copied().collect();
        for (g, group) in groups.iter().enumerate() {
            if ids[g].is_some() {
                continue;
            }
            ids[g] = group.members.iter().find_map(|&m| {
                let entry = &entries[m];
                let seen = self.previous.get(entry.name)?;
                let id = seen.buffer?;
                let same_variable = !names.bound.contains_key(variable_of(entry.name))
                    && seen.type_name == entry.facts.type_name;
                (same_variable && !claimed.contains(&id)).then_some(id)
            });
        }

        let mut fresh: Vec<usize> = (0..groups.len()).filter(|&g| ids[g].is_none()).collect();
        fresh.sort_by_key(|&g| entries[groups[g].members[0]].name);
        for g in fresh {
            self.last_id += 1;
            ids[g] = Some(BufferId(self.last_id));
        }
        (ids.into_iter().flatten().collect(), moved)
    }

    /// Why an array variable that no longer exists went away, if the
    /// table saw it go.
    pub fn vanished(&self, name: &str) -> Option<&GoneWhy> {
        self.vanished.get(name)
    }

    /// Forgets the previous cell: the cell process was restarted, so every
    /// variable is gone and addresses mean nothing any more. Buffer ids go
    /// on counting.
    pub fn restart(&mut self) {
        self.previous.clear();
        self.previous_spans.clear();
        self.born.clear();
        self.vanished.clear();
    }

    fn change(
        &self,
        entry: &Entry,
        buffer: Option<BufferId>,
        names: &CellNames,
        written: &BTreeMap<u64, Vec<ByteLayout>>,
    ) -> Change {
        let Some(seen) = self.previous.get(entry.name) else {
            return Change::New;
        };
        let variable = variable_of(entry.name);
        // `let a = ...` again, or a value of another type: a new array.
        if names.bound.contains_key(variable) || seen.type_name != entry.facts.type_name {
            return Change::New;
        }
        if !seen.same_layout(entry.facts) || seen.buffer != buffer {
            return Change::Modified;
        }
        let modified = match &entry.facts.storage {
            // NpArray buffers log their writes: compare exactly.
            Storage::Buffer(buffer) => written.get(&(buffer.start as u64)).is_some_and(|regions| {
                let mine = byte_layout(entry.facts);
                regions.iter().any(|region| {
                    shares_memory(&mine, region, DEFAULT_MAX_WORK) != Overlap::Disjoint
                })
            }),
            // Elements are never read, so a plain array counts as modified
            // when the cell mentions it and could write to it.
            _ => {
                entry.facts.writeable
                    && names.mentioned.contains(variable)
                    && (self.mutable.contains(variable)
                        || matches!(entry.facts.storage, Storage::Borrowed))
            }
        };
        if modified {
            Change::Modified
        } else {
            Change::Unchanged
        }
    }
}

/// The regions written since the last cell, per `NpArray` buffer start.
fn written_regions(entries: &[Entry]) -> BTreeMap<u64, Vec<ByteLayout>> {
    let mut written: BTreeMap<u64, Vec<_>> = BTreeMap::new();
    for entry in entries {
        if let Storage::Buffer(buffer) = &entry.facts.storage {
            let regions = written.entry(buffer.start as u64).or_default();
            regions.extend(
                buffer
                    .written
                    .iter()
                    .map(|r| region_layout(r, entry.facts.itemsize)),
            );
        }
    }
    written
}

fn buffer_list(
    entries: &[Entry],
    groups: &[Group],
    buffer_of_entry: &[Option<BufferId>],
) -> Vec<crate::model::Buffer> {
    // Two groups share an id when they are windows into one shared
    // allocation whose owner is gone; they make one buffer.
    let mut buffers: BTreeMap<BufferId, crate::model::Buffer> = BTreeMap::new();
    for group in groups {
        let Some(id) = buffer_of_entry[group.members[0]] else {
            continue;
        };
        let names = group.members.iter().map(|&m| entries[m].name.to_owned());
        let buffer = buffers.entry(id).or_insert_with(|| crate::model::Buffer {
            id,
            span: group.span,
            variables: Vec::new(),
        });
        buffer.span = (
            buffer.span.0.min(group.span.0),
            buffer.span.1.max(group.span.1),
        );
        buffer.variables.extend(names);
    }
    buffers
        .into_values()
        .map(|mut buffer| {
            buffer.variables.sort_by(|a, b| path_order(a, b));
            buffer
        })
        .collect()
}
