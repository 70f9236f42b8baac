//! A minimal Excel binary workbook (.xlsb) writer, for tests and fuzz seeds:
//! no spreadsheet application here writes xlsb (LibreOffice only reads it), so
//! the sheets of any workbook calamine reads are re-encoded as BIFF12 records
//! (MS-XLSB): a workbook part naming the sheets, one part per sheet with its
//! cells (numbers as BrtCellReal, text through the shared strings as
//! BrtCellIsst, booleans, errors), in a zip laid out as Excel saves it.
//!
//! ```ignore
//! let xlsx = common::handmade_xlsx(info, &layout, &values);
//! let xlsb = common::xlsb::from_workbook(&xlsx, "xlsx");
//! ```

use std::io::Write;

use kaohe_workbook::parse::{Parsed, RawSheet, Value};

/// Every sheet of `bytes` (a workbook calamine reads, with this extension) as an xlsb.
pub fn from_workbook(bytes: &[u8], extension: &str) -> Vec<u8> {
    let parsed = kaohe_workbook::parse::parse(bytes, extension, &Default::default()).expect("a readable workbook");
    write(&parsed)
}

/// An xlsb holding these sheets.
pub fn write(parsed: &Parsed) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let sheets: Vec<Vec<u8>> = parsed.sheets.iter().map(|s| sheet_part(s, &mut strings)).collect();

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(zip::DateTime::default());
    let mut put = |name: &str, data: &[u8]| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(data).unwrap();
    };
    let overrides: String =
        (1..=sheets.len()).map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.bin" ContentType="application/vnd.ms-excel.worksheet"/>"#)).collect();
    put(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>{overrides}</Types>"#
        )
        .as_bytes(),
    );
    put(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#,
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.bin"/>"#))
        .collect();
    let n = sheets.len() + 1;
    put(
        "xl/_rels/workbook.bin.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.bin"/></Relationships>"#
        )
        .as_bytes(),
    );
    put("xl/workbook.bin", &workbook_part(&parsed.sheets));
    put("xl/sharedStrings.bin", &strings_part(&strings));
    for (i, part) in sheets.iter().enumerate() {
        put(&format!("xl/worksheets/sheet{}.bin", i + 1), part);
    }
    zip.finish().unwrap().into_inner()
}

/// One record: its type and length as 7-bit varints, then its body.
pub fn record(out: &mut Vec<u8>, typ: u16, body: &[u8]) {
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut len = body.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(body);
}

/// An XLWideString: a character count and UTF-16LE.
fn wide(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().collect();
    out.extend_from_slice(&(units.len() as u32).to_le_bytes());
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

fn workbook_part(sheets: &[RawSheet]) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, 0x0083, &[]); // BrtBeginBook
    record(&mut out, 0x008F, &[]); // BrtBeginBundleShs
    for (i, s) in sheets.iter().enumerate() {
        let mut body = Vec::new();
        body.extend_from_slice(&(if s.visible { 0u32 } else { 1 }).to_le_bytes()); // hsState
        body.extend_from_slice(&(i as u32 + 1).to_le_bytes()); // iTabID
        wide(&mut body, &format!("rId{}", i + 1));
        wide(&mut body, &s.name);
        record(&mut out, 0x009C, &body); // BrtBundleSh
    }
    record(&mut out, 0x0090, &[]); // BrtEndBundleShs
    record(&mut out, 0x0084, &[]); // BrtEndBook
    out
}

fn strings_part(strings: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let count = (strings.len() as u32).to_le_bytes();
    record(&mut out, 0x009F, &[count, count].concat()); // BrtBeginSst: cstTotal, cstUnique
    for s in strings {
        let mut body = vec![0u8]; // no rich text, no phonetics
        wide(&mut body, s);
        record(&mut out, 0x0013, &body); // BrtSSTItem
    }
    record(&mut out, 0x00A0, &[]); // BrtEndSst
    out
}

fn sheet_part(sheet: &RawSheet, strings: &mut Vec<String>) -> Vec<u8> {
    let mut cells = sheet.cells.clone();
    cells.sort_by_key(|c| (c.row, c.col));
    let last_row = cells.iter().map(|c| c.row).max().unwrap_or(0);
    let last_col = cells.iter().map(|c| c.col).max().unwrap_or(0);
    let mut out = Vec::new();
    record(&mut out, 0x0081, &[]); // BrtBeginSheet
    record(&mut out, 0x0094, &[0u32, last_row, 0, last_col].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()); // BrtWsDim
    record(&mut out, 0x0091, &[]); // BrtBeginSheetData
    let mut row = None;
    for c in &cells {
        if row != Some(c.row) {
            let mut hdr = c.row.to_le_bytes().to_vec();
            hdr.extend_from_slice(&[0u8; 13]); // style, height, flags, no column spans
            record(&mut out, 0x0000, &hdr); // BrtRowHdr
            row = Some(c.row);
        }
        let mut body = c.col.to_le_bytes().to_vec();
        body.extend_from_slice(&[0u8; 4]); // style 0, no flags
        let typ = match &c.value {
            Value::Number(v) | Value::Date(v) => {
                body.extend_from_slice(&v.to_le_bytes());
                0x0005 // BrtCellReal
            }
            Value::Text(t) | Value::IsoDate(t) => {
                let i = strings.iter().position(|s| s == t).unwrap_or_else(|| {
                    strings.push(t.clone());
                    strings.len() - 1
                });
                body.extend_from_slice(&(i as u32).to_le_bytes());
                0x0007 // BrtCellIsst
            }
            Value::Boolean(b) => {
                body.push(*b as u8);
                0x0004 // BrtCellBool
            }
            Value::Error(_) => {
                body.push(0x0F); // #VALUE!
                0x0003 // BrtCellError
            }
        };
        record(&mut out, typ, &body);
    }
    record(&mut out, 0x0092, &[]); // BrtEndSheetData
    record(&mut out, 0x0082, &[]); // BrtEndSheet
    out
}
