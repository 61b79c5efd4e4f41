//! Shared plumbing of the CSV readers: opening a reader, the header, column look-up, and turning
//! `csv` errors into one-line [`DataError`]s that name the file and line.

use std::io::Read;

use crate::DataError;

/// A strict CSV reader (header row, every row as wide as the header) over `reader`.
pub(crate) fn reader<R: Read>(reader: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader)
}

/// The header's column names, trimmed (a UTF-8 byte-order mark is dropped); an empty file or a
/// name given twice is a parse error on line 1.
pub(crate) fn header<R: Read>(
    csv: &mut csv::Reader<R>,
    source: &str,
) -> Result<Vec<String>, DataError> {
    let record = csv.headers().map_err(|e| csv_error(e, source))?;
    if record.is_empty() {
        return Err(DataError::Parse {
            path: source.to_string(),
            line: 1,
            message: "the file is empty: the first line must be a header naming the columns".into(),
        });
    }
    let names: Vec<String> = record
        .iter()
        .map(|name| name.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(DataError::Parse {
                path: source.to_string(),
                line: 1,
                message: format!("column '{name}' appears twice in the header"),
            });
        }
    }
    Ok(names)
}

/// Index of column `name` in `header`, or a [`DataError::MissingColumn`] listing the header.
pub(crate) fn column(header: &[String], name: &str, source: &str) -> Result<usize, DataError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| DataError::MissingColumn {
            path: source.to_string(),
            column: name.to_string(),
            available: header.join(", "),
        })
}

/// The 1-based line a record starts on (the header is line 1).
pub(crate) fn line_of(record: &csv::StringRecord) -> usize {
    record.position().map_or(0, |p| p.line() as usize)
}

/// A one-line [`DataError`] for a `csv` error: a row of the wrong width or bad UTF-8 becomes a
/// [`DataError::Parse`] on its line, a read failure a [`DataError::Io`].
pub(crate) fn csv_error(err: csv::Error, source: &str) -> DataError {
    let line = err.position().map_or(0, |p| p.line() as usize);
    let parse = |message: String| DataError::Parse {
        path: source.to_string(),
        line,
        message,
    };
    match err.into_kind() {
        csv::ErrorKind::Io(e) => DataError::Io {
            path: source.to_string(),
            message: e.to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => parse(format!(
            "{len} fields, but the rows before have {expected_len} (every row must be as wide as \
             the header)"
        )),
        csv::ErrorKind::Utf8 { err, .. } => parse(format!("not valid UTF-8 ({err})")),
        other => parse(format!("{other:?}")),
    }
}

/// Opens `path` for reading, as a buffered reader.
pub(crate) fn open(path: &std::path::Path) -> Result<std::io::BufReader<std::fs::File>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, &e))?;
    Ok(std::io::BufReader::with_capacity(1 << 16, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_and_repeated_names_are_parse_errors_with_lines() {
        // Line 1 is the header (2 fields), line 2 is fine, line 3 has 3 fields.
        let mut csv = reader("a,b\n1,2\n3,4,5\n".as_bytes());
        assert_eq!(header(&mut csv, "t.csv").unwrap(), ["a", "b"]);
        let err = csv
            .records()
            .find_map(|r| r.err())
            .map(|e| csv_error(e, "t.csv"))
            .unwrap();
        assert_eq!(
            err.to_string(),
            "t.csv, line 3: 3 fields, but the rows before have 2 (every row must be as wide as \
             the header)"
        );
        let err = header(&mut reader("a, b,a\n".as_bytes()), "t.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv, line 1: column 'a' appears twice in the header"
        );
        let err = column(&["a".into(), "b".into()], "c", "t.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: no column 'c' (the header has: a, b)"
        );
    }
}
