//! A fast path for the common xlsx: the cells of each worksheet, read straight
//! from the zip entries the workbook names, skipping what a scorecard never
//! needs (fonts, fills, borders, theme colours, document properties).
//!
//! It is deliberately narrow. Anything it does not expect — a namespace prefix
//! on a cell element, a cell without a reference, an error or ISO-date cell, a
//! number in a date or time format, an `_xHHHH_` escape, CDATA, an unknown
//! entity, a malformed or unbalanced tag — makes it give up with `None`, and the
//! workbook is read by calamine instead, which handles all of it. Wherever
//! calamine reads a workbook, the fast path reads the same cells or steps aside:
//! `tests/fast_path.rs` reads every sample and fixture both ways and compares
//! every cell, and two fuzz targets (`workbook_reader`, `xlsx_xml`) assert it.
//!
//! Limits are the caller's: the zip directory was checked before this runs, each
//! entry is read with a cap, and the cell count is checked as cells arrive.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Cell, Data, Range};

use crate::{ReadError, ReadLimits, SheetData, too_big};

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The worksheets of an xlsx, or `None` to let calamine read it.
///
/// calamine finds the workbook through the package relationships and then takes
/// the shared strings and styles by their usual names, whatever the workbook's
/// relationships say; the fast path reads only packages where both ways lead to
/// the same parts.
pub(crate) fn read<'a>(bytes: &'a [u8], zip: &mut Zip<'a>, limits: &ReadLimits) -> Option<Result<Vec<SheetData>, ReadError>> {
    // calamine looks parts up ignoring case and with `\` as `/`: names that differ only
    // so could lead it to another part than the one named exactly here.
    let mut names: Vec<String> = zip.file_names().map(|n| n.ok().map(|n| n.replace('\\', "/").to_ascii_lowercase())).collect::<Option<_>>()?;
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let present = |name: &str| names.binary_search(&name.to_ascii_lowercase()).is_ok();
    if !workbook_at_usual_place(&entry(bytes, zip, "_rels/.rels", limits)?)? {
        return None;
    }
    let rels = relationships(&entry(bytes, zip, "xl/_rels/workbook.xml.rels", limits)?)?;
    let sheets = workbook_sheets(&entry(bytes, zip, "xl/workbook.xml", limits)?)?;
    // The part a relationship of this kind names, which must be the one calamine reads
    // by name; absent only if that name is absent too.
    let mut part = |kind: &str, usual: &str| -> Option<Option<Vec<u8>>> {
        match rels.iter().find(|r| r.kind.ends_with(kind)) {
            Some(r) if r.path == usual => entry(bytes, zip, usual, limits).map(Some),
            Some(_) => None,
            None => (!present(usual)).then_some(None),
        }
    };
    let strings = match part("/sharedStrings", "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let plain = match part("/styles", "xl/styles.xml")? {
        Some(xml) => plain_number_styles(&xml)?,
        None => vec![true],
    };
    let mut out = Vec::new();
    for sheet in sheets {
        let rel = rels.iter().find(|r| r.id == sheet.rel)?;
        if !rel.kind.ends_with("/worksheet") {
            // Chart and dialog sheets hold no cells; calamine leaves them out too.
            continue;
        }
        let xml = entry_until(bytes, zip, &rel.path, limits, b"</sheetData>")?;
        match cells(&xml, &strings, &plain, limits, &sheet.name)? {
            Ok((range, uncached)) => out.push(SheetData { name: sheet.name, visible: sheet.visible, range, uncached }),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(out))
}

/// One zip entry's bytes, at most the unzipped-size limit, its CRC checked;
/// `None` if absent, unreadable or anything but stored or deflated.
fn entry<'a>(bytes: &'a [u8], zip: &mut Zip<'a>, name: &str, limits: &ReadLimits) -> Option<Vec<u8>> {
    let (data, size, crc) = raw_entry(bytes, zip, name)?;
    let out = match data {
        Packed::Stored(b) => b.to_vec(),
        Packed::Deflated(b) => inflate(b, size, limits, None)?,
    };
    (out.len() as u64 == size && crc32fast::hash(&out) == crc).then_some(out)
}

