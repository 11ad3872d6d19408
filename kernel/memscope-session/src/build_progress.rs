//! Shows a cell which crates cargo is compiling for it (the first `:dep`
//! of a crate can take many seconds), as one display that each new crate
//! updates and that a summary replaces when the cell ends.

use std::time::Instant;

use memscope_engine::{DisplayRequest, MimeBundle};

use crate::session::Observer;

/// Display ids differ per cell run (and per kernel process), so a later
/// cell never updates an earlier cell's progress.
pub struct BuildProgress {
    id: String,
    crates: Vec<String>,
    started: Instant,
}

impl BuildProgress {
    pub fn start(cell: usize, first_crate: String, observer: &mut dyn Observer) -> BuildProgress {
        let progress = BuildProgress {
            id: format!("memscope-build-{cell}-{}", std::process::id()),
            crates: vec![first_crate],
            started: Instant::now(),
        };
        progress.show(observer, false);
        progress
    }

    pub fn next_crate(&mut self, name: String, observer: &mut dyn Observer) {
        self.crates.push(name);
        self.show(observer, true);
    }

    /// Replaces the progress with what was built, and in how long.
    pub fn finish(self, observer: &mut dyn Observer) {
        let names: Vec<&str> = self
            .crates
            .iter()
            .map(|c| c.split(' ').next().unwrap_or(c))
            .collect();
        let text = format!(
            "Compiled {} in {:.1} s: {}",
            count(self.crates.len()),
            self.started.elapsed().as_secs_f64(),
            names.join(", ")
        );
        observer.display(DisplayRequest::Update {
            id: self.id,
            bundle: bundle(&text),
        });
    }

    fn show(&self, observer: &mut dyn Observer, update: bool) {
        let current = self.crates.last().map(String::as_str).unwrap_or_default();
        let text = format!(
            "Compiling {current} ({} so far, {:.0} s)",
            count(self.crates.len()),
            self.started.elapsed().as_secs_f64()
        );
        let (id, bundle) = (self.id.clone(), bundle(&text));
        observer.display(if update {
            DisplayRequest::Update { id, bundle }
        } else {
            DisplayRequest::Show {
                id: Some(id),
                bundle,
            }
        });
    }
}

fn count(crates: usize) -> String {
    if crates == 1 {
        "1 crate".to_owned()
    } else {
        format!("{crates} crates")
    }
}

fn bundle(text: &str) -> MimeBundle {
    vec![("text/plain".to_owned(), text.to_owned())]
}
