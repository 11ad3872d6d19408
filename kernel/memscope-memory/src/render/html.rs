//! The table as HTML for JupyterLab and nbconvert's HTML export.
//!
//! Untrusted notebooks pass through a sanitizer that drops `<style>`,
//! `<svg>`, classes' CSS and CSS variables, so everything here is plain
//! tags with inline styles of fixed colours. Badges carry their own white
//! text on a mid-tone colour and borders are grey, so the table reads the
//! same on a light and on a dark theme.

use super::RenderOptions;
use super::cells::{HEADERS, bytes, row_cells, shown_columns};
use super::grid::grids;
use super::picture::{Slot, VALUES_LABEL, legend, pictures};
use crate::model::{Change, GoneWhy, MemoryTable, Role};

const CELL: &str =
    "padding:2px 8px;border-bottom:1px solid #8888887a;text-align:left;white-space:nowrap";
const HEAD: &str = "padding:2px 8px;border-bottom:2px solid #888888;text-align:left;font-weight:bold;white-space:nowrap";

fn role_colour(role: Role) -> &'static str {
    match role {
        Role::Owner => "#2e7d32",
        Role::View => "#1565c0",
        Role::Alias => "#c2410c",
        Role::CopyOnWrite => "#a21caf",
    }
}

fn badge(text: &str, colour: &str) -> String {
    format!(
        "<span style=\"background-color:{colour};color:#ffffff;padding:0 6px;border-radius:3px\">{}</span>",
        escape(text)
    )
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(table: &MemoryTable, options: RenderOptions) -> String {
    let mut html = String::from(
        "<div style=\"font-family:monospace;font-size:12px;line-height:1.5\">\
         <div style=\"font-weight:bold;margin:4px 0\">Memory after this cell</div>",
    );
    if !table.rows.is_empty() {
        let listed = &table.rows[..table.rows.len().min(super::MAX_ROWS)];
        let (shown, folded) = shown_columns(listed);
        html.push_str("<table style=\"border-collapse:collapse;margin:0\"><thead><tr>");
        let mut headers: Vec<&str> = shown.iter().map(|&c| HEADERS[c]).collect();
        if options.addresses {
            headers.push("address");
        }
        for header in headers {
            html.push_str(&format!("<th style=\"{HEAD}\">{}</th>", escape(header)));
        }
        html.push_str("</tr></thead><tbody>");
        for row in listed {
            let mut all: Vec<String> = row_cells(row).iter().map(|c| escape(c)).collect();
            all[0] = format!("<b>{}</b>", all[0]);
            all[6] = badge(super::cells::role(row.role), role_colour(row.role));
            all[11] = match row.changed {
                Change::Unchanged => all[11].clone(),
                Change::New => badge("new", "#6d28d9"),
                Change::Modified => badge("modified", "#b45309"),
            };
            let mut cells: Vec<String> = shown.iter().map(|&c| all[c].clone()).collect();
            if options.addresses {
                cells.push(format!("{:#x}", row.address));
            }
            html.push_str("<tr>");
            for cell in cells {
                html.push_str(&format!("<td style=\"{CELL}\">{cell}</td>"));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table>");
        if let Some(folded) = folded {
            html.push_str(&format!(
                "<div style=\"margin:2px 0\">{}</div>",
                escape(&folded)
            ));
        }
        if let Some(left_out) = super::rows_left_out(table) {
            html.push_str(&format!(
                "<div style=\"margin:2px 0\">{}</div>",
                escape(&left_out)
            ));
        }
    }
    for line in super::unlisted(table) {
        html.push_str(&format!(
            "<div style=\"margin:2px 0\">{}</div>",
            escape(&line)
        ));
    }
    for gone in &table.gone {
        let why = match &gone.why {
            GoneWhy::Moved { into } => format!(
                "moved into <b>{}</b> (same buffer, new owner)",
                escape(into)
            ),
            GoneWhy::Dropped => "dropped".to_owned(),
        };
        html.push_str(&format!(
            "<div style=\"margin:2px 0\"><b>{}</b> is gone: {why}</div>",
            escape(&gone.name)
        ));
    }
    let pictures = pictures(table);
    for picture in &pictures {
        let unit = if picture.elements_per_slot == 1 {
            "one box per element".to_owned()
        } else {
            format!("one box per {} elements", picture.elements_per_slot)
        };
        html.push_str(&format!(
            "<div style=\"margin:8px 0 2px 0\"><b>{}</b> ({}, {unit})</div>\
             <table style=\"border-collapse:separate;border-spacing:1px;margin:0\"><tbody>",
            picture.buffer,
            bytes(picture.bytes)
        ));
        for bar in &picture.bars {
            let colour = table
                .row(&bar.name)
                .map_or("#888888", |row| role_colour(row.role));
            html.push_str(&format!(
                "<tr><td style=\"padding:0 8px 0 0;text-align:right\">{}</td>",
                escape(&bar.name)
            ));
            for slot in &bar.covered {
                // Every cell holds text, so the picture reads where styles
                // are stripped: numbers, `#` for a covered run, `.` where
                // the variable is not (in grey, legible on both themes).
                let (fill, ink, text) = match slot {
                    Slot::Covered => (colour, "#ffffff", "#".to_owned()),
                    Slot::Element { order, repeated } => {
                        let plus = if *repeated { "+" } else { "" };
                        // The first element, the view's offset, in bold.
                        if *order == 0 {
                            (colour, "#ffffff", format!("<b>0{plus}</b>"))
                        } else {
                            (colour, "#ffffff", format!("{order}{plus}"))
                        }
                    }
                    Slot::Empty => ("transparent", "#888888", ".".to_owned()),
                    Slot::Maybe => ("#9ca3af", "#ffffff", "?".to_owned()),
                };
                html.push_str(&format!(
                    "<td style=\"min-width:9px;height:12px;padding:0 2px;background-color:{fill};color:{ink};border:1px solid #888888;text-align:center;font-size:10px\">{text}</td>"
                ));
            }
            if let Some(walk) = &bar.walk {
                html.push_str(&format!(
                    "<td style=\"padding:0 0 0 8px;white-space:nowrap\">{}</td>",
                    escape(walk)
                ));
            }
            html.push_str("</tr>");
        }
        if let Some(values) = &picture.values {
            html.push_str(&format!(
                "<tr><td style=\"padding:0 8px 0 0;text-align:right;color:#888888\">{VALUES_LABEL}</td>"
            ));
            for value in values {
                html.push_str(&format!(
                    "<td style=\"min-width:9px;height:12px;padding:0 2px;border:1px solid #888888;text-align:center;font-size:10px\">{}</td>",
                    escape(value.as_deref().unwrap_or(""))
                ));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table>");
        if picture.more > 0 {
            html.push_str(&format!("<div>... and {} more</div>", picture.more));
        }
    }
    // Said once, under the last picture.
    for line in legend(&pictures) {
        html.push_str(&format!(
            "<div style=\"margin:2px 0\">{}</div>",
            escape(line)
        ));
    }
    for grid in grids(table) {
        let dims: Vec<String> = grid.shape.iter().map(ToString::to_string).collect();
        let colour = table
            .row(&grid.name)
            .map_or("#888888", |row| role_colour(row.role));
        let what = grid.caption("and under it");
        html.push_str(&format!(
            "<div style=\"margin:8px 0 2px 0\"><b>{}</b> ({}): {what}</div>",
            escape(&grid.name),
            dims.join(" &times; ")
        ));
        let values = grid.values.clone().unwrap_or_default();
        let mut value_slices = grid.slices(&values).into_iter();
        for (heading, rows) in grid.slices(&grid.positions) {
            let value_rows = value_slices
                .next()
                .map(|(_, rows)| rows)
                .unwrap_or_default();
            if let Some(heading) = heading {
                html.push_str(&format!("<div>{}</div>", escape(&heading)));
            }
            html.push_str(
                "<table style=\"border-collapse:separate;border-spacing:1px;margin:0\"><tbody>",
            );
            for (k, row) in rows.iter().enumerate() {
                html.push_str("<tr>");
                for (j, position) in row.iter().enumerate() {
                    // The value under the position, on a line of its own so
                    // that it reads where styles are stripped.
                    let value = value_rows.get(k).and_then(|values| values.get(j)).map_or(
                        String::new(),
                        |value| {
                            format!("<br><span style=\"font-size:9px\">{}</span>", escape(value))
                        },
                    );
                    html.push_str(&format!(
                        "<td style=\"min-width:14px;padding:0 3px;background-color:{colour};color:#ffffff;border:1px solid #888888;text-align:center;font-size:10px\">{position}{value}</td>"
                    ));
                }
                html.push_str("</tr>");
            }
            html.push_str("</tbody></table>");
        }
    }
    html.push_str("</div>");
    html
}