/// Like [`entry`], but stops inflating once `end` has been read: a worksheet's
/// cells end at `</sheetData>`, and what follows (data validations, conditional
/// formats, print settings) is often as large again. The CRC is checked only
/// when the whole entry was read.
fn entry_until<'a>(bytes: &'a [u8], zip: &mut Zip<'a>, name: &str, limits: &ReadLimits, end: &[u8]) -> Option<Vec<u8>> {
    let (data, size, crc) = raw_entry(bytes, zip, name)?;
    let out = match data {
        Packed::Stored(b) => b.to_vec(),
        Packed::Deflated(b) => inflate(b, size, limits, Some(end))?,
    };
    if memchr::memmem::find(&out, end).is_none() && (out.len() as u64 != size || crc32fast::hash(&out) != crc) {
        return None;
    }
    Some(out)
}

/// A zip entry's bytes as they are in the file, before inflating.
enum Packed<'a> {
    Stored(&'a [u8]),
    Deflated(&'a [u8]),
}

/// An entry's packed bytes, straight from the workbook's bytes, with its declared size and CRC.
fn raw_entry<'a>(bytes: &'a [u8], zip: &mut Zip<'a>, name: &str) -> Option<(Packed<'a>, u64, u32)> {
    let index = zip.index_for_name(name)?;
    let file = zip.by_index_raw(index).ok()?;
    if file.encrypted() {
        return None;
    }
    let start = usize::try_from(file.data_start()?).ok()?;
    let packed = bytes.get(start..start.checked_add(usize::try_from(file.compressed_size()).ok()?)?)?;
    let data = match file.compression() {
        zip::CompressionMethod::Stored if file.size() == file.compressed_size() => Packed::Stored(packed),
        zip::CompressionMethod::Deflated => Packed::Deflated(packed),
        _ => return None,
    };
    Some((data, file.size(), file.crc32()))
}

thread_local! {
    /// One decompressor per thread, reset for each entry: its state and window
    /// are allocated once instead of for every part of every workbook.
    static INFLATE: std::cell::RefCell<flate2::Decompress> = std::cell::RefCell::new(flate2::Decompress::new(false));
}

/// Inflate a raw deflate stream to its end (or, with `until`, until that text
/// has come out), at most the unzipped-size limit; `None` for a stream that is
/// corrupt, ends early or grows past the limit.
fn inflate(mut input: &[u8], size: u64, limits: &ReadLimits, until: Option<&[u8]>) -> Option<Vec<u8>> {
    use flate2::{FlushDecompress, Status};
    // The declared size is the file's word, not a fact: reserve at most 1 MiB up front.
    let mut limit = usize::try_from(limits.max_unzipped_bytes).unwrap_or(usize::MAX);
    if until.is_none() {
        // A whole entry must come out at its declared size: one byte more is already wrong.
        limit = limit.min(usize::try_from(size).unwrap_or(usize::MAX).saturating_add(1));
    }
    let step = if until.is_some() { 4 << 10 } else { (size.min(1 << 20) as usize).max(4 << 10) };
    INFLATE.with(|d| {
        let mut d = d.try_borrow_mut().ok()?;
        d.reset(false);
        // Room for the declared size (capped as above) at once: growing 4 KiB at a
        // time would copy a worksheet a dozen times over.
        let mut out: Vec<u8> = Vec::with_capacity((size.min(1 << 20) as usize).min(limit));
        loop {
            let len = out.len();
            if len >= limit {
                return None;
            }
            out.resize(len + step.min(limit - len), 0);
            let (before_in, before_out) = (d.total_in(), d.total_out());
            let status = d.decompress(input, &mut out[len..], FlushDecompress::None).ok()?;
            let (used, made) = ((d.total_in() - before_in) as usize, (d.total_out() - before_out) as usize);
            input = &input[used..];
            out.truncate(len + made);
            if let Some(end) = until
                && memchr::memmem::find(&out[len.saturating_sub(end.len())..], end).is_some()
            {
                return Some(out);
            }
            match status {
                Status::StreamEnd => return Some(out),
                // No progress with input left or none to give: truncated or corrupt.
                _ if used == 0 && made == 0 => return None,
                _ => {}
            }
        }
    })
}

struct Rel {
    id: String,
    kind: String,
    /// Path inside the zip.
    path: String,
}

