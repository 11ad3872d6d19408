//! The table as plain text: what terminals, nbconvert's markdown and its
//! LaTeX/PDF export show. ASCII only, so every PDF font has the glyphs.

use tabled::builder::Builder;
use tabled::settings::Style;

use super::RenderOptions;
use super::cells::{HEADERS, bytes, row_cells};
use super::picture::{Slot, pictures};
use crate::model::{GoneWhy, MemoryTable};

pub fn render(table: &MemoryTable, options: RenderOptions) -> String {
    let mut out = String::from("Memory after this cell\n");
    if !table.rows.is_empty() {
        let mut builder = Builder::default();
        let mut headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
        if options.addresses {
            headers.push("address".to_owned());
        }
        builder.push_record(headers);
        for row in table.rows.iter().take(super::MAX_ROWS) {
            let mut cells = row_cells(row).to_vec();
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
        for bar in &picture.bars {
            let marks: String = bar
                .covered
                .iter()
                .map(|slot| match slot {
                    Slot::Covered => '#',
                    Slot::Empty => '.',
                    Slot::Maybe => '?',
                })
                .collect();
            out.push_str(&format!("  {:width$}  {marks}\n", bar.name));
        }
        if picture.more > 0 {
            out.push_str(&format!("  ... and {} more\n", picture.more));
        }
    }
    out.trim_end().to_owned()
}
