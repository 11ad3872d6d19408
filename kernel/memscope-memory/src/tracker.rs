//! The memory table across a session: stable buffer ids, what changed in a
//! cell, and where vanished variables went.
//!
//! Invariant: buffer ids depend only on the order in which a session's
//! cells create buffers and on variable names, never on addresses, so the
//! same notebook gets the same ids on every run.

use std::collections::{BTreeMap, BTreeSet};

use memscope_prelude::memory::facts::{ArrayFacts, Storage};

use crate::cell_code::CellNames;
use crate::layout::byte_layout;
use crate::layout::region_layout;
use crate::model::{
    entries, group_by_memory, group_relations, lone_relations, row, sharing, BufferId, Change,
    Entry, Gone, GoneWhy, Group, MemoryTable, Relations, Seen, Snapshot,
};
use crate::overlap::{shares_memory, ByteLayout, Overlap, DEFAULT_MAX_WORK};

/// Remembers the previous cell's table to compare the next one with.
#[derive(Debug, Default)]
pub struct MemoryTracker {
    previous: Snapshot,
    /// Buffer spans of the previous cell, with their ids.
    previous_spans: Vec<((u64, u64), BufferId)>,
    last_id: u32,
    /// Names ever bound with `let mut` (the binding stays mutable).
    mutable: BTreeSet<String>,
    /// The cell in which each variable got its current value.
    born: BTreeMap<String, u64>,
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
        self.mutable.extend(names.bound_mutably.iter().cloned());
        self.cells += 1;
        self.born
            .retain(|name, _| variables.iter().any(|(n, _)| n == name));
        for (name, _) in variables {
            // Cell by cell, and within a cell in the order of the `let`s.
            let position = names.bound.get(name);
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
        let gone_names: Vec<&String> = self
            .previous
            .keys()
            .filter(|name| !variables.iter().any(|(n, _)| n == *name))
            .collect();

        let mut buffer_of_entry: Vec<Option<BufferId>> = vec![None; entries.len()];
        let mut moved: BTreeMap<String, String> = BTreeMap::new();
        let mut fresh: Vec<usize> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            match self.continuing_buffer(&entries, group, &gone_names, &names, &mut moved) {
                Some(id) => group
                    .members
                    .iter()
                    .for_each(|&m| buffer_of_entry[m] = Some(id)),
                None => fresh.push(g),
            }
        }
        // New buffers are numbered in the order of their first variable's
        // name, never by address.
        fresh.sort_by_key(|&g| entries[groups[g].members[0]].name);
        for g in fresh {
            self.last_id += 1;
            for &m in &groups[g].members {
                buffer_of_entry[m] = Some(BufferId(self.last_id));
            }
        }

        let mut relations: Vec<Option<Relations>> = (0..entries.len()).map(|_| None).collect();
        for group in &groups {
            for (i, found) in group_relations(&entries, group) {
                relations[i] = Some(found);
            }
        }
        let sharing = sharing(&entries, &groups);
        let written = written_regions(&entries);
        let rows = entries
            .iter()
            .zip(relations)
            .enumerate()
            .map(|(i, (entry, relations))| {
                let changed = self.change(entry, buffer_of_entry[i], &names, &written);
                let relations = relations.unwrap_or_else(|| lone_relations(entry));
                row(entry, buffer_of_entry[i], relations, &sharing, i, changed)
            })
            .collect();

        let gone = gone_names
            .iter()
            .map(|name| Gone {
                name: (*name).clone(),
                why: match moved.get(*name) {
                    Some(into) => GoneWhy::Moved { into: into.clone() },
                    None => GoneWhy::Dropped,
                },
            })
            .collect();
        let buffers = buffer_list(&entries, &groups, &buffer_of_entry);

        self.previous = entries
            .iter()
            .zip(&buffer_of_entry)
            .map(|(entry, &buffer)| (entry.name.to_owned(), Seen::of(entry.facts, buffer)))
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
        }
    }

    /// The id a group keeps from the previous cell: that of a member still
    /// at the same place, or else that of a vanished variable whose memory
    /// it now holds (a move). A vanished variable that the cell dropped
    /// explicitly, or did not mention at all, passes nothing on: its
    /// memory may have been freed and reused.
    fn continuing_buffer(
        &self,
        entries: &[Entry],
        group: &Group,
        gone: &[&String],
        names: &CellNames,
        moved: &mut BTreeMap<String, String>,
    ) -> Option<BufferId> {
        let overlaps_span = |id: BufferId| {
            self.previous_spans
                .iter()
                .any(|&((lo, hi), known)| known == id && lo < group.span.1 && group.span.0 < hi)
        };
        let kept = group.members.iter().find_map(|&m| {
            let seen = self.previous.get(entries[m].name)?;
            let id = seen.buffer?;
            (seen.first == entries[m].facts.first && overlaps_span(id)).then_some(id)
        });
        let mut inherited = None;
        for name in gone {
            let Some(id) = self.previous.get(*name).and_then(|seen| seen.buffer) else {
                continue;
            };
            if kept.is_some_and(|k| k != id)
                || !overlaps_span(id)
                || !names.mentioned.contains(*name)
                || names.dropped.contains(*name)
            {
                continue;
            }
            let seen = &self.previous[*name];
            // Into the member at the same place, else the first new member.
            let heir = group
                .members
                .iter()
                .find(|&&m| {
                    entries[m].facts.first == seen.first
                        && !self.previous.contains_key(entries[m].name)
                })
                .or_else(|| {
                    group
                        .members
                        .iter()
                        .find(|&&m| !self.previous.contains_key(entries[m].name))
                });
            if let Some(&heir) = heir {
                moved.insert((*name).clone(), entries[heir].name.to_owned());
                inherited.get_or_insert(id);
            }
        }
        kept.or(inherited)
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
        // `let a = ...` again, or a value of another type: a new array.
        if names.bound.contains_key(entry.name) || seen.type_name != entry.facts.type_name {
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
                    && names.mentioned.contains(entry.name)
                    && (self.mutable.contains(entry.name)
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
    let mut buffers: Vec<crate::model::Buffer> = Vec::new();
    for group in groups {
        let Some(id) = buffer_of_entry[group.members[0]] else {
            continue;
        };
        let names = group.members.iter().map(|&m| entries[m].name.to_owned());
        match buffers.iter_mut().find(|b| b.id == id) {
            // Two windows into one shared allocation whose owner is gone.
            Some(known) => {
                known.span = (
                    known.span.0.min(group.span.0),
                    known.span.1.max(group.span.1),
                );
                known.variables.extend(names);
                known.variables.sort();
            }
            None => buffers.push(crate::model::Buffer {
                id,
                span: group.span,
                variables: names.collect(),
            }),
        }
    }
    buffers.sort_by_key(|b| b.id);
    buffers
}
