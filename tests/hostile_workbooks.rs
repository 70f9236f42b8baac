//! Untrusted workbooks: each hostile or broken file gets one readable finding
//! that tells the clerk what to do, and never crashes or exhausts the host.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{Layout, full_marks, handmade_xlsx, set};
use kaohe::runtime::LoadedRubric;
use kaohe::score::{Severity, UnitResult};
use kaohe::workbook::{ReadLimits, read_bytes_with, read_file};

fn rubric() -> &'static LoadedRubric {
    common::changzhi()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn only_error(r: &UnitResult) -> (&str, &str) {
    let errs: Vec<_> = r.findings.iter().filter(|f| f.severity == Severity::Error).collect();
    assert_eq!(errs.len(), 1, "{}: {errs:#?}", r.file);
    (errs[0].code.as_str(), errs[0].message.as_str())
}

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn filled() -> Vec<u8> {
    let info = &rubric().info;
    let v = common::full_marks(info);
    common::handmade_xlsx(info, &common::Layout::seed("评分表", &[]), &v)
}

#[test]
fn a_zip_bomb_is_refused_from_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros deflate to about 64 KiB: a 1000:1 ratio.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip_with(&[("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", &zeros)]);
    assert!(bomb.len() < 1 << 20);
    let r = common::score_one(rubric(), &write(dir.path(), "bomb.xlsx", &bomb));
    let (code, msg) = only_error(&r);
    assert_eq!(code, "zip-bomb");
    assert!(msg.contains("压缩比异常"), "{msg}");

    let many: Vec<(String, Vec<u8>)> = (0..6000).map(|i| (format!("x/{i}.xml"), vec![])).collect();
    let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let r = common::score_one(rubric(), &write(dir.path(), "many.xlsx", &zip_with(&refs)));
    assert_eq!(only_error(&r).0, "zip-bomb");
}

#[test]
fn encrypted_workbooks_say_to_remove_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // An encrypted OOXML file is a compound file holding an "EncryptedPackage" stream.
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend(std::iter::repeat_n(0u8, 512));
    cfb.extend("EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()));
    let r = common::score_one(rubric(), &write(dir.path(), "locked.xlsx", &cfb));
    let (code, msg) = only_error(&r);
    assert_eq!(code, "encrypted");
    assert!(msg.contains("取消密码"));
}

#[test]
fn wrong_extensions_are_read_by_content_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let r = common::score_one(rubric(), &write(dir.path(), "really-xlsx.xls", &filled()));
    assert!(r.ok(), "{:#?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "file-type-mismatch" && f.severity == Severity::Warning));
    let info = &rubric().info;
    let ods = common::handmade_ods(info, "评分表", &[], &common::full_marks(info));
    let r = common::score_one(rubric(), &write(dir.path(), "really-ods.xlsx", &ods));
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!(r.assessment.unwrap().total, 100.0);
    assert!(r.findings.iter().any(|f| f.code == "file-type-mismatch"));
}

#[test]
fn formulas_without_a_saved_result_are_an_error_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    // Write item 7's score as a formula, then strip the cached value the way a
    // program that never recalculates leaves it.
    let info = &rubric().info;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "序号").unwrap();
    ws.write(0, 1, "得分").unwrap();
    for (k, item) in info.items.iter().filter(|i| i.required).enumerate() {
        let r = k as u32 + 1;
        ws.write(r, 0, item.id.parse::<f64>().unwrap()).unwrap();
        if item.id == "7" {
            ws.write_formula(r, 1, "=1+1").unwrap();
        } else {
            ws.write(r, 1, item.max_points).unwrap();
        }
    }
    let bytes = common::with_part(&book.save_to_buffer().unwrap(), "xl/worksheets/sheet1.xml", |xml| {
        assert!(xml.contains("<f>1+1</f><v>0</v>"), "{xml}");
        xml.replace("<f>1+1</f><v>0</v>", "<f>1+1</f>")
    });
    let p = write(dir.path(), "uncalculated.xlsx", &bytes);
    let r = common::score_one(rubric(), &p);
    let f = r.findings.iter().find(|f| f.code == "formula-no-value").expect("a formula-no-value finding");
    assert_eq!((f.item.as_deref(), f.cell.as_deref(), f.severity), (Some("7"), Some("B8"), Severity::Error));
    assert!(r.assessment.is_none());
}

