//! The table as plain text: what terminals, nbconvert's markdown and its
//! LaTeX/PDF export show. ASCII only, so every PDF font has the glyphs.

use tabled::builder::Builder;
use tabled::settings::Style;

use super::RenderOptions;
use super::cells::{HEADERS, bytes, row_cells, shown_columns};
use super::grid::grids;
use super::picture::{Slot, legend, pictures};
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
    let mut shown_legend = None;
    for picture in pictures(table) {
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
        let width = picture
            .bars
            .iter()
            .map(|b| b.name.chars().count())
            .max()
            .unwrap_or(0);
        let legend = legend(&picture);
        // Numbered cells share one width: the widest number, and its `+`.
        let cell = if legend.is_some() {
            picture
                .bars
                .iter()
                .flat_map(|bar| &bar.covered)
                .map(|slot| mark(slot).len())
                .max()
                .unwrap_or(1)
        } else {
            1
        };
        for bar in &picture.bars {
            let marks: Vec<String> = bar
                .covered
                .iter()
                .map(|slot| format!("{:>cell$}", mark(slot)))
                .collect();
            let marks = marks.join(if cell > 1 { " " } else { "" });
            match &bar.walk {
                Some(walk) => out.push_str(&format!("  {:width$}  {marks}  {walk}\n", bar.name)),
                None => out.push_str(&format!("  {:width$}  {marks}\n", bar.name)),
            }
        }
        if picture.more > 0 {
            out.push_str(&format!("  ... and {} more\n", picture.more));
        }
        shown_legend = shown_legend.or(legend);
    }
    // Said once, under the last picture.
    if let Some(legend) = shown_legend {
        out.push_str(&format!("  ({legend})\n"));
    }
    for grid in grids(table) {
        let dims: Vec<String> = grid.shape.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "\n{} ({}): the buffer position each element reads\n",
            grid.name,
            dims.join(" x ")
        ));
        let cell = grid
            .positions
            .iter()
            .map(|p| p.to_string().len())
            .max()
            .unwrap_or(1);
        for (heading, rows) in grid.slices() {
            let indent = if let Some(heading) = heading {
                out.push_str(&format!("  {heading}\n"));
                "    "
            } else {
                "  "
            };
            for row in rows {
                let cells: Vec<String> = row.iter().map(|p| format!("{p:>cell$}")).collect();
                out.push_str(&format!("{indent}{}\n", cells.join(" ")));
            }
        }
    }
    out.trim_end().to_owned()
}

/// One slot as text: its order number (with `+` if read again), or a mark.
fn mark(slot: &Slot) -> String {
    match slot {
        Slot::Element { order, repeated } => {
            format!("{order}{}", if *repeated { "+" } else { "" })
        }
        Slot::Covered => "#".to_owned(),
        Slot::Empty => ".".to_owned(),
        Slot::Maybe => "?".to_owned(),
    }
}