fn relationships(xml: &[u8]) -> Option<Vec<Rel>> {
    let mut out = Vec::new();
    let mut tags = Tags::new(xml);
    while let Some(tag) = tags.next()? {
        if tag.name == b"Relationship" && !tag.closing {
            let (id, kind, target) = (tag.attr(b"Id")?, tag.attr(b"Type")?, tag.attr(b"Target")?);
            if tag.attr(b"TargetMode").is_some_and(|m| m == "External") {
                continue;
            }
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            out.push(Rel { id, kind, path });
        }
    }
    Some(out)
}

/// Whether the package relationships put the workbook at `xl/workbook.xml`
/// (calamine takes the last `officeDocument` one, and `xl/` without any).
fn workbook_at_usual_place(xml: &[u8]) -> Option<bool> {
    let mut target = None;
    let mut tags = Tags::new(xml);
    while let Some(tag) = tags.next()? {
        if tag.name == b"Relationship"
            && !tag.closing
            && tag.attr(b"Type").is_some_and(|t| t.ends_with("/relationships/officeDocument"))
            && let Some(t) = tag.attr(b"Target")
        {
            target = Some(t);
        }
    }
    Some(target.is_none_or(|t| t.strip_prefix('/').unwrap_or(&t) == "xl/workbook.xml"))
}

struct SheetRef {
    name: String,
    visible: bool,
    rel: String,
}

fn workbook_sheets(xml: &[u8]) -> Option<Vec<SheetRef>> {
    let mut out = Vec::new();
    let mut tags = Tags::new(xml);
    while let Some(tag) = tags.next()? {
        if tag.name == b"sheet" && !tag.closing {
            let visible = tag.attr(b"state").is_none_or(|s| s == "visible");
            out.push(SheetRef { name: tag.attr(b"name")?, visible, rel: tag.attr(b"r:id")? });
        }
    }
    Some(out)
}

/// The shared string table: each `<si>`'s text runs, phonetic runs left out.
fn shared_strings(xml: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut tags = Tags::new(xml);
    let (mut current, mut in_si, mut in_phonetic) = (String::new(), false, false);
    let mut claimed = None;
    while let Some(tag) = tags.next()? {
        match (tag.name, tag.closing) {
            (b"sst", false) => claimed = tag.attr_raw(b"uniqueCount").and_then(crate::count_value),
            // Nested entries or phonetic runs: well-formed maybe, but not a table to guess at.
            (b"si", false) | (b"rPh", false) if in_phonetic || (tag.name == b"si" && in_si) => return None,
            (b"si", false) if tag.empty => out.push(String::new()),
            (b"si", false) => {
                in_si = true;
                current.clear();
            }
            (b"si", true) => {
                in_si = false;
                out.push(std::mem::take(&mut current));
            }
            (b"rPh", false) => in_phonetic = !tag.empty,
            (b"rPh", true) => in_phonetic = false,
            (b"t", false) if in_si && !in_phonetic && !tag.empty => {
                let preserve = preserves_space(&tag);
                current.push_str(kept(&unescape(tags.text_until(b"t")?)?, preserve));
            }
            _ => {}
        }
    }
    // A count far above the strings there: calamine's reader is guarded against it; step aside.
    if claimed.is_some_and(|n| !crate::plausible_string_count(n, out.len())) {
        return None;
    }
    Some(out)
}

/// For each cell style (`cellXfs` index), whether a number in it is a plain
/// number. Anything that might be a date or time format counts as not plain.
fn plain_number_styles(xml: &[u8]) -> Option<Vec<bool>> {
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    let mut tags = Tags::new(xml);
    while let Some(tag) = tags.next()? {
        match (tag.name, tag.closing) {
            (b"numFmt", false) => {
                custom.insert(tag.attr(b"numFmtId")?, tag.attr(b"formatCode")?);
            }
            (b"cellXfs", false) => in_xfs = !tag.empty,
            (b"cellXfs", true) => in_xfs = false,
            (b"xf", false) if in_xfs => {
                let id = tag.attr(b"numFmtId").unwrap_or_else(|| "0".into());
                out.push(match custom.get(&id) {
                    Some(code) => plain_format_code(code),
                    None => matches!(id.parse::<u32>(), Ok(0..=13 | 37..=44 | 48 | 49)),
                });
            }
            _ => {}
        }
    }
    if out.is_empty() {
        out.push(true);
    }
    Some(out)
}