#[test]
fn sheets_too_big_to_be_a_scorecard_are_refused_before_allocating() {
    // One cell at A1 and one at XFD1048576: a dense read would allocate 17 billion cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "序号").unwrap();
    ws.write(1_048_575, 16_383, "得分").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let err = read_bytes_with(&bytes, Path::new("wide.xlsx"), &ReadLimits::default()).unwrap_err();
    assert_eq!(err.code, "too-large");
    // A cell cap, checked while streaming.
    let limits = ReadLimits { max_cells: 50, ..Default::default() };
    let err = read_bytes_with(&filled(), Path::new("a.xlsx"), &limits).unwrap_err();
    assert_eq!(err.code, "too-large");
    assert!(read_bytes_with(&filled(), Path::new("a.xlsx"), &ReadLimits::default()).is_ok());
}

#[test]
fn oversized_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "big.xlsx", &filled());
    let limits = ReadLimits { max_file_bytes: 1000, ..Default::default() };
    let err = read_file(&p, &limits).unwrap_err();
    assert_eq!(err.code, "too-large");
    assert!(err.message.contains("MB"));
    // A folder named like a workbook is a finding too.
    let d = dir.path().join("folder.xlsx");
    std::fs::create_dir(&d).unwrap();
    assert_eq!(only_error(&common::score_one(rubric(), &d)).0, "unreadable");
    let err = read_file(&d, &ReadLimits::default()).unwrap_err();
    assert!(err.message.contains("文件夹"), "{}", err.message);
    // Exactly at the limit is read whole; a missing file says so.
    let exact = ReadLimits { max_file_bytes: std::fs::metadata(&p).unwrap().len(), ..Default::default() };
    assert_eq!(read_file(&p, &exact).unwrap(), std::fs::read(&p).unwrap());
    assert_eq!(read_file(&dir.path().join("none.xlsx"), &exact).unwrap_err().code, "unreadable");
}

/// Found by fuzz/workbook_reader: a sample whose cell reference has a column
/// too long for calamine (an arithmetic overflow under overflow checks; a
/// panic there would be caught by the host and reported the same way).
#[test]
fn fuzzer_found_column_overflow_is_a_finding() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/calamine-column-overflow.xlsx");
    let r = common::score_one(rubric(), &p);
    assert_eq!(only_error(&r).0, "unreadable");
    assert!(r.input_sha256.is_some());
}

/// The shared string table's `uniqueCount` replaced by `count(real)`.
fn with_unique_count(count: impl Fn(usize) -> String) -> Vec<u8> {
    common::with_part(&filled(), "xl/sharedStrings.xml", |xml| {
        let real = xml.matches("<si>").count();
        let at = xml.find("uniqueCount=\"").expect("rust_xlsxwriter writes uniqueCount") + "uniqueCount=\"".len();
        let end = at + xml[at..].find('"').unwrap();
        format!("{}{}{}", &xml[..at], count(real), &xml[end..])
    })
}

#[test]
fn a_shared_string_count_that_lies_is_a_finding_not_an_abort() {
    // Found by the xlsx_xml fuzz target: calamine reserves room for `uniqueCount`
    // strings before reading any, and 10^14 of them aborted the whole process
    // (an allocation failure is not a panic: catch_unwind cannot stop it).
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "lying-count.xlsx", &with_unique_count(|_| "100000000000000".into()));
    let r = common::score_one(rubric(), &p);
    let (code, message) = only_error(&r);
    assert_eq!(code, "unreadable");
    assert!(message.contains("共享字符串表声称有 100000000000000 个字符串"), "{message}");
    assert!(r.assessment.is_none());
    // A small count in a comment before the table does not hide the large one.
    let hidden = common::with_part(&with_unique_count(|_| "100000000000000".into()), "xl/sharedStrings.xml", |xml| {
        xml.replacen("<sst", "<!-- uniqueCount=\"1\" --><sst", 1)
    });
    let r = common::score_one(rubric(), &write(dir.path(), "hidden-count.xlsx", &hidden));
    assert_eq!(only_error(&r).0, "unreadable");
    // A count that is merely off, as a sloppy writer leaves it, still scores.
    let p = write(dir.path(), "sloppy-count.xlsx", &with_unique_count(|real| (real + 40).to_string()));
    let r = common::score_one(rubric(), &p);
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!(r.assessment.as_ref().unwrap().total, common::score_one(rubric(), &write(dir.path(), "plain.xlsx", &filled())).assessment.unwrap().total);
}

