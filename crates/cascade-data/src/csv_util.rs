//! Shared plumbing of the CSV readers: opening a reader, the header, column look-up, and turning
//! `csv` errors into one-line [`DataError`]s that name the file and line.

use std::io::Read;

use crate::DataError;

/// The longest line a CSV reader takes, in bytes. The `csv` crate reads a whole record before
/// it can compare its width with the header's, and keeps 8 bytes an end of field besides the
/// text: a line of 10^8 fields would take 1 GB. Past this length the read stops with an error
/// instead, so a record holds at most about 5 times this in memory (64 MiB of text, 32 M field
/// ends).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// A strict CSV reader (header row, every row as wide as the header) over `reader`, whose lines
/// may be at most [`MAX_LINE_BYTES`] long.
pub(crate) fn reader<R: Read>(reader: R) -> csv::Reader<LineLimit<R>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(LineLimit {
            inner: reader,
            line: 1,
            since_newline: 0,
        })
}

/// A reader that fails once a line passes [`MAX_LINE_BYTES`] (written by hand: it is the one
/// bound the `csv` crate lacks, and a dozen lines).
pub(crate) struct LineLimit<R> {
    inner: R,
    /// The 1-based line the next byte is on.
    line: usize,
    since_newline: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {} MiB, more than any table cascade reads",
                            self.line,
                            MAX_LINE_BYTES >> 20
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
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
    fn a_line_past_the_limit_is_refused_as_it_is_read() {
        // A header, one good row, then a row of MAX_LINE_BYTES / 2 + 1 fields on line 3.
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b"0,".as_slice(), MAX_LINE_BYTES / 2 + 1).flatten());
        let mut csv = reader(text.as_slice());
        header(&mut csv, "t.csv").unwrap();
        let errors: Vec<String> = csv
            .records()
            .take(3)
            .filter_map(|r| r.err())
            .map(|e| csv_error(e, "t.csv").to_string())
            .collect();
        assert!(!errors.is_empty());
        assert!(
            errors[0].contains("line 3 is longer than 64 MiB"),
            "{}",
            errors[0]
        );
    }

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