/// A custom number format with no letter that could make it a date or time
/// (outside quotes and brackets); "0.##", "0.0_ " and "#,##0" are plain.
fn plain_format_code(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, 0u32, false);
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' | '_' | '*' => escaped = true,
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => bracket += 1,
            ']' => bracket = bracket.saturating_sub(1),
            _ if bracket > 0 => {}
            c if c.is_alphabetic() => return false,
            _ => {}
        }
    }
    true
}

/// One worksheet's cells, and the cells with a formula but no saved value.
#[allow(clippy::type_complexity)]
fn cells(xml: &[u8], strings: &[String], plain: &[bool], limits: &ReadLimits, sheet: &str) -> Option<Result<(Range<Data>, HashSet<(u32, u32)>), ReadError>> {
    // Find <sheetData> by reading the tags before it, not by searching the text: the
    // same characters inside an attribute value or a comment are not the element
    // (the xlsx_xml fuzz target found a sheet where that mattered).
    let mut tags = Tags::new(xml);
    let first = loop {
        let tag = tags.next()??;
        if tag.name == b"sheetData" && !tag.closing {
            break tag;
        }
        // A prefixed sheetData is calamine's (it matches local names).
        if tag.name.ends_with(b":sheetData") || tag.name == b"sheetData" {
            return None;
        }
    };
    let mut out: Vec<Cell<Data>> = Vec::new();
    let mut uncached = HashSet::new();
    let (mut rows, mut cols) = (0u64, 0u64);
    if first.empty {
        return Some(Ok((Range::empty(), uncached)));
    }
    let mut closed = false;
    while let Some(tag) = tags.next()? {
        match (tag.name, tag.closing) {
            (b"sheetData", true) => {
                closed = true;
                break;
            }
            (b"row", _) => {}
            (b"c", false) => {
                let pos = parse_cell_ref(tag.attr_raw(b"r")?)?;
                let kind = tag.attr_raw(b"t").unwrap_or(b"n");
                let style: usize = match tag.attr_raw(b"s") {
                    Some(s) => digits(s)? as usize,
                    None => 0,
                };
                let (mut value, mut formula, mut inline) = (None, false, None);
                if !tag.empty {
                    loop {
                        let inner = tags.next()??;
                        match (inner.name, inner.closing) {
                            (b"c", true) => break,
                            (b"v", false) if inner.empty => value = Some(&b""[..]),
                            (b"v", false) => value = Some(tags.text_until(b"v")?),
                            (b"f", false) => {
                                formula = true;
                                if !inner.empty {
                                    tags.text_until(b"f")?;
                                }
                            }
                            (b"is", false) if !inner.empty => inline = Some(inline_string(&mut tags)?),
                            (b"is", false) => inline = Some(String::new()),
                            // Anything else inside a cell (extLst, a prefixed element): let calamine decide.
                            _ => return None,
                        }
                    }
                }
                let data = match (kind, value) {
                    (b"inlineStr", _) => Data::String(inline?),
                    (_, None) if formula => {
                        uncached.insert(pos);
                        continue;
                    }
                    (_, None) => continue,
                    (b"n", Some(v)) if !v.is_empty() && *plain.get(style)? => Data::Float(number(v)?),
                    (b"s", Some(v)) => {
                        let index = match digits(v) {
                            Some(i) => i as usize,
                            None => unescape(v)?.trim().parse::<usize>().ok()?,
                        };
                        Data::String(strings.get(index)?.clone())
                    }
                    (b"str", Some(v)) if !v.is_empty() => Data::String(unescape(v)?.into_owned()),
                    (b"b", Some(v)) if v == b"1" || v == b"0" => Data::Bool(v == b"1"),
                    // Errors, ISO dates, numbers in date formats, empty values: calamine's call.
                    _ => return None,
                };
                if out.len() >= limits.max_cells {
                    return Some(Err(too_big(sheet, limits)));
                }
                rows = rows.max(pos.0 as u64 + 1);
                cols = cols.max(pos.1 as u64 + 1);
                if rows.saturating_mul(cols) > limits.max_area {
                    return Some(Err(too_big(sheet, limits)));
                }
                out.push(Cell::new(pos, data));
            }
            _ => return None,
        }
    }
    // A sheet that ends before its cells do is truncated: calamine's to report.
    closed.then(|| Ok((Range::from_sparse(out), uncached)))
}