/// An .xls (a compound file with a BIFF8 Workbook stream) whose globals hold a
/// FILEPASS record: what Excel writes for a workbook with an open password.
fn encrypted_xls() -> Vec<u8> {
    let record = |typ: u16, data: &[u8]| -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    };
    let mut stream = record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // BOF, BIFF8 globals
    let mut filepass = vec![0x01, 0x00, 0x01, 0x00, 0x01, 0x00]; // RC4
    filepass.extend([0x5Au8; 48]);
    stream.extend(record(0x002F, &filepass));
    stream.extend(record(0x000A, &[])); // EOF
    let mut cfb = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    cfb.create_stream("Workbook").unwrap().write_all(&stream).unwrap();
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

/// An ODS whose manifest says its content is encrypted (what LibreOffice writes with a password).
fn encrypted_ods() -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1000"><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>"#;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    z.start_file("META-INF/manifest.xml", stored).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.start_file("content.xml", stored).unwrap();
    z.write_all(&[0x8Fu8; 1000]).unwrap(); // ciphertext
    z.finish().unwrap().into_inner()
}

#[test]
fn password_protected_xls_and_ods_are_encrypted_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("locked.xls", encrypted_xls()), ("locked.ods", encrypted_ods())] {
        let r = common::score_one(rubric(), &write(dir.path(), name, &bytes));
        let (code, msg) = only_error(&r);
        assert_eq!(code, "encrypted", "{name}: {msg}");
        assert!(msg.contains("密码"), "{msg}");
    }
}

#[test]
fn an_ods_with_its_mimetype_entry_last_is_read_as_ods() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let ods = common::handmade_ods(info, "评分表", &[("被考核单位：", "沁县退役军人服务中心")], &common::full_marks(info));
    // Re-pack with the mimetype entry moved to the end (some tools write it so).
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(&ods[..])).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = (0..src.len())
        .map(|i| {
            let mut f = src.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect();
    entries.rotate_left(1);
    assert_eq!(entries.last().unwrap().0, "mimetype");
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let r = common::score_one(rubric(), &write(dir.path(), "late.ods", &zip_with(&refs)));
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!(r.assessment.unwrap().total, 100.0);
    // Without any mimetype entry (some writers leave it out), named .xlsx: still an ODS, read as one.
    let r = common::score_one(rubric(), &write(dir.path(), "nomime.xlsx", &zip_with(&refs[..refs.len() - 1])));
    assert!(r.assessment.is_some(), "{:#?}", r.findings);
    assert_eq!(r.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(), ["file-type-mismatch"]);
}

#[test]
fn excel_2_to_4_files_are_an_old_format_not_garbage() {
    let dir = tempfile::tempdir().unwrap();
    // BOF records of BIFF2, BIFF3 and BIFF4 worksheets, then a few bytes of the file.
    for bof in
        [[0x09u8, 0x00, 0x04, 0x00, 0x02, 0x00, 0x10, 0x00], [0x09, 0x02, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00], [0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00]]
    {
        let mut bytes = bof.to_vec();
        bytes.extend([0x0A, 0x00, 0x00, 0x00]); // EOF
        let r = common::score_one(rubric(), &write(dir.path(), "old.xls", &bytes));
        let (code, msg) = only_error(&r);
        assert_eq!(code, "old-format");
        assert!(msg.contains("Excel 2.x–4.0") && msg.contains("另存为 .xlsx"), "{msg}");
    }
}

#[test]
fn messages_are_chinese_and_the_parsers_words_go_in_detail() {
    let dir = tempfile::tempdir().unwrap();
    let full = filled();
    let cut = write(dir.path(), "cut.xlsx", &full[..full.len() / 2]);
    let damaged = write(dir.path(), "damaged.xls", &{
        let mut b = encrypted_xls();
        b.truncate(1536); // the directory sector is gone
        b
    });
    for p in [cut, damaged] {
        let r = common::score_one(rubric(), &p);
        let f = r.findings.iter().find(|f| f.severity == Severity::Error).unwrap();
        assert_eq!(f.code, "unreadable", "{}", p.display());
        let latin = f.message.chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>();
        assert!(["", "ExcelWPS", "xlsxExcelWPS", "xlsExcelWPS"].contains(&latin.as_str()), "{}: {}", p.display(), f.message);
        assert!(f.detail.as_deref().is_some_and(|d| !d.is_empty()), "the parser's text is kept: {:?}", f.detail);
    }
}

/// A 1.5 KB .xls whose FAT points the directory's sector at itself: calamine's
/// compound-file reader follows the chain forever, growing its memory (issue 10).
fn looping_xls() -> Vec<u8> {
    let mut b = vec![0u8; 512 * 3];
    b[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut b, 0x18, 0x003E); // minor version
    put16(&mut b, 0x1A, 0x0003); // major version 3: 512-byte sectors
    put16(&mut b, 0x1C, 0xFFFE); // byte order
    put16(&mut b, 0x1E, 9); // sector shift
    put16(&mut b, 0x20, 6); // mini sector shift
    put32(&mut b, 0x2C, 1); // one FAT sector
    put32(&mut b, 0x30, 1); // the directory starts at sector 1
    put32(&mut b, 0x38, 4096); // mini stream cutoff
    put32(&mut b, 0x3C, 0xFFFF_FFFE); // no mini FAT
    put32(&mut b, 0x44, 0xFFFF_FFFE); // no more DIFAT
    put32(&mut b, 0x4C, 0); // DIFAT[0]: the FAT is sector 0
    for i in 1..109 {
        put32(&mut b, 0x4C + 4 * i, 0xFFFF_FFFF);
    }
    let fat = 512; // sector 0
    put32(&mut b, fat, 0xFFFF_FFFD); // sector 0 is the FAT
    put32(&mut b, fat + 4, 1); // sector 1 → sector 1 → …
    for i in 2..128 {
        put32(&mut b, fat + 4 * i, 0xFFFF_FFFF);
    }
    b
}

#[test]
fn a_looping_compound_file_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "a-loop.xls", &looping_xls());
    assert!(std::fs::metadata(&bad).unwrap().len() < 2048);
    let good = write(dir.path(), "b-good.xlsx", &filled());
    let started = std::time::Instant::now();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["--read-timeout", "3000", "--read-memory", "64", "score", "--json"])
        .args([&bad, &good])
        .output()
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "bounded by the deadline");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let code = results[0]["findings"][0]["code"].as_str().unwrap();
    assert!(["read-timeout", "read-memory"].contains(&code), "{:#}", results[0]);
    assert!(results[0]["findings"][0]["message"].as_str().unwrap().contains("另存为 .xlsx"));
    assert_eq!(results[1]["ok"], true, "the next workbook is scored");
}

