//! The table as JSON (`application/vnd.memscope.memory+json`), the form
//! notebook tests assert on. Name lists are sorted; `strides` are in
//! elements; `address` appears only when asked for.

use serde::Serialize;
use serde_json::value::RawValue;

use super::RenderOptions;
use crate::model::{Base, Change, GoneWhy, MemoryTable, Role, Row};

/// Bumped when a field changes meaning or disappears. Version 2: `ArcArray`
/// handles of one shared allocation have the role `copy-on-write` and list
/// each other in `copy_on_write_with` (they were `alias`, in `alias_of`).
/// Version 3: an entry of `variables` is an array, which may live inside a
/// variable: `name` is its path (`layers[1]`), also given as `path`, and
/// `variable` names the variable; name lists may end with "... N more in
/// layers" for arrays a large container does not list (see `folded`).
pub const VERSION: u32 = 3;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    execution_count: Option<u32>,
    variables: Vec<Variable<'a>>,
    gone: Vec<GoneVariable<'a>>,
    buffers: Vec<BufferEntry<'a>>,
    /// Per variable, the arrays and gone paths not listed.
    folded: Vec<FoldedEntry<'a>>,
    /// Variables of the notebook's own types without `#[derive(Arrays)]`.
    opaque: Vec<OpaqueEntry<'a>>,
}

#[derive(Serialize)]
struct FoldedEntry<'a> {
    variable: &'a str,
    arrays: usize,
    not_compared: usize,
    complete: bool,
    gone: usize,
}

#[derive(Serialize)]
struct OpaqueEntry<'a> {
    variable: &'a str,
    #[serde(rename = "type")]
    type_name: &'a str,
}

#[derive(Serialize)]
struct ValuesEntry<'a> {
    head: &'a [String],
    tail: &'a [String],
}

#[derive(Serialize)]
struct Variable<'a> {
    name: &'a str,
    /// The same as `name`: the way Rust reaches the array.
    path: &'a str,
    /// The session variable the array lives in.
    variable: &'a str,
    #[serde(rename = "type")]
    type_name: &'a str,
    dtype: &'a str,
    shape: &'a [usize],
    strides: &'a [isize],
    itemsize: usize,
    bytes: u64,
    buffer: Option<String>,
    /// Its first element's index in the buffer, in elements, counted from
    /// the buffer's start; null for an array without elements.
    offset: Option<u64>,
    /// Its values as Rust writes them, in C order: all of them in `head`
    /// for an array of up to 48 elements, else the first and last three;
    /// both empty when the cell could not read them.
    values: ValuesEntry<'a>,
    role: Role,
    /// The owning variable of a view, else null.
    base: Option<&'a str>,
    /// True for a view whose owner is not a variable of the session.
    base_is_gone: bool,
    /// The other names of the same array: a write is seen through each.
    alias_of: &'a [String],
    /// The other variables sharing its allocation until one of them writes.
    copy_on_write_with: &'a [String],
    shares_memory_with: &'a [String],
    /// Pairs the exact check could not settle within its work bound.
    may_share_with: &'a [String],
    /// Pairs whose bounds overlap: NumPy's `may_share_memory`.
    bounds_overlap_with: &'a [String],
    c_contiguous: bool,
    f_contiguous: bool,
    writeable: bool,
    changed: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
}

#[derive(Serialize)]
struct GoneVariable<'a> {
    name: &'a str,
    why: &'static str,
    into: Option<&'a str>,
}

#[derive(Serialize)]
struct BufferEntry<'a> {
    id: String,
    bytes: u64,
    variables: &'a [String],
}

/// The table as JSON text.
pub fn render(table: &MemoryTable, options: RenderOptions) -> String {
    Box::<str>::from(text(table, options)).into_string()
}

/// The table as JSON text, for a front end that writes it on the wire as
/// it is.
pub fn text(table: &MemoryTable, options: RenderOptions) -> Box<RawValue> {
    super::json_text(&document(table, options))
}

fn document(table: &MemoryTable, options: RenderOptions) -> Document<'_> {
    Document {
        version: VERSION,
        execution_count: table.execution_count,
        variables: table
            .rows
            .iter()
            .map(|row| variable(row, table, options))
            .collect(),
        gone: table
            .gone
            .iter()
            .map(|gone| match &gone.why {
                GoneWhy::Moved { into } => GoneVariable {
                    name: &gone.name,
                    why: "moved",
                    into: Some(into),
                },
                GoneWhy::Dropped => GoneVariable {
                    name: &gone.name,
                    why: "dropped",
                    into: None,
                },
            })
            .collect(),
        buffers: table
            .buffers
            .iter()
            .map(|buffer| BufferEntry {
                id: buffer.id.to_string(),
                bytes: buffer.span.1 - buffer.span.0,
                variables: &buffer.variables,
            })
            .collect(),
        folded: table
            .folded
            .iter()
            .map(|f| FoldedEntry {
                variable: &f.variable,
                arrays: f.arrays,
                not_compared: f.not_compared,
                complete: f.complete,
                gone: f.gone,
            })
            .collect(),
        opaque: table
            .opaque
            .iter()
            .map(|o| OpaqueEntry {
                variable: &o.variable,
                type_name: &o.type_name,
            })
            .collect(),
    }
}

fn variable<'a>(row: &'a Row, table: &MemoryTable, options: RenderOptions) -> Variable<'a> {
    Variable {
        name: &row.name,
        path: &row.name,
        variable: &row.variable,
        type_name: &row.type_name,
        dtype: row.dtype,
        shape: &row.shape,
        strides: &row.strides,
        itemsize: row.itemsize,
        bytes: row.bytes,
        buffer: row.buffer.map(|id| id.to_string()),
        offset: offset(row, table),
        values: ValuesEntry {
            head: &row.values.head,
            tail: &row.values.tail,
        },
        role: row.role,
        base: match &row.base {
            Base::Variable(name) => Some(name),
            Base::None | Base::NotAVariable => None,
        },
        base_is_gone: row.base == Base::NotAVariable,
        alias_of: &row.alias_of,
        copy_on_write_with: &row.copy_on_write_with,
        shares_memory_with: &row.shares_memory_with,
        may_share_with: &row.may_share_with,
        bounds_overlap_with: &row.bounds_overlap_with,
        c_contiguous: row.c_contiguous,
        f_contiguous: row.f_contiguous,
        writeable: row.writeable,
        changed: row.changed,
        address: options.addresses.then(|| format!("{:#x}", row.address)),
    }
}

/// The element index of `row`'s first element from its buffer's start.
fn offset(row: &Row, table: &MemoryTable) -> Option<u64> {
    let id = row.buffer?;
    let index = table.buffers.binary_search_by_key(&id, |b| b.id).ok()?;
    let start = table.buffers[index].span.0;
    Some((row.address as u64).checked_sub(start)? / (row.itemsize.max(1) as u64))
}