/// An inline string's text (`<is>` already read), phonetic runs left out.
fn inline_string(tags: &mut Tags<'_>) -> Option<String> {
    let mut s = String::new();
    let mut phonetic = false;
    loop {
        let tag = tags.next()??;
        match (tag.name, tag.closing) {
            (b"is", true) => return Some(s),
            (b"is", false) => return None,
            (b"rPh", false) if phonetic => return None,
            (b"rPh", false) => phonetic = !tag.empty,
            (b"rPh", true) => phonetic = false,
            (b"t", false) if !phonetic && !tag.empty => {
                let preserve = preserves_space(&tag);
                s.push_str(kept(&unescape(tags.text_until(b"t")?)?, preserve));
            }
            _ => {}
        }
    }
}

/// "E12" → (11, 4), 0-based. Only upper-case column letters, as Excel writes them.
fn parse_cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters == 0 || letters > 3 || letters == r.len() {
        return None;
    }
    let col = r[..letters].iter().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1)) - 1;
    let digits = &r[letters..];
    if !digits.iter().all(u8::is_ascii_digit) || digits.len() > 7 {
        return None;
    }
    let row = self::digits(digits)?;
    ((1..=1_048_576).contains(&row) && col < 16_384).then_some((row - 1, col))
}

/// A decimal number of at most nine ASCII digits, as `str::parse::<u32>` reads
/// it (leading zeros allowed); `None` for anything else. Cell references, style
/// indexes and shared-string indexes are read this way thousands of times a
/// workbook, without a UTF-8 check each.
#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// Whether a `<t>` keeps the spaces around its text (`xml:space="preserve"`).
fn preserves_space(tag: &Tag) -> bool {
    tag.attr_raw(b"xml:space") == Some(b"preserve".as_slice())
}

/// A `<t>`'s text as calamine keeps it: without ASCII spaces, tabs and line
/// breaks around it unless the element preserves them (other spaces, such as
/// U+00A0, stay).
fn kept(text: &str, preserve: bool) -> &str {
    if preserve { text } else { text.trim_matches([' ', '\t', '\r', '\n']) }
}

/// A number cell's finite value: most are plain ASCII (`4.5`, `1e-7`), read
/// without the text checks; anything else is unescaped first.
fn number(v: &[u8]) -> Option<f64> {
    let text =
        if v.iter().all(|b| b.is_ascii_digit() || b"+-.eE".contains(b)) { std::borrow::Cow::Borrowed(std::str::from_utf8(v).ok()?) } else { unescape(v)? };
    text.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// XML text with the five predefined entities and character references
/// resolved; `None` for anything else (an `_xHHHH_` escape included).
fn unescape(raw: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    // `_xHHHH_` escapes and carriage returns (line-end normalisation) are calamine's to handle.
    // One pass over the (short) text instead of a search per character.
    let mut amp = false;
    for i in memchr::memchr3_iter(b'\r', b'_', b'&', raw) {
        match raw[i] {
            b'\r' => return None,
            b'_' if raw.get(i + 1) == Some(&b'x') => return None,
            b'&' => amp = true,
            _ => {}
        }
    }
    let s = simdutf8::basic::from_utf8(raw).ok()?;
    if !amp {
        return Some(std::borrow::Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';')? + i;
        let name = &rest[i + 1..end];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => name.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(std::borrow::Cow::Owned(out))
}

/// A start, end or empty-element tag.
struct Tag<'a> {
    name: &'a [u8],
    /// The attributes' source text (already checked well-formed).
    attrs: &'a [u8],
    /// The first attributes, as offsets into `attrs`: (key start, key end, value start, value end).
    parsed: [[u32; 4]; MAX_PARSED],
    count: usize,
    closing: bool,
    /// `<x/>`.
    empty: bool,
}

/// Attributes kept parsed per tag (a `<c>` has at most three); a tag with more
/// is searched in its source text.
const MAX_PARSED: usize = 4;

/// Attribute names kept to check the next ones against; a tag with more is
/// checked against its source text.
const KEPT_KEYS: usize = 8;

impl<'a> Tag<'a> {
    /// An attribute's raw value (not unescaped).
    fn attr_raw(&self, key: &[u8]) -> Option<&'a [u8]> {
        let attrs = self.attrs;
        for p in &self.parsed[..self.count.min(MAX_PARSED)] {
            if same(&attrs[p[0] as usize..p[1] as usize], key) {
                return Some(&attrs[p[2] as usize..p[3] as usize]);
            }
        }
        if self.count <= MAX_PARSED {
            return None;
        }
        let mut found = None;
        attributes(attrs, |k, v| {
            if found.is_none() && same(&attrs[k], key) {
                found = Some(&attrs[v]);
            }
        })?;
        found
    }

    /// An attribute's value, unescaped.
    fn attr(&self, key: &[u8]) -> Option<String> {
        self.attr_raw(key).and_then(unescape).map(|c| c.into_owned())
    }
}

