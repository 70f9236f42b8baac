//! Data rows written as SpreadsheetML straight into a sheet's zip entry, for
//! the sheets with a row per unit or per finding (评分明细, 问题清单).
//!
//! rust_xlsxwriter costs about 0.3 µs a cell (a map per row, a SipHash of the
//! whole `Format` for every formatted cell) and writes every sheet's XML to a
//! temporary file that its save then compresses on one thread. A summary of
//! 10,000 units has about 1.5 million cells in those two sheets. So
//! rust_xlsxwriter writes them with their header, widths, panes, notes and print
//! setup only, and hands back a [`Deferred`]: the rows, written here when the
//! workbook is sealed, each sheet on its own thread into its own compressed
//! entry ([`crate::output`]). The XML is the one rust_xlsxwriter writes for the
//! same calls (inline strings with its escapes, row heights as it rounds them),
//! so the file is the same file; the tests compare the two.
//!
//! ```ignore
//! let rows = Deferred::new(2, 1, None, move |rows: &mut Rows| {
//!     rows.row(1, None)?;
//!     rows.text(0, "a.xlsx", xf.text);
//!     rows.number(1, 4.5, 0);
//!     Ok(())
//! });
//! ```

use anyhow::{Result, bail, ensure};
use rust_xlsxwriter::Format;

/// What writes a sheet's rows.
type RowWriter<'a> = Box<dyn FnOnce(&mut Rows) -> Result<()> + Send + 'a>;

/// Rows to write into sheet `sheet` (its index in the workbook) when the workbook is sealed.
pub(crate) struct Deferred<'a> {
    /// The sheet's index in the workbook: its part is `xl/worksheets/sheet{sheet + 1}.xml`.
    pub sheet: usize,
    /// The first row (0-based) the rows may use: rust_xlsxwriter wrote those above it.
    first: u32,
    /// How many rows the rows take, from `first`, and their last column:
    /// the sheet's dimension comes before them.
    extent: (u32, u16),
    /// The sheet's default row height in points, when it is not Excel's 15.
    default_height: Option<f64>,
    /// The style of the sheet's A1 as rust_xlsxwriter wrote it, checked against [`Styles`].
    a1: u32,
    write: RowWriter<'a>,
}

impl<'a> Deferred<'a> {
    /// `rows` rows from `first` on, up to column `last_col`, in sheet `sheet`,
    /// whose default row height (if set with `set_default_row_height`) is
    /// `default_height` and whose A1 rust_xlsxwriter wrote in style `a1`.
    pub fn new(
        sheet: usize,
        first: u32,
        (rows, last_col): (u32, u16),
        default_height: Option<f64>,
        a1: u32,
        write: impl FnOnce(&mut Rows) -> Result<()> + Send + 'a,
    ) -> Self {
        Deferred { sheet, first, extent: (rows, last_col), default_height, a1, write: Box::new(write) }
    }

    /// The sheet's part in the package.
    pub fn part(&self) -> String {
        format!("xl/worksheets/sheet{}.xml", self.sheet + 1)
    }

    /// The whole sheet: rust_xlsxwriter's `part` (its own rows, all above
    /// `first`) with these rows spliced in, streamed to `out`.
    pub fn splice(self, part: &str, out: &mut dyn std::io::Write) -> Result<()> {
        let (head, tail) = split(part, self.first)?;
        // The styles kaohe numbered must be the ones rust_xlsxwriter gave out.
        let a1 = if self.a1 > 0 { format!("<c r=\"A1\" s=\"{}\"", self.a1) } else { "<c r=\"A1\"".into() };
        ensure!(head.prefix.contains(&a1), "the sheet's styles are not numbered as kaohe numbered them");
        // The dimension says where the cells are: the one part of the head that depends on the rows.
        let (n, last_col) = self.extent;
        let last_row = if n == 0 { head.last_row } else { head.last_row.max(self.first + n - 1) };
        let dimension = format!("<dimension ref=\"A1:{}{}\"/>", column_name(last_col.max(head.last_col)), last_row + 1);
        let mut rows = Rows::new(out, self.first, self.default_height);
        rows.buf.extend_from_slice(&head.prefix.as_bytes()[..head.dimension.start]);
        rows.buf.extend_from_slice(dimension.as_bytes());
        rows.buf.extend_from_slice(&head.prefix.as_bytes()[head.dimension.end..]);
        (self.write)(&mut rows)?;
        rows.end_row();
        ensure!(rows.last_row <= last_row && rows.last_col <= last_col.max(head.last_col), "the rows go past the extent they declared");
        rows.buf.extend_from_slice(tail.as_bytes());
        rows.finish()
    }
}

