//! CSV exports: streamed record by record; a reported problem is located by re-reading
//! just its line.

use super::*;

/// The character column where field `index` of the record starting at `byte` begins, and
/// that line's text: read back from the file only when something is reported.
fn csv_locate(path: &Path, byte: u64, index: usize, delimiter: u8) -> (u32, Option<String>) {
    let Ok(mut f) = std::fs::File::open(path) else {
        return (1, None);
    };
    // Positions count from after a byte-order mark.
    let mut bom = [0u8; 3];
    let skip = if f.read_exact(&mut bom).is_ok() && bom == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    };
    if f.seek(std::io::SeekFrom::Start(byte + skip)).is_err() {
        return (1, None);
    }
    let mut buf = Vec::new();
    let _ = f.take(64 * 1024).read_to_end(&mut buf);
    let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    let line = &buf[..end];
    let mut field = 0;
    let mut quoted = false;
    let mut at = 0;
    for (i, b) in line.iter().enumerate() {
        if field == index {
            at = i;
            break;
        }
        match *b {
            b'"' => quoted = !quoted,
            d if d == delimiter && !quoted => {
                field += 1;
                at = i + 1;
            }
            _ => {}
        }
    }
    if field < index {
        at = line.len();
    }
    let text = String::from_utf8_lossy(line);
    let col = String::from_utf8_lossy(&line[..at.min(line.len())])
        .chars()
        .count() as u32
        + 1;
    (col, Some(text.trim_end_matches('\r').to_owned()))
}