/// Byte-slice equality for the short names compared here, without a call to `memcmp`.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A byte that may appear in an XML name as spreadsheets use them: ASCII
/// letters, digits, `_ : . -`, or non-ASCII.
#[inline]
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-') || c >= 0x80
}

/// Whether a name may start with this byte (not a digit, `-` or `.`).
#[inline]
fn is_name_start(c: u8) -> bool {
    is_name_byte(c) && !c.is_ascii_digit() && !matches!(c, b'-' | b'.')
}

/// The end of the name starting at `at` (`at` if there is none).
#[inline]
fn name_end(b: &[u8], mut at: usize) -> usize {
    if b.get(at).is_some_and(|&c| is_name_start(c)) {
        at += 1;
        while b.get(at).is_some_and(|&c| is_name_byte(c)) {
            at += 1;
        }
    }
    at
}

#[inline]
fn skip_space(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Walk `name="value"` pairs, each after whitespace, values quoted and free of
/// `<`, up to the end of `rest` (trailing whitespace allowed); `None` (malformed)
/// for anything else. `each` gets the key's and the value's ranges in `rest`.
/// Returns how many there were.
fn attributes(rest: &[u8], mut each: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>)) -> Option<usize> {
    let mut n = 0;
    let mut at = 0;
    loop {
        let key = skip_space(rest, at);
        if key == rest.len() {
            return Some(n);
        }
        let (range_k, range_v, next) = attribute(rest, at, key)?;
        each(range_k, range_v);
        n += 1;
        at = next;
    }
}

/// One attribute starting at `key`, after whitespace that began at `at`:
/// its key and value ranges and where it ends; `None` if malformed.
#[inline]
fn attribute(b: &[u8], at: usize, key: usize) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>, usize)> {
    if key == at {
        // No whitespace before this attribute.
        return None;
    }
    let key_end = name_end(b, key);
    if key_end == key {
        return None;
    }
    let eq = skip_space(b, key_end);
    if b.get(eq) != Some(&b'=') {
        return None;
    }
    let open = skip_space(b, eq + 1);
    let quote = *b.get(open)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut close = open + 1;
    loop {
        match *b.get(close)? {
            c if c == quote => break,
            b'<' => return None,
            _ => close += 1,
        }
    }
    Some((key..key_end, open + 1..close, close + 1))
}

/// Tags of an XML document in order. `next` gives `None` (outer) where the
/// document is not plain enough for the fast path, `Some(None)` at its end.
struct Tags<'a> {
    xml: &'a [u8],
    at: usize,
    /// Elements open at `at`: every end tag must close the innermost one.
    open: Vec<&'a [u8]>,
}

impl<'a> Tags<'a> {
    fn new(xml: &'a [u8]) -> Self {
        Tags { xml, at: 0, open: Vec::with_capacity(16) }
    }

