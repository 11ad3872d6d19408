//! What JupyterLab's Variables panel shows after each cell: every session
//! variable with its type; an array also with its memory role and layout
//! in one line ("view of x, [5] strides [2], 40 B"), expanding into the
//! memory table's columns, and rendered ("Render Variable") as the memory
//! table of its buffer; the variables the cell moved or dropped, marked
//! gone. Pure: built from evcxr's variable types and the memory table.

use std::sync::Arc;

use memscope_kernel::debug::{VariableView, VariablesSnapshot};
use memscope_memory::render::cells::{self, HEADERS};
use memscope_memory::render::{bundle, RenderOptions};
use memscope_memory::{Base, GoneWhy, MemoryTable, Row};

/// The panel's variables: `types` (the session's, from evcxr) and the
/// last cell's memory table, if the session has one.
pub fn snapshot(types: &[(String, String)], table: Option<&MemoryTable>) -> VariablesSnapshot {
    let mut variables: Vec<VariableView> = types
        .iter()
        .map(|(name, type_name)| match table.and_then(|t| t.row(name)) {
            Some(row) => array_view(row, type_name),
            None => VariableView {
                name: name.clone(),
                type_name: type_name.clone(),
                value: type_name.clone(),
                fields: Vec::new(),
            },
        })
        .collect();
    if let Some(table) = table {
        // Arrays evcxr does not list (it lists every variable it keeps,
        // so none should be missing), and the ones the cell made go.
        for row in &table.rows {
            if !variables.iter().any(|v| v.name == row.name) {
                variables.push(array_view(row, &row.type_name));
            }
        }
        for gone in &table.gone {
            let value = match &gone.why {
                GoneWhy::Moved { into } => {
                    format!("gone: moved into {into} (same buffer, new owner)")
                }
                GoneWhy::Dropped => "gone: dropped".to_owned(),
            };
            variables.push(VariableView {
                name: gone.name.clone(),
                type_name: String::new(),
                value,
                fields: Vec::new(),
            });
        }
    }
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    let table = table.cloned().map(Arc::new);
    VariablesSnapshot {
        variables,
        render: Arc::new(move |name| render_buffer_of(table.as_deref()?, name)),
    }
}

fn array_view(row: &Row, type_name: &str) -> VariableView {
    let role = match (
        &row.base,
        row.alias_of.first(),
        row.copy_on_write_with.first(),
    ) {
        (_, Some(other), _) => format!("alias of {other}"),
        (_, _, Some(other)) => format!("copy-on-write with {other}"),
        (Base::Variable(owner), ..) => format!("view of {owner}"),
        (Base::NotAVariable, ..) => "view (owner is not a variable)".to_owned(),
        (Base::None, ..) => cells::role(row.role).to_owned(),
    };
    let value = format!(
        "{role}, {} strides {}, {}",
        cells::list(&row.shape),
        cells::list(&row.strides),
        cells::bytes(row.bytes)
    );
    // The columns after name and type, as the table shows them.
    let fields = HEADERS
        .iter()
        .zip(cells::row_cells(row))
        .skip(2)
        .map(|(header, cell)| ((*header).to_owned(), cell))
        .collect();
    VariableView {
        name: row.name.clone(),
        type_name: type_name.to_owned(),
        value,
        fields,
    }
}

/// The memory table of `name`'s buffer: its row and every row that shares
/// the buffer, with the buffer's picture.
fn render_buffer_of(table: &MemoryTable, name: &str) -> Option<Vec<(String, String)>> {
    let row = table.row(name)?;
    let rows: Vec<Row> = table
        .rows
        .iter()
        .filter(|r| r.name == name || (row.buffer.is_some() && r.buffer == row.buffer))
        .cloned()
        .collect();
    let buffers = table
        .buffers
        .iter()
        .filter(|b| Some(b.id) == row.buffer)
        .cloned()
        .collect();
    let restricted = MemoryTable {
        execution_count: table.execution_count,
        rows,
        gone: Vec::new(),
        buffers,
    };
    Some(bundle(&restricted, RenderOptions::default()))
}
