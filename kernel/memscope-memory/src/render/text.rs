//! The table as plain text: what terminals, nbconvert's markdown and its
//! LaTeX/PDF export show. ASCII only, so every PDF font has the glyphs.

use tabled::builder::Builder;
use tabled::settings::Style;

use super::RenderOptions;
use super::cells::{HEADERS, bytes, row_cells, shown_columns};
use super::grid::grids;
use super::picture::{Slot, VALUES_LABEL, legend, pictures};
use crate::model::{GoneWhy, MemoryTable};

pub fn render(table: &MemoryTable, options: RenderOptions) -> String {
    let mut out = String::from("Memory after this cell\n");
    if !table.rows.is_empty() {
        let listed = &table.rows[..table.rows.len().min(super::MAX_ROWS)];
        let (shown, folded) = shown_columns(listed);
        let mut builder = Builder::default();
        let mut headers: Vec<String> = shown.iter().map(|&c| HEADERS[c].to_string()).collect();
        if options.addresses {
            headers.push("address".to_owned());
        }
        builder.push_record(headers);
        for row in listed {
            let all = row_cells(row);
            let mut cells: Vec<String> = shown.iter().map(|&c| all[c].clone()).collect();
            if options.addresses {
                cells.push(format!("{:#x}", row.address));
            }
            builder.push_record(cells);
        }
        // tabled pads the last column; trailing blanks only get in the way
        // of diffs and of nbval's comparisons.
        for line in builder.build().with(Style::psql()).to_string().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if let Some(folded) = folded {
            out.push_str(&folded);
            out.push('\n');
        }
        if let Some(left_out) = super::rows_left_out(table) {
            out.push_str(&left_out);
            out.push('\n');
        }
    }
    for line in super::unlisted(table) {
        out.push_str(&line);
        out.push('\n');
    }
    for gone in &table.gone {
        out.push_str(&match &gone.why {
            GoneWhy::Moved { into } => format!(
                "{} is gone: moved into {into} (same buffer, new owner)\n",
                gone.name
            ),
            GoneWhy::Dropped => format!("{} is gone: dropped\n", gone.name),
        });
    }
    let pictures = pictures(table);
    for picture in &pictures {
        let unit = if picture.elements_per_slot == 1 {
            "one mark per element".to_owned()
        } else {
            format!("one mark per {} elements", picture.elements_per_slot)
        };
        out.push_str(&format!(
            "\n{} ({}, {unit}):\n",
            picture.buffer,
            bytes(picture.bytes)
        ));
        // Rust identifiers may be non-ASCII; pad by characters, not bytes.
        let labels = picture.bars.iter().map(|b| b.name.chars().count());
        let values_label = picture.values.as_ref().map(|_| VALUES_LABEL.len());
        let width = labels.chain(values_label).max().unwrap_or(0);
        // Numbered cells share one width: the widest number (with its
        // `+`) or value.
        let cell = if picture.numbered() || picture.values.is_some() {
            picture.cell_width()
        } else {
            1
        };
        let line = |texts: Vec<String>| -> String {
            let padded: Vec<String> = texts.iter().map(|t| format!("{t:>cell$}")).collect();
            padded.join(if cell > 1 { " " } else { "" })
        };
        for bar in &picture.bars {
            let marks = line(bar.covered.iter().map(Slot::mark).collect());
            match &bar.walk {
                Some(walk) => out.push_str(&format!("  {:width$}  {marks}  {walk}\n", bar.name)),
                None => out.push_str(&format!("  {:width$}  {marks}\n", bar.name)),
            }
        }
        if let Some(values) = &picture.values {
            let texts = values
                .iter()
                .map(|v| v.clone().unwrap_or_default())
                .collect();
            let values = line(texts);
            out.push_str(&format!("  {VALUES_LABEL:width$}  {}\n", values.trim_end()));
        }
        if picture.more > 0 {
            out.push_str(&format!("  ... and {} more\n", picture.more));
        }
    }
    // Said once, under the last picture.
    for line in legend(&pictures) {
        out.push_str(&format!("  ({line})\n"));
    }
    for grid in grids(table) {
        let dims: Vec<String> = grid.shape.iter().map(ToString::to_string).collect();
        let what = grid.caption("then");
        out.push_str(&format!("\n{} ({}): {what}\n", grid.name, dims.join(" x ")));
        let positions: Vec<String> = grid.positions.iter().map(ToString::to_string).collect();
        let values = grid.values.clone().unwrap_or_default();
        let width = |texts: &[String]| texts.iter().map(String::len).max().unwrap_or(1);
        let (position_width, value_width) = (width(&positions), width(&values));
        let mut value_slices = grid.slices(&values).into_iter();
        for (heading, rows) in grid.slices(&positions) {
            let value_rows = value_slices
                .next()
                .map(|(_, rows)| rows)
                .unwrap_or_default();
            let indent = if let Some(heading) = heading {
                out.push_str(&format!("  {heading}\n"));
                "    "
            } else {
                "  "
            };
            for (k, row) in rows.iter().enumerate() {
                let cells = padded(row, position_width);
                match value_rows.get(k) {
                    Some(values) => out.push_str(&format!(
                        "{indent}{cells}   {}\n",
                        padded(values, value_width)
                    )),
                    None => out.push_str(&format!("{indent}{cells}\n")),
                }
            }
        }
    }
    out.trim_end().to_owned()
}

/// Texts right-aligned in cells of one width, separated by a space.
fn padded(texts: &[String], width: usize) -> String {
    let cells: Vec<String> = texts.iter().map(|t| format!("{t:>width$}")).collect();
    cells.join(" ")
}