    #[allow(clippy::should_implement_trait)]
    fn next(&mut self) -> Option<Option<Tag<'a>>> {
        loop {
            let lt = if self.xml.get(self.at) == Some(&b'<') {
                0
            } else {
                let Some(lt) = memchr::memchr(b'<', &self.xml[self.at..]) else {
                    // The end: well-formed only if every element was closed.
                    return self.open.is_empty().then_some(None);
                };
                lt
            };
            let start = self.at + lt + 1;
            let rest = &self.xml[start..];
            match rest.first()? {
                b'?' => {
                    // The XML declaration or a processing instruction.
                    self.at = start + memchr::memmem::find(rest, b"?>")? + 2;
                    continue;
                }
                b'!' if rest.starts_with(b"!--") => {
                    self.at = start + memchr::memmem::find(rest, b"-->")? + 3;
                    continue;
                }
                // CDATA, DOCTYPE: not in the files this path is for.
                b'!' => return None,
                _ => {}
            }
            // Strict where a parser might be lenient: a malformed tag (or one naming an
            // attribute twice) is calamine's to judge.
            let closing = rest[0] == b'/';
            let name_at = usize::from(closing);
            let name_to = name_end(rest, name_at);
            if name_to == name_at {
                return None;
            }
            let mut parsed = [[0u32; 4]; MAX_PARSED];
            let mut keys: [&[u8]; KEPT_KEYS] = [&[]; KEPT_KEYS];
            let mut count = 0;
            let mut at = name_to;
            let (end, empty) = loop {
                let next = skip_space(rest, at);
                match *rest.get(next)? {
                    b'>' => break (next, false),
                    b'/' if !closing && rest.get(next + 1) == Some(&b'>') => break (next, true),
                    _ if closing => return None,
                    _ => {}
                }
                let (k, v, after) = attribute(rest, at, next)?;
                let key = &rest[k.clone()];
                let duplicate = if count < KEPT_KEYS {
                    keys[..count].iter().any(|seen| same(seen, key))
                } else {
                    let before = &rest[name_to..at];
                    let mut seen = false;
                    attributes(before, |k, _| seen |= same(&before[k], key))?;
                    seen
                };
                if duplicate {
                    return None;
                }
                if count < KEPT_KEYS {
                    keys[count] = key;
                }
                if count < MAX_PARSED {
                    let base = name_to;
                    parsed[count] = [(k.start - base) as u32, (k.end - base) as u32, (v.start - base) as u32, (v.end - base) as u32];
                }
                count += 1;
                at = after;
            };
            self.at = start + end + if empty { 2 } else { 1 };
            let name = &rest[name_at..name_to];
            let attrs = &rest[name_to..end];
            if u32::try_from(attrs.len()).is_err() {
                return None;
            }
            if closing {
                if !self.open.pop().is_some_and(|open| same(open, name)) {
                    return None;
                }
            } else if !empty {
                self.open.push(name);
            }
            return Some(Some(Tag { name, attrs, parsed, count, closing, empty }));
        }
    }

    /// The raw text up to the closing tag `</name>` (which is consumed); `None`
    /// if another tag comes first.
    fn text_until(&mut self, name: &[u8]) -> Option<&'a [u8]> {
        let lt = memchr::memchr(b'<', &self.xml[self.at..])?;
        let text = &self.xml[self.at..self.at + lt];
        let close = &self.xml[self.at + lt..];
        if close.get(1) != Some(&b'/') || !close[2..].starts_with(name) {
            return None;
        }
        let after = &close[2 + name.len()..];
        let gt = after.iter().position(|&b| b == b'>')?;
        if !after[..gt].iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if !self.open.pop().is_some_and(|open| same(open, name)) {
            return None;
        }
        self.at += lt + 2 + name.len() + gt + 1;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::{digits, parse_cell_ref};

    #[test]
    fn digits_read_what_parse_reads_and_nothing_else() {
        for s in ["0", "7", "0012", "123456789", "4294967", "999999999"] {
            assert_eq!(digits(s.as_bytes()), s.parse::<u32>().ok(), "{s}");
        }
        // What `parse` would also take, or not, is left to the slow path: never a different number.
        for s in ["", "+1", "-1", " 1", "1 ", "1.0", "1e3", "１", "1234567890", "12a"] {
            assert_eq!(digits(s.as_bytes()), None, "{s:?}");
        }
        // Every three-byte string over digits and a few others: the same as `parse` or none.
        let alphabet = b"09+- a";
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let s = [*a, *b, *c];
                    if let Some(n) = digits(&s) {
                        assert_eq!(std::str::from_utf8(&s).unwrap().parse::<u32>().ok(), Some(n));
                    }
                }
            }
        }
    }

    #[test]
    fn cell_references() {
        assert_eq!(parse_cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(parse_cell_ref(b"E12"), Some((11, 4)));
        assert_eq!(parse_cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        for r in [&b"A0"[..], b"A1048577", b"XFE1", b"a1", b"A", b"1", b"A+1", b"A01x"] {
            assert_eq!(parse_cell_ref(r), None, "{}", String::from_utf8_lossy(r));
        }
    }
}
