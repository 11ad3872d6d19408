//! The table as a Table Schema data resource
//! (`application/vnd.dataresource+json`, pandas' `orient="table"` form):
//! the tabular mime type that front ends without HTML render as a real
//! table, with sortable columns (Zed's REPL, nteract's data explorer).
//! Same columns and words as the text and HTML tables; `bytes` is a
//! number and `writeable` a boolean, so they sort as such.

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::RenderOptions;
use super::cells::{HEADERS, row_cells};
use crate::model::MemoryTable;

/// The mime type of this rendering.
pub const DATA_RESOURCE_MIME: &str = "application/vnd.dataresource+json";

/// The Table Schema type of each of [`HEADERS`]' columns.
fn field_type(header: &str) -> &'static str {
    match header {
        "bytes" => "integer",
        "writeable" => "boolean",
        _ => "string",
    }
}

/// The data resource as JSON text.
pub fn render(table: &MemoryTable, options: RenderOptions) -> String {
    value(table, options).to_string()
}

/// The data resource as JSON text, for a front end that writes it on the
/// wire as it is.
pub fn text(table: &MemoryTable, options: RenderOptions) -> Box<RawValue> {
    super::json_text(&value(table, options))
}

/// The data resource as a JSON value.
pub fn value(table: &MemoryTable, options: RenderOptions) -> Value {
    let mut headers: Vec<&str> = HEADERS.to_vec();
    if options.addresses {
        headers.push("address");
    }
    let fields: Vec<Value> = headers
        .iter()
        .map(|name| json!({"name": name, "type": field_type(name)}))
        .collect();
    let data: Vec<Value> = table
        .rows
        .iter()
        .take(super::MAX_ROWS)
        .map(|row| {
            let mut record = Map::new();
            for (header, cell) in HEADERS.iter().zip(row_cells(row)) {
                let value = match *header {
                    "bytes" => json!(row.bytes),
                    "writeable" => json!(row.writeable),
                    _ => json!(cell),
                };
                record.insert((*header).to_owned(), value);
            }
            if options.addresses {
                record.insert("address".to_owned(), json!(format!("{:#x}", row.address)));
            }
            Value::Object(record)
        })
        .collect();
    json!({
        "schema": {"fields": fields, "primaryKey": ["name"]},
        "data": data,
    })
}