/// rust_xlsxwriter's part cut where the rows go.
struct Head {
    /// Everything before the insertion point.
    prefix: String,
    /// Where `<dimension …/>` is in `prefix`.
    dimension: std::ops::Range<usize>,
    last_row: u32,
    last_col: u16,
}

/// Cut `part` before its first row below `first` (or before `</sheetData>`),
/// checking that it is a worksheet as rust_xlsxwriter writes one.
///
/// rust_xlsxwriter 0.102 writes the last row of a constant-memory sheet twice
/// when it was given a height, the second time empty (`<row r="9" ht="36"/>`
/// after row 9 with its cells); Excel allows each row once, so such a repeat is
/// left out.
fn split(part: &str, first: u32) -> Result<(Head, String)> {
    let Some(start) = part.find("<dimension ref=\"") else { bail!("the sheet has no dimension") };
    let len = part[start..].find("/>").map(|e| e + 2).unwrap_or(0);
    ensure!(len > 0, "the sheet's dimension is not closed");
    let dimension = start..start + len;
    let range = &part[start + 16..start + len - 3];
    let (last_col, last_row) =
        parse_ref(range.rsplit_once(':').map_or(range, |(_, end)| end)).ok_or_else(|| anyhow::anyhow!("the sheet's dimension is not a cell range"))?;
    let Some(data) = part.find("<sheetData>") else { bail!("the sheet has no header row to write rows below") };
    let end = part[data..].find("</sheetData>").map(|e| data + e).ok_or_else(|| anyhow::anyhow!("the sheet's data is not closed"))?;
    // The rows, repeats left out, and where the new rows go among them.
    let mut kept = part[..data].to_string();
    let mut cut = None;
    let mut seen = Vec::new();
    let mut at = data;
    for (i, _) in part[data..end].match_indices("<row r=\"") {
        let i = data + i;
        let digits: String = part[i + 8..].chars().take_while(char::is_ascii_digit).collect();
        let Ok(r) = digits.parse::<u32>() else { bail!("a row of the sheet has no number") };
        let close = part[i..end].find('>').map(|e| i + e).ok_or_else(|| anyhow::anyhow!("a row of the sheet is not closed"))?;
        let repeat = part.as_bytes()[close - 1] == b'/' && seen.contains(&r);
        if repeat || (r > first && cut.is_none()) {
            kept.push_str(&part[at..i]);
            at = if repeat { close + 1 } else { i };
        }
        if r > first && cut.is_none() {
            cut = Some(kept.len());
        }
        seen.push(r);
    }
    kept.push_str(&part[at..]);
    let cut = cut.unwrap_or(kept.len() - (part.len() - end));
    let tail = kept.split_off(cut);
    Ok((Head { prefix: kept, dimension, last_row: last_row.saturating_sub(1), last_col }, tail))
}

/// "AB12" → (27, 12).
fn parse_ref(r: &str) -> Option<(u16, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_uppercase).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].bytes().fold(0u32, |n, b| n * 26 + (b - b'A' + 1) as u32) - 1;
    Some((u16::try_from(col).ok()?, r[letters..].parse().ok()?))
}