#[test]
fn a_small_ods_claiming_a_huge_sheet_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    // One row repeated 99,000 times, each a thousand cells wide: 99 million cells (under calamine's own cap of
    // 100 million) from a few hundred bytes.
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="评分表"><table:table-row table:number-rows-repeated="99000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("META-INF/manifest.xml", manifest), ("content.xml", content)] {
        z.start_file(name, stored).unwrap();
        z.write_all(data.as_bytes()).unwrap();
    }
    let bytes = z.finish().unwrap().into_inner();
    assert!(bytes.len() < 4096);
    let p = write(dir.path(), "huge.ods", &bytes);
    let started = std::time::Instant::now();
    let r = common::score_one(rubric(), &p);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Measured from content.xml before calamine allocates a cell (not left to the memory cap).
    let (code, msg) = only_error(&r);
    assert_eq!(code, "too-large", "{:#?}", r.findings);
    assert!(msg.contains("评分表"), "{msg}");
}

#[test]
fn an_xlsb_scorecard_is_scored_through_the_sandboxed_reader() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut v = full_marks(info);
    set(&mut v, "12", 1.0);
    let xlsb = common::xlsb::from_workbook(&handmade_xlsx(info, &Layout::seed("评分表", &[]), &v), "xlsx");
    let r = common::score_one(rubric(), &write(dir.path(), "沁县.xlsb", &xlsb));
    assert!(r.ok(), "{:#?}", r.findings);
    let lost = info.items.iter().find(|i| i.id == "12").unwrap().max_points - 1.0;
    assert_eq!(r.assessment.as_ref().map(|a| a.total), Some(100.0 - lost), "{:#?}", r.findings);
}

#[test]
fn a_small_xlsb_claiming_a_huge_sheet_is_refused_before_allocating() {
    use kaohe_workbook::parse::{Cell as RawCell, Parsed, RawSheet, Value};
    let dir = tempfile::tempdir().unwrap();
    // Two cells a million rows and 16,000 columns apart: a dense range of 16 billion cells, in 1 KB.
    let far = |row, col| RawCell { row, col, value: Value::Number(1.0) };
    let sheet = RawSheet { name: "评分表".into(), visible: true, cells: vec![far(0, 0), far(1_000_000, 16_000)], uncached: vec![] };
    let xlsb = common::xlsb::write(&Parsed { sheets: vec![sheet], warnings: vec![] });
    assert!(xlsb.len() < 2048);
    let started = std::time::Instant::now();
    let r = common::score_one(rubric(), &write(dir.path(), "huge.xlsb", &xlsb));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (code, msg) = only_error(&r);
    assert_eq!(code, "too-large", "{:#?}", r.findings);
    assert!(msg.contains("评分表"), "{msg}");
}