pub(super) fn read_csv(
    path: &Path,
    reader: &mut Source,
    map: Option<&Map>,
    fold: &mut Fold,
    file: usize,
    rep: &mut Reporter,
) {
    let delimiter = map.map_or(b',', |m| m.delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let mut rec = csv::ByteRecord::new();
    let locate = |byte: u64, index: usize| csv_locate(path, byte, index, delimiter);
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            rep.diags.push(Diagnostic {
                level: Level::Warning,
                file: rep.file.clone(),
                pos: None,
                message: "evidence file is empty".into(),
                help: None,
                source_line: None,
            });
            return;
        }
        Err(e) => {
            rep.file_error(
                format!("cannot read the header: {e}"),
                "check that this is a CSV file",
            );
            return;
        }
    }
    let header_byte = rec.position().map_or(0, |p| p.byte());
    let mut header = Vec::new();
    for (i, h) in rec.iter().enumerate() {
        match std::str::from_utf8(h) {
            Ok(s) => header.push(s.trim().to_owned()),
            Err(_) => {
                let (col, line) = locate(header_byte, i);
                rep.issue(
                    Issue::error(
                        Field::Capability,
                        "header is not UTF-8 text".into(),
                        "save or export the file as UTF-8",
                    ),
                    Some(Pos::new(1, col)),
                    line,
                );
                return;
            }
        }
    }
    let mut idx: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
    let mut bad = false;
    match map {
        None => {
            for (i, h) in header.iter().enumerate() {
                match Field::parse(h) {
                    Some(f) if idx[f.index()].is_some() => {
                        let (col, line) = locate(header_byte, i);
                        rep.issue(
                            Issue::error(
                                f,
                                format!("column `{h}` appears twice"),
                                "keep one column per field",
                            ),
                            Some(Pos::new(1, col)),
                            line,
                        );
                        bad = true;
                    }
                    Some(f) => idx[f.index()] = Some(i),
                    None => {
                        let (col, line) = locate(header_byte, i);
                        let names = Field::names();
                        let help = match did_you_mean(h, names.iter().copied()) {
                            Some(s) => format!(
                                "did you mean `{s}`? (or describe this export's columns in an --evidence-map)"
                            ),
                            None => format!(
                                "a CSV without a map has the columns {}; describe other exports in an --evidence-map",
                                names.join(",")
                            ),
                        };
                        rep.issue(
                            Issue {
                                level: Level::Error,
                                field: None,
                                message: format!("unknown column `{}`", shorten(h)),
                                help: Some(help),
                            },
                            Some(Pos::new(1, col)),
                            line,
                        );
                        bad = true;
                    }
                }
            }
            for f in [Field::Capability, Field::When, Field::Outcome] {
                if idx[f.index()].is_none() {
                    rep.file_error(
                        format!("the header has no `{f}` column"),
                        "a CSV without a map needs the columns capability, when and outcome (provider, reference, responded_after, resolved_after are optional)",
                    );
                    bad = true;
                }
            }
        }
        Some(m) => {
            for f in Field::ALL {
                let Some(want) = m.column(*f) else { continue };
                let found = header
                    .iter()
                    .position(|h| h == want)
                    .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(want)));
                match found {
                    Some(i) => idx[f.index()] = Some(i),
                    None => {
                        let names: Vec<&str> = header.iter().map(String::as_str).collect();
                        rep.file_error(
                            format!(
                                "the header has no column `{want}`, which map {} names for `{f}`",
                                m.path
                            ),
                            &choose_help(want, &names),
                        );
                        bad = true;
                    }
                }
            }
        }
    }
    // A lenient run still needs a usable header: every row would be wrong.
    if bad {
        rep.errors = rep.errors.max(1);
        if rep.lenient {
            rep.file_error(
                "the header cannot be used, so no row of this file can be read".into(),
                "fix the header (--evidence-lenient skips bad rows, not bad headers)",
            );
        }
        return;
    }
    let width = header.len();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let go = rep.issue(
                    Issue {
                        level: Level::Error,
                        field: None,
                        message: format!("cannot read the row: {e}"),
                        help: Some("check the file's quoting and encoding".into()),
                    },
                    Some(Pos::new(line as u32, 1)),
                    None,
                );
                fold.files[file].skipped += 1;
                if !go || !rep.lenient {
                    return;
                }
                continue;
            }
        }
        let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
        let line_no = pos.line();
        if rec.as_slice().len() > MAX_RECORD_BYTES {
            rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("row is longer than {MAX_RECORD_BYTES} bytes"),
                    help: Some(
                        "an unclosed quote makes the rest of the file one field: check the quoting"
                            .into(),
                    ),
                },
                Some(Pos::new(line_no as u32, 1)),
                None,
            );
            return;
        }
        if rec.len() != width {
            let (col, text) = if rep.shows(Level::Error) {
                locate(pos.byte(), rec.len().min(width))
            } else {
                (1, None)
            };
            let next_line = rdr.position().line();
            let spans = next_line.saturating_sub(line_no);
            let help = if spans > 1 {
                format!(
                    "the row runs over {spans} lines: a quote is probably not closed (quotes inside a field are written twice: \"\")"
                )
            } else {
                "every row needs one value per header column; quote values containing the delimiter"
                    .to_owned()
            };
            fold.files[file].skipped += 1;
            if !rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("row has {} field(s); the header has {width}", rec.len()),
                    help: Some(help),
                },
                Some(Pos::new(line_no as u32, col)),
                text,
            ) {
                return;
            }
            continue;
        }
        let mut utf8_error = None;
        let mut vals: [Option<&str>; Field::COUNT] = [None; Field::COUNT];
        for f in Field::ALL {
            vals[f.index()] = match idx[f.index()] {
                None => None,
                Some(i) => match std::str::from_utf8(&rec[i]) {
                    Ok(s) => Some(s),
                    Err(_) => {
                        utf8_error = Some(i);
                        None
                    }
                },
            };
        }
        if let Some(i) = utf8_error {
            let (col, text) = if rep.shows(Level::Error) {
                locate(pos.byte(), i)
            } else {
                (1, None)
            };
            fold.files[file].skipped += 1;
            if !rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: "value is not UTF-8 text".into(),
                    help: Some(
                        "save or export the file as UTF-8 (it looks like Latin-1 or Windows-1252)"
                            .into(),
                    ),
                },
                Some(Pos::new(line_no as u32, col)),
                text,
            ) {
                return;
            }
            continue;
        }
        if let Err(issue) = fold.row(&vals, map, file, line_no) {
            fold.files[file].skipped += 1;
            let i = issue.field.and_then(|f| idx[f.index()]).unwrap_or(0);
            // Re-reading the line costs a file open: only for what will be printed.
            let (col, text) = if rep.shows(issue.level) {
                locate(pos.byte(), i)
            } else {
                (1, None)
            };
            if !rep.issue(issue, Some(Pos::new(line_no as u32, col)), text) {
                return;
            }
            if fold.over_budget() {
                return;
            }
        }
        if fold.over_budget() {
            return;
        }
        if rep.errors > 0 && !rep.lenient && rep.errors >= MAX_ERRORS_PER_FILE {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_are_found_past_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "a,b\n\"x,y\",zz,\"w\"\n").unwrap();
        assert_eq!(csv_locate(&p, 4, 1, b',').0, 7);
        assert_eq!(csv_locate(&p, 4, 2, b',').0, 10);
    }
}