/// "A" for 0, "AA" for 26.
pub(crate) fn column_name(col: u16) -> String {
    let mut n = col as u32 + 1;
    let mut s = Vec::new();
    while n > 0 {
        s.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The tallest row Excel keeps, in points: a taller one is written this tall.
pub(crate) const MAX_ROW_HEIGHT: f64 = 409.0;

/// Excel's limit on a cell's text, in UTF-16 units.
const MAX_TEXT: usize = 32_767;

/// The writer of one sheet's rows; see [`Deferred`].
pub(crate) struct Rows<'w> {
    out: &'w mut dyn std::io::Write,
    buf: Vec<u8>,
    /// The row open (0-based), if any.
    open: Option<u32>,
    first: u32,
    last_row: u32,
    last_col: u16,
    /// What `ht` a row without its own height gets ("" for none).
    default_ht: String,
    names: Vec<String>,
    /// What went wrong writing out, kept until the end.
    failed: Option<std::io::Error>,
}

/// Written out in pieces of this size.
const CHUNK: usize = 1 << 16;

impl<'w> Rows<'w> {
    fn new(out: &'w mut dyn std::io::Write, first: u32, default_height: Option<f64>) -> Self {
        let default_ht = default_height.map_or(String::new(), |h| format!(" ht=\"{}\" customHeight=\"1\"", points(h)));
        Rows { out, buf: Vec::with_capacity(CHUNK * 2), open: None, first, last_row: 0, last_col: 0, default_ht, names: Vec::new(), failed: None }
    }

    /// Start row `row` (0-based), below the last one; `height` in points, as
    /// `set_row_height` takes it (none: the sheet's default; at most [`MAX_ROW_HEIGHT`]).
    pub fn row(&mut self, row: u32, height: Option<f64>) -> Result<()> {
        let height = height.map(|h| h.min(MAX_ROW_HEIGHT));
        ensure!(row >= self.first && self.open.is_none_or(|r| row > r), "row {} written out of order", row + 1);
        ensure!(row < 1_048_576, "more rows than a worksheet holds (1,048,576)");
        self.end_row();
        self.buf.extend_from_slice(b"<row r=\"");
        push_u32(&mut self.buf, row + 1);
        self.buf.push(b'"');
        match height {
            // As rust_xlsxwriter: Excel's own height on a sheet that keeps Excel's default is no height.
            Some(h) if self.default_ht.is_empty() && (h * 4.0 / 3.0).round() == 20.0 => {}
            Some(h) => {
                self.buf.extend_from_slice(b" ht=\"");
                self.buf.extend_from_slice(points(h).as_bytes());
                self.buf.extend_from_slice(b"\" customHeight=\"1\"");
            }
            None => self.buf.extend_from_slice(self.default_ht.as_bytes()),
        }
        self.buf.push(b'>');
        self.open = Some(row);
        self.last_row = self.last_row.max(row);
        Ok(())
    }

    fn end_row(&mut self) {
        if self.open.is_some() {
            self.buf.extend_from_slice(b"</row>");
            if self.buf.len() >= CHUNK {
                self.flush();
            }
        }
    }

    /// `<c r="B7" s="4"`: the start of a cell in the open row (the first row
    /// is opened if none is, so the XML stays well formed).
    fn cell(&mut self, col: u16, xf: u32) {
        let row = match self.open {
            Some(row) => row,
            None => {
                let _ = self.row(self.first, None);
                self.first
            }
        };
        self.last_col = self.last_col.max(col);
        if self.names.len() <= col as usize {
            self.names.extend((self.names.len() as u16..=col).map(column_name));
        }
        self.buf.extend_from_slice(b"<c r=\"");
        self.buf.extend_from_slice(self.names[col as usize].as_bytes());
        push_u32(&mut self.buf, row + 1);
        self.buf.push(b'"');
        if xf > 0 {
            self.buf.extend_from_slice(b" s=\"");
            push_u32(&mut self.buf, xf);
            self.buf.push(b'"');
        }
    }

    /// A text cell in style `xf` (0: none). Empty text is a blank cell when it
    /// has a style and nothing otherwise, as rust_xlsxwriter does; text longer
    /// than a cell holds is cut there and ends in "…".
    pub fn text(&mut self, col: u16, text: &str, xf: u32) {
        if text.is_empty() {
            return self.blank(col, xf);
        }
        let text = fit(text);
        self.cell(col, xf);
        let ends = [b' ', b'\t', b'\n'];
        let preserve = text.as_bytes().first().is_some_and(|b| ends.contains(b)) || text.as_bytes().last().is_some_and(|b| ends.contains(b));
        self.buf.extend_from_slice(if preserve {
            b" t=\"inlineStr\"><is><t xml:space=\"preserve\">".as_slice()
        } else {
            b" t=\"inlineStr\"><is><t>".as_slice()
        });
        escape(&mut self.buf, &text);
        self.buf.extend_from_slice(b"</t></is></c>");
    }

    /// A number cell in style `xf` (0: none).
    pub fn number(&mut self, col: u16, value: f64, xf: u32) {
        if !value.is_finite() {
            // As rust_xlsxwriter stores them: Excel has no such number.
            return self.text(
                col,
                if value.is_nan() {
                    "NAN"
                } else if value > 0.0 {
                    "INF"
                } else {
                    "-INF"
                },
                xf,
            );
        }
        self.cell(col, xf);
        self.buf.extend_from_slice(b"><v>");
        self.buf.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
        self.buf.extend_from_slice(b"</v></c>");
    }

    /// A blank cell in style `xf`; nothing for no style.
    pub fn blank(&mut self, col: u16, xf: u32) {
        if xf > 0 {
            self.cell(col, xf);
            self.buf.extend_from_slice(b"/>");
        }
    }

    /// Hand what is buffered to the writer (an error is kept for [`Rows::finish`]).
    fn flush(&mut self) {
        if self.failed.is_none()
            && let Err(e) = self.out.write_all(&self.buf)
        {
            self.failed = Some(e);
        }
        self.buf.clear();
    }

    fn finish(mut self) -> Result<()> {
        self.flush();
        match self.failed.take() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

/// A height in points as rust_xlsxwriter writes it: rounded to whole pixels.
fn points(height: f64) -> String {
    ((height * 4.0 / 3.0).round() * 0.75).to_string()
}

fn push_u32(buf: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// `text`, or as much of it as a cell holds with "…" after it.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    // Bytes bound UTF-16 units from above: most texts need no count.
    if text.len() <= MAX_TEXT || text.encode_utf16().count() <= MAX_TEXT {
        return text.into();
    }
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_TEXT - 1
        })
        .map_or(text.len(), |(i, _)| i);
    format!("{}…", &text[..end]).into()
}

/// Text as XML character data, with Excel's escapes: `&<>`, control
/// characters and U+FFFE/U+FFFF as `_xHHHH_`, and a literal `_xHHHH_` with its
/// underscore escaped (`_x005F_xHHHH_`), as rust_xlsxwriter writes them.
fn escape(buf: &mut Vec<u8>, text: &str) {
    let plain = !text.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'_' | 0xEF) || (b < 0x20 && b != b'\t' && b != b'\n'));
    if plain {
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '&' => buf.extend_from_slice(b"&amp;"),
            '<' => buf.extend_from_slice(b"&lt;"),
            '>' => buf.extend_from_slice(b"&gt;"),
            '\t' | '\n' => buf.push(c as u8),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => buf.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes()),
            '_' if bytes.len() >= i + 7 && bytes[i + 1] == b'x' && bytes[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) && bytes[i + 6] == b'_' => {
                buf.extend_from_slice(b"_x005F_")
            }
            c => buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// The style index of each format a workbook uses, given before anything else