/// Found by fuzz/reader_formats: a compound file cut short inside its FAT sector
/// makes calamine fail an assertion (a panic; in the sandbox, a trap). It is one
/// `unreadable` finding with the parser's words kept as its detail.
#[test]
fn a_compound_file_cut_inside_its_fat_is_unreadable_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut cut = looping_xls();
    cut.truncate(512 + 511);
    let p = write(dir.path(), "cut.xls", &cut);
    let r = common::score_one(rubric(), &p);
    let f = r.findings.iter().find(|f| f.severity == Severity::Error).unwrap();
    assert_eq!(f.code, "unreadable", "{:#?}", r.findings);
    assert!(f.message.contains("另存为 .xlsx"), "{}", f.message);
    assert!(f.detail.as_deref().is_some_and(|d| d.contains("panicked")), "{:?}", f.detail);
}

/// Found by fuzz/reader_formats: a compound file whose sector lies past the end
/// of the file makes calamine index out of bounds (a panic; in the sandbox, a
/// trap): one `unreadable` finding, and the next workbook is still scored.
#[test]
fn fuzzer_found_sector_past_the_end_is_a_finding() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fuzz-cfb-sector-past-end.xls");
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.xlsx", &filled());
    let results = kaohe::score::score_files(rubric(), &[p, good]);
    assert_eq!(only_error(&results[0]).0, "unreadable");
    assert!(results[1].ok(), "{:#?}", results[1].findings);
}

/// A BIFF8 .xls with one sheet whose DIMENSIONS record and cells are `sheet_records`.
fn xls_with_sheet(sheet_records: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let record = |typ: u16, data: &[u8]| -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    };
    let bof = |dt: u8| record(0x0809, &[0x00, 0x06, dt, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let name = "评分表".encode_utf16().flat_map(|u| u.to_le_bytes()).collect::<Vec<u8>>();
    let boundsheet_len = 4 + 8 + name.len(); // header, position, state, type, length, flags, name
    let globals_len = bof(0x05).len() + boundsheet_len + 4;
    let mut boundsheet = (globals_len as u32).to_le_bytes().to_vec();
    boundsheet.extend([0, 0, 3, 1]); // visible worksheet; 3 characters, UTF-16
    boundsheet.extend(&name);
    let mut stream = bof(0x05);
    stream.extend(record(0x0085, &boundsheet));
    stream.extend(record(0x000A, &[]));
    assert_eq!(stream.len(), globals_len);
    stream.extend(bof(0x10));
    for (typ, data) in sheet_records {
        stream.extend(record(*typ, data));
    }
    stream.extend(record(0x000A, &[]));
    let mut cfb = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    cfb.create_stream("Workbook").unwrap().write_all(&stream).unwrap();
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

#[test]
fn a_small_xls_claiming_a_huge_sheet_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let number = |row: u16, col: u16| {
        let mut b = row.to_le_bytes().to_vec();
        b.extend(col.to_le_bytes());
        b.extend([0u8; 2]);
        b.extend(1.0f64.to_le_bytes());
        (0x0203u16, b)
    };
    // DIMENSIONS claiming every row and column of a BIFF8 sheet (16 million cells: calamine reserves room for them all).
    let mut dims = 0u32.to_le_bytes().to_vec();
    dims.extend(65_536u32.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend([0, 0]);
    let claimed = xls_with_sheet(&[(0x0200, dims), number(0, 0)]);
    // Two cells 65,000 rows and 255 columns apart: a dense range of 16 million cells.
    let far = xls_with_sheet(&[number(0, 0), number(65_000, 255)]);
    for (name, bytes) in [("claimed.xls", claimed), ("far.xls", far)] {
        assert!(bytes.len() < 32 << 10, "{name}: {} bytes", bytes.len()); // mostly the compound file's own sectors
        let started = std::time::Instant::now();
        let r = common::score_one(rubric(), &write(dir.path(), name, &bytes));
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let (code, msg) = only_error(&r);
        assert_eq!(code, "too-large", "{name}: {:#?}", r.findings);
        assert!(msg.contains("评分表"), "{name}: {msg}");
    }
}
