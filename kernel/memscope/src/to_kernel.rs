//! Every conversion from the session's plain types to the dispatcher's,
//! in one place (rust-analyzer's `to_proto`): streams, displays,
//! completions, completeness, a cell's report and the Variables panel.
//!
//! Invariant: conversion only: no decision about what a cell means.

use std::sync::Arc;

use memscope_kernel::debug::{PublishedVariables, VariableView};
use memscope_kernel::interpreter::{
    CellError, CellOutcome, Completeness, Completions, Display, MimeBundle, MimeData, StreamName,
};
use memscope_session::{
    Completeness as SessionCompleteness, CompletionSet, DisplayRequest, Failure, Ran, Rendering,
    StreamKind, TableBundle, Variables,
};

/// A bundle a cell printed: text (JSON among it is parsed on the way out).
pub fn text_bundle(bundle: Vec<(String, String)>) -> MimeBundle {
    bundle
        .into_iter()
        .map(|(mime, text)| (mime, MimeData::Text(text)))
        .collect()
}

/// The memory table's renderings: its JSON stays the text it was written as.
pub fn table_bundle(bundle: TableBundle) -> MimeBundle {
    bundle
        .into_iter()
        .map(|(mime, rendering)| {
            let data = match rendering {
                Rendering::Text(text) => MimeData::Text(text),
                Rendering::Json(json) => MimeData::Json(json),
            };
            (mime, data)
        })
        .collect()
}

pub fn stream_name(kind: StreamKind) -> StreamName {
    match kind {
        StreamKind::Stdout => StreamName::Stdout,
        StreamKind::Stderr => StreamName::Stderr,
    }
}

/// A display or an update; a clear is its own call, so it comes back as
/// `Err(wait)`.
pub fn display(request: DisplayRequest) -> Result<Display, bool> {
    match request {
        DisplayRequest::Show { id, bundle } => Ok(Display::Show {
            data: text_bundle(bundle),
            id,
        }),
        DisplayRequest::Update { id, bundle } => Ok(Display::Update {
            data: text_bundle(bundle),
            id,
        }),
        DisplayRequest::Clear { wait } => Err(wait),
    }
}

pub fn completions(found: CompletionSet) -> Completions {
    Completions {
        matches: found.matches,
        kinds: found.kinds.into_iter().map(str::to_owned).collect(),
        signatures: found.details,
        start: found.start,
        end: found.end,
    }
}

pub fn completeness(completeness: SessionCompleteness) -> Completeness {
    match completeness {
        SessionCompleteness::Complete => Completeness::Complete,
        SessionCompleteness::Incomplete(indent) => Completeness::Incomplete(indent),
        SessionCompleteness::Invalid => Completeness::Invalid,
    }
}

/// A cell's result and what follows it.
pub fn outcome(result: Result<Ran, Failure>, after: Vec<TableBundle>) -> CellOutcome {
    match result {
        Ok(Ran { value, page }) => CellOutcome::Ok {
            result: text_bundle(value),
            page: page.map(text_bundle),
            after: after.into_iter().map(table_bundle).collect(),
        },
        Err(failure) => CellOutcome::Error(cell_error(failure)),
    }
}

/// Like Python's, the traceback ends with `name: value`, so tools that
/// show only the traceback (nbconvert's error message) still name it.
fn cell_error(failure: Failure) -> CellError {
    let mut traceback = failure.details;
    traceback.push(String::new());
    traceback.push(format!("{}: {}", failure.name, failure.summary));
    CellError {
        ename: failure.name.to_owned(),
        evalue: failure.summary,
        traceback,
    }
}

/// The Variables panel's snapshot; "Render Variable" asks the session's
/// view, which shares the memory table.
pub fn variables_snapshot(variables: Variables) -> PublishedVariables {
    let views = variables
        .list
        .iter()
        .map(|variable| VariableView {
            name: variable.name.clone(),
            type_name: variable.type_name.clone(),
            value: variable.value.clone(),
            fields: variable.fields.clone(),
        })
        .collect();
    PublishedVariables {
        variables: views,
        render: Arc::new(move |name| variables.render(name).map(table_bundle)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_json_stays_json_text() {
        let json = || serde_json::value::RawValue::from_string(r#"{"version":3}"#.into()).unwrap();
        let converted = table_bundle(vec![
            ("text/plain".into(), Rendering::Text("t".into())),
            ("application/json".into(), Rendering::Json(json())),
        ]);
        assert_eq!(
            converted[1],
            ("application/json".into(), MimeData::Json(json()))
        );
        assert_eq!(converted[0].1, MimeData::Text("t".into()));
    }

    #[test]
    fn a_failure_ends_its_traceback_with_its_name_and_summary() {
        let failure = Failure {
            name: "Panic",
            summary: "index out of bounds".into(),
            details: vec!["the cell panicked:".into()],
        };
        match outcome(Err(failure), Vec::new()) {
            CellOutcome::Error(error) => {
                assert_eq!(error.ename, "Panic");
                assert_eq!(error.evalue, "index out of bounds");
                assert_eq!(
                    error.traceback,
                    ["the cell panicked:", "", "Panic: index out of bounds"]
                );
            }
            ok => panic!("{ok:?}"),
        }
    }

    #[test]
    fn displays_updates_and_clears_stay_apart() {
        let bundle = vec![("text/plain".to_owned(), "x".to_owned())];
        let update = display(DisplayRequest::Update {
            id: "d".into(),
            bundle: bundle.clone(),
        });
        assert_eq!(
            update,
            Ok(Display::Update {
                data: text_bundle(bundle),
                id: "d".into()
            })
        );
        assert_eq!(display(DisplayRequest::Clear { wait: true }), Err(true));
    }
}
