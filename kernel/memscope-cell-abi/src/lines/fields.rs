//! How one variable's [`ArrayFacts`] travel as fields of a memory message.
//!
//! Lists are comma-separated numbers and the storage is one field of
//! space-separated words, so no field ever needs the separator.

use crate::facts::{ArrayFacts, BufferFacts, DTYPES, Region, Storage, ValueSample};

/// How many channel fields one variable takes (see [`to_fields`]).
pub(super) const FIELDS_PER_VARIABLE: usize = 10;

/// Encodes a named variable's facts as channel fields. Lists are
/// comma-separated numbers, so no field ever needs the separator.
pub(super) fn to_fields(name: &str, facts: &ArrayFacts) -> [String; FIELDS_PER_VARIABLE] {
    [
        name.to_owned(),
        facts.type_name.clone(),
        facts.dtype.to_owned(),
        facts.itemsize.to_string(),
        join(&facts.shape),
        join(&facts.strides),
        facts.first.to_string(),
        u8::from(facts.writeable).to_string(),
        storage_field(&facts.storage),
        values_field(&facts.values),
    ]
}

/// The inverse of [`to_fields`]; `None` for anything malformed.
pub(super) fn from_fields(fields: &[String]) -> Option<(String, ArrayFacts)> {
    let [
        name,
        type_name,
        dtype,
        itemsize,
        shape,
        strides,
        first,
        writeable,
        storage,
        values,
    ] = fields
    else {
        return None;
    };
    let facts = ArrayFacts {
        type_name: type_name.clone(),
        dtype: DTYPES.iter().find(|known| *known == dtype)?,
        itemsize: itemsize.parse().ok()?,
        shape: split(shape)?,
        strides: split(strides)?,
        first: first.parse().ok()?,
        writeable: match writeable.as_str() {
            "1" => true,
            "0" => false,
            _ => return None,
        },
        storage: parse_storage(storage)?,
        values: parse_values(values)?,
    };
    (facts.shape.len() == facts.strides.len()).then_some((name.clone(), facts))
}

fn join<N: ToString>(numbers: &[N]) -> String {
    numbers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split<N: std::str::FromStr>(text: &str) -> Option<Vec<N>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|n| n.parse().ok()).collect()
}

fn storage_field(storage: &Storage) -> String {
    match storage {
        Storage::Owned => "owned".to_owned(),
        Storage::Shared { unique: true } => "shared unique".to_owned(),
        Storage::Shared { unique: false } => "shared".to_owned(),
        Storage::Borrowed => "borrowed".to_owned(),
        Storage::Buffer(buffer) => {
            let mut field = format!(
                "buffer {} {} {} {}",
                buffer.start,
                buffer.len,
                u8::from(buffer.owns_data),
                buffer.identity
            );
            for region in &buffer.written {
                field.push_str(&format!(
                    " {}/{}/{}",
                    region.first,
                    join(&region.shape),
                    join(&region.strides)
                ));
            }
            field
        }
    }
}

fn parse_storage(field: &str) -> Option<Storage> {
    let mut words = field.split(' ');
    Some(match words.next()? {
        "owned" => Storage::Owned,
        "borrowed" => Storage::Borrowed,
        "shared" => Storage::Shared {
            unique: words.next() == Some("unique"),
        },
        "buffer" => {
            let start = words.next()?.parse().ok()?;
            let len = words.next()?.parse().ok()?;
            let owns_data = words.next()? == "1";
            let identity = words.next()?.parse().ok()?;
            let written = words.map(parse_region).collect::<Option<_>>()?;
            Storage::Buffer(BufferFacts {
                start,
                len,
                owns_data,
                identity,
                written,
            })
        }
        _ => return None,
    })
}

/// `head|tail`, each a comma-separated list: a value is a number, `inf`,
/// `NaN` or a `bool`, so it never holds `,` or `|`.
fn values_field(values: &ValueSample) -> String {
    format!("{}|{}", values.head.join(","), values.tail.join(","))
}

fn parse_values(field: &str) -> Option<ValueSample> {
    let (head, tail) = field.split_once('|')?;
    let list = |text: &str| -> Vec<String> {
        if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').map(str::to_owned).collect()
        }
    };
    Some(ValueSample {
        head: list(head),
        tail: list(tail),
    })
}

fn parse_region(word: &str) -> Option<Region> {
    let mut parts = word.split('/');
    let region = Region {
        first: parts.next()?.parse().ok()?,
        shape: split(parts.next()?)?,
        strides: split(parts.next()?)?,
    };
    (parts.next().is_none() && region.shape.len() == region.strides.len()).then_some(region)
}