/// uses one: rust_xlsxwriter numbers formats workbook-wide in the order it
/// first meets them, from 1 (0 is the default format).
pub(crate) struct Styles {
    known: Vec<Format>,
}

impl Styles {
    /// Register `formats`, in order, with `book`, which must not have used any format yet.
    pub fn register(book: &mut rust_xlsxwriter::Workbook, formats: &[&Format]) -> Self {
        let mut known = vec![Format::default()];
        for f in formats {
            book.register_format(f);
            if !known.contains(f) {
                known.push((*f).clone());
            }
        }
        Styles { known }
    }

    /// The index rust_xlsxwriter gave `format`, which must have been registered.
    pub fn xf(&self, format: &Format) -> Result<u32> {
        match self.known.iter().position(|f| f == format) {
            Some(i) => Ok(i as u32),
            None => bail!("a format was used that the workbook did not register first"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Deferred, Rows, Styles, column_name, parse_ref};
    use rust_xlsxwriter::{Format, Workbook};

    /// A value of the test sheet.
    enum V {
        T(&'static str),
        N(f64),
        B,
    }

    /// A row of the test sheet: its height and its cells (column, value, format 0/1/2).
    type Row = (Option<f64>, Vec<(u16, V, usize)>);

    fn sample() -> Vec<Row> {
        use V::*;
        vec![
            (None, vec![(0, T("/tmp/a & b <c>.xlsx"), 1), (1, T(" leading"), 0), (2, T("trailing\n"), 2), (3, N(4.5), 0), (27, N(-0.25), 1)]),
            (Some(47.25), vec![(0, T("控制\u{1}字符\u{1f}与\tTab"), 1), (1, T("_x0041_ and _x12_ and _xZZZZ_ _x00e9_"), 2), (2, T(""), 1), (3, T(""), 0)]),
            (
                None,
                vec![(0, N(1e20), 0), (1, N(1e-7), 2), (2, N(123456789.125), 0), (3, N(f64::NAN), 1), (4, N(f64::INFINITY), 0), (5, N(f64::NEG_INFINITY), 0)],
            ),
            (Some(15.0), vec![(0, B, 1), (1, B, 0), (2, T("\u{fffe}\u{ffff}完"), 0), (130, T("EA 列"), 2)]),
            (Some(33.3), vec![(0, N(0.0), 0), (1, N(-0.0), 0), (2, N(100.0), 1)]),
        ]
    }

    /// The sheet XML of a workbook whose sheet has a header row and `sample()`
    /// below it, all written by rust_xlsxwriter (`deferred` false) or the rows
    /// written here (true), with `default` as the sheet's default row height.
    fn sheet(deferred: bool, default: Option<f64>) -> String {
        let mut book = Workbook::new();
        book.set_properties(&crate::output::properties("t", crate::output::Kind::Summary));
        let formats = [Format::new().set_bold(), Format::new().set_text_wrap(), Format::new().set_italic()];
        let styles = Styles::register(&mut book, &formats.iter().collect::<Vec<_>>());
        let ws = book.add_worksheet_with_constant_memory().unwrap();
        if let Some(h) = default {
            ws.set_default_row_height(h);
        }
        ws.write_with_format(0, 0, "文件", &formats[0]).unwrap();
        ws.write_with_format(0, 1, "说明", &formats[0]).unwrap();
        ws.set_row_height(0, 30).unwrap();
        ws.set_column_width(1, 40).unwrap();
        let xf: Vec<u32> = [Format::default(), formats[1].clone(), formats[2].clone()].iter().map(|f| styles.xf(f).unwrap()).collect();
        let mut rows = Vec::new();
        if deferred {
            rows.push(Deferred::new(0, 1, (5, 130), default, styles.xf(&formats[0]).unwrap(), move |w: &mut Rows| {
                for (k, (height, cells)) in sample().into_iter().enumerate() {
                    w.row(k as u32 + 1, height)?;
                    for (c, v, f) in cells {
                        match v {
                            V::T(t) => w.text(c, t, xf[f]),
                            V::N(n) => w.number(c, n, xf[f]),
                            V::B => w.blank(c, xf[f]),
                        }
                    }
                }
                Ok(())
            }));
        } else {
            let all = [Format::default(), formats[1].clone(), formats[2].clone()];
            for (k, (height, cells)) in sample().into_iter().enumerate() {
                let row = k as u32 + 1;
                for (c, v, f) in cells {
                    let format = &all[f];
                    match (v, f) {
                        (V::T(t), 0) => ws.write_string(row, c, t).map(|_| ()),
                        (V::T(t), _) => ws.write_string_with_format(row, c, t, format).map(|_| ()),
                        (V::N(n), 0) => ws.write_number(row, c, n).map(|_| ()),
                        (V::N(n), _) => ws.write_number_with_format(row, c, n, format).map(|_| ()),
                        (V::B, _) => ws.write_blank(row, c, format).map(|_| ()),
                    }
                    .unwrap();
                }
                if let Some(h) = height {
                    ws.set_row_height(row, h).unwrap();
                }
            }
        }
        let bytes = crate::output::save_summary(&mut book, rows).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        std::io::read_to_string(zip.by_name("xl/worksheets/sheet1.xml").unwrap()).unwrap()
    }

    #[test]
    fn rows_written_here_are_the_xml_rust_xlsxwriter_writes() {
        for default in [None, Some(24.0), Some(32.25)] {
            let (theirs, ours) = (sheet(false, default), sheet(true, default));
            assert!(theirs.contains("_x005F_x0041_") && theirs.contains("EA5"), "{theirs}");
            // rust_xlsxwriter repeats the last row, which had a height, empty; kaohe leaves the repeat out.
            let repeat = r#"</row><row r="6" ht="33" customHeight="1"/></sheetData>"#;
            assert!(theirs.contains(repeat), "{theirs}");
            assert_eq!(ours, theirs.replace(repeat, "</row></sheetData>"), "default row height {default:?}");
        }
    }

    #[test]
    fn rows_out_of_order_or_past_their_extent_are_refused() {
        let mut out = Vec::new();
        let mut rows = Rows::new(&mut out, 1, None);
        assert!(rows.row(0, None).is_err(), "above the first row");
        rows.row(3, None).unwrap();
        assert!(rows.row(3, None).is_err(), "the same row twice");
        assert!(rows.row(2, None).is_err(), "a row above the last");
        assert!(rows.row(1 << 20, None).is_err(), "past the last row of a sheet");
        let part = r#"<worksheet><dimension ref="A1:B1"/><sheetData><row r="1"><c r="A1" s="1"/></row></sheetData></worksheet>"#;
        let late = Deferred::new(0, 1, (1, 1), None, 1, |w: &mut Rows| {
            w.row(5, None)?;
            w.text(0, "x", 0);
            Ok(())
        });
        assert!(late.splice(part, &mut Vec::new()).is_err());
        let misnumbered = Deferred::new(0, 1, (1, 1), None, 2, |_: &mut Rows| Ok(()));
        assert!(misnumbered.splice(part, &mut Vec::new()).unwrap_err().to_string().contains("styles"));
        let mut whole = Vec::new();
        Deferred::new(0, 1, (1, 2), None, 1, |w: &mut Rows| {
            w.row(1, None)?;
            w.number(2, 7.0, 0);
            Ok(())
        })
        .splice(part, &mut whole)
        .unwrap();
        assert_eq!(
            String::from_utf8(whole).unwrap(),
            r#"<worksheet><dimension ref="A1:C2"/><sheetData><row r="1"><c r="A1" s="1"/></row><row r="2"><c r="C2"><v>7.0</v></c></row></sheetData></worksheet>"#
        );
    }

    #[test]
    fn a_cell_written_before_any_row_opens_the_first_one() {
        let mut out = Vec::new();
        let mut rows = Rows::new(&mut out, 3, None);
        rows.text(0, "x", 0);
        rows.number(1, 2.0, 0);
        rows.end_row();
        rows.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"<row r="4"><c r="A4" t="inlineStr"><is><t>x</t></is></c><c r="B4"><v>2.0</v></c></row>"#);
    }

    #[test]
    fn long_text_is_cut_to_what_a_cell_holds() {
        let long = "考".repeat(40_000);
        let cut = super::fit(&long);
        assert_eq!(cut.encode_utf16().count(), 32_767);
        assert!(cut.ends_with('…'));
        assert_eq!(super::fit("短"), "短");
    }

    #[test]
    fn column_names_and_references() {
        for (c, name) in [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")] {
            assert_eq!(column_name(c), name);
            assert_eq!(parse_ref(&format!("{name}7")), Some((c, 7)));
        }
        assert_eq!(parse_ref("7"), None);
        assert_eq!(parse_ref("ABCD1"), None);
    }
}
