//! The fast xlsx path against calamine: every workbook read both ways gives the
//! same scorecard, and the fast path really is taken for the files it is for.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use kaohe_workbook::{Entered, ReadLimits, fast_path_reads, read_bytes_reference, read_bytes_with, sheet_cells};

fn both_ways(bytes: &[u8], name: &str) {
    let path = Path::new(name);
    let limits = ReadLimits::default();
    let fast = read_bytes_with(bytes, path, &limits);
    let reference = read_bytes_reference(bytes, path, &limits);
    assert_eq!(fast, reference, "{name}");
    // Not only the scorecard: every cell of every sheet.
    let cells = |fast| sheet_cells(bytes, path, &limits, fast);
    assert_eq!(cells(true), cells(false), "{name}");
}

/// The workbook is read by the fast path, and the same both ways.
fn read_fast_both_ways(bytes: &[u8], name: &str) {
    assert!(fast_path_reads(bytes, &ReadLimits::default()), "{name} should take the fast path");
    both_ways(bytes, name);
}

/// The fast path steps aside for the workbook, and it reads the same both ways.
fn read_by_calamine_both_ways(bytes: &[u8], name: &str) {
    assert!(!fast_path_reads(bytes, &ReadLimits::default()), "{name} should go to calamine");
    both_ways(bytes, name);
}

fn workbooks(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            workbooks(&p, out);
        } else if p.extension().is_some_and(|x| x == "xlsx" || x == "ods") {
            out.push(p);
        }
    }
}

#[test]
fn every_shipped_sample_reads_the_same_both_ways() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    workbooks(&root.join("samples"), &mut files);
    workbooks(&root.join("tests/fixtures"), &mut files);
    assert!(files.len() >= 15, "{files:?}");
    let mut fast = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        both_ways(&bytes, &f.display().to_string());
        fast += usize::from(fast_path_reads(&bytes, &ReadLimits::default()));
    }
    // Every shipped xlsx sample (templates, hand-made layouts) takes the fast path;
    // the fixtures (fuzzer finds, malformed on purpose) do not.
    let samples = files.iter().filter(|f| f.extension().is_some_and(|x| x == "xlsx") && f.starts_with(root.join("samples")));
    assert_eq!(fast, samples.count());
}

/// A workbook as rust_xlsxwriter writes it, then with parts replaced the way
/// Excel and WPS write them.
fn rewrite(book: &mut rust_xlsxwriter::Workbook, replace: &[(&str, &str, &str)]) -> Vec<u8> {
    repack(&book.save_to_buffer().unwrap(), zip::CompressionMethod::Deflated, |name, data| {
        let mut data = data.to_string();
        for (part, from, to) in replace {
            if name == *part {
                assert!(data.contains(from), "{part} lacks {from}: {data}");
                data = data.replace(from, to);
            }
        }
        vec![(name.to_string(), data)]
    })
}

/// The zip with each part replaced by what `f` makes of (name, text): none,
/// itself, or more; every part written with `method`.
fn repack(bytes: &[u8], method: zip::CompressionMethod, f: impl Fn(&str, &str) -> Vec<(String, String)>) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for i in 0..src.len() {
        let mut file = src.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = String::new();
        file.read_to_string(&mut data).unwrap();
        for (name, data) in f(&name, &data) {
            out.start_file(name, options).unwrap();
            out.write_all(data.as_bytes()).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// [`scorecard_book`] without its date cell: what the fast path reads.
fn plain_book() -> rust_xlsxwriter::Workbook {
    let mut book = scorecard_book();
    book.worksheet_from_index(0).unwrap().write_number(7, 1, 3.0).unwrap();
    book
}

fn scorecard_book() -> rust_xlsxwriter::Workbook {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("评分表 & 附表").unwrap();
    ws.write(0, 0, "  县(区)：潞州区  ").unwrap();
    ws.write(1, 0, "序号").unwrap();
    ws.write(1, 1, "得分").unwrap();
    ws.write(1, 2, "备注").unwrap();
    for k in 1..=6u32 {
        ws.write(1 + k, 0, k as f64).unwrap();
    }
    ws.write(2, 1, 1.5).unwrap();
    ws.write(3, 1, "２分").unwrap();
    ws.write(4, 1, true).unwrap();
    ws.write_formula(5, 1, "=1+1").unwrap();
    ws.write(6, 1, "a < b & \"c\" 'd'\nline two").unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let plain = rust_xlsxwriter::Format::new().set_num_format("0.0_ ");
    ws.write_with_format(7, 1, 45000.0, &date).unwrap();
    ws.write_with_format(7, 2, 2.25, &plain).unwrap();
    let hidden = book.add_worksheet();
    hidden.set_name("kaohe").unwrap();
    hidden.write(0, 0, "rubric").unwrap();
    hidden.write(0, 1, "changzhi-2023").unwrap();
    hidden.set_hidden(true);
    book
}

#[test]
fn strings_numbers_formulas_and_dates_read_the_same_both_ways() {
    // The date-formatted number is calamine's to read (a date is never a score).
    let bytes = scorecard_book().save_to_buffer().unwrap();
    both_ways(&bytes, "mixed.xlsx");
    assert!(!fast_path_reads(&bytes, &ReadLimits::default()), "a date format sends the file to calamine");
    let card = read_bytes_with(&bytes, Path::new("mixed.xlsx"), &ReadLimits::default()).unwrap().cards.remove(0);
    assert_eq!(card.county, "潞州区");
    assert_eq!(card.rows["1"].value, Entered::Number(1.5));
    assert!(matches!(&card.rows["6"].value, Entered::Other(d) if d.starts_with("日期")), "{:?}", card.rows["6"]);

    // Without the date cell the fast path reads it, entities, quotes and newlines included.
    let mut book = plain_book();
    let bytes = book.save_to_buffer().unwrap();
    read_fast_both_ways(&bytes, "mixed.xlsx");
}

#[test]
fn excel_and_wps_constructs_read_the_same_both_ways() {
    let mut book = plain_book();
    // Rich text with a phonetic run, character references, an inline string, a
    // formula string, an uncached formula, row attributes from newer Excel.
    let bytes = rewrite(
        &mut book,
        &[
            (
                "xl/sharedStrings.xml",
                "<si><t>得分</t></si>",
                "<si><r><rPr><b/></rPr><t>得</t></r><r><t xml:space=\"preserve\">&#20998;</t></r><rPh sb=\"0\" eb=\"1\"><t>de fen</t></rPh><phoneticPr fontId=\"1\"/></si>",
            ),
            ("xl/worksheets/sheet1.xml", "<f>1+1</f><v>0</v>", "<f>1+1</f>"),
            ("xl/worksheets/sheet1.xml", "<row r=\"2\"", "<row r=\"2\" x14ac:dyDescent=\"0.25\""),
            (
                "xl/worksheets/sheet1.xml",
                "<c r=\"B3\"><v>1.5</v></c>",
                "<c r=\"B3\"><v>1.5</v></c><c r=\"D3\" t=\"inlineStr\"><is><t>行内 &amp; 文本</t></is></c><c r=\"E3\" t=\"str\"><f>\"x\"</f><v>公式文字</v></c>",
            ),
        ],
    );
    read_fast_both_ways(&bytes, "excel.xlsx");
    let card = read_bytes_with(&bytes, Path::new("excel.xlsx"), &ReadLimits::default()).unwrap().cards.remove(0);
    assert_eq!(card.rows["4"].value, Entered::UncachedFormula);

    // An error value is calamine's to read: the result is the same, the path is not.
    let bytes =
        rewrite(&mut scorecard_book(), &[("xl/worksheets/sheet1.xml", "<c r=\"B6\"><f>1+1</f><v>0</v>", "<c r=\"B6\" t=\"e\"><f>1/0</f><v>#DIV/0!</v>")]);
    read_by_calamine_both_ways(&bytes, "error.xlsx");
}

#[test]
fn spaces_around_a_text_run_are_kept_only_where_preserved_both_ways() {
    // calamine trims ASCII spaces, tabs and line breaks around a <t> unless xml:space="preserve"
    // (a fuzzer find: "得 分" against "得分"); U+00A0 stays either way.
    let mut book = plain_book();
    let bytes = rewrite(
        &mut book,
        &[
            ("xl/sharedStrings.xml", "<si><t>得分</t></si>", "<si><r><t>得</t></r><r><t xml:space=\"other\"> &#20998;\t</t></r></si>"),
            ("xl/sharedStrings.xml", "<si><t>备注</t></si>", "<si><t xml:space=\"preserve\"> 备注 </t></si>"),
            (
                "xl/worksheets/sheet1.xml",
                "<c r=\"B3\"><v>1.5</v></c>",
                "<c r=\"B3\"><v>1.5</v></c><c r=\"D3\" t=\"inlineStr\"><is><t>\n 行内\u{a0}</t></is></c>",
            ),
        ],
    );
    read_fast_both_ways(&bytes, "spaces.xlsx");
    let cells = sheet_cells(&bytes, Path::new("spaces.xlsx"), &ReadLimits::default(), true).unwrap();
    let text = |r: u32, c: u32| cells[0].2.iter().find(|(p, _)| *p == (r, c)).map(|(_, d)| d.to_string()).unwrap_or_default();
    assert_eq!(text(1, 1), "得分");
    assert_eq!(text(1, 2), " 备注 ");
    assert_eq!(text(2, 3), "行内\u{a0}");
}

#[test]
fn inline_strings_from_a_streaming_writer_read_the_same_both_ways() {
    // rust_xlsxwriter's constant-memory mode writes inline strings, as some exporters do.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet_with_constant_memory().unwrap();
    ws.write(0, 0, "被考核单位：沁县退役军人服务中心").unwrap();
    ws.write(1, 0, "序号").unwrap();
    ws.write(1, 1, "得分").unwrap();
    for k in 1..=3u32 {
        ws.write(1 + k, 0, k as f64).unwrap();
        ws.write(1 + k, 1, k as f64 / 2.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    read_fast_both_ways(&bytes, "streamed.xlsx");
}

#[test]
fn limits_hold_on_the_fast_path() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "序号").unwrap();
    ws.write(0, 1, "得分").unwrap();
    for r in 1..200u32 {
        ws.write(r, 0, r as f64).unwrap();
        ws.write(r, 1, 1.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    assert!(fast_path_reads(&bytes, &ReadLimits::default()));
    let limits = ReadLimits { max_cells: 100, ..Default::default() };
    let fast = read_bytes_with(&bytes, Path::new("big.xlsx"), &limits).unwrap_err();
    assert_eq!(fast.code, "too-large");
    assert_eq!(Err(fast), read_bytes_reference(&bytes, Path::new("big.xlsx"), &limits));
}

#[test]
fn a_sheet_cut_short_or_with_comments_reads_the_same_both_ways() {
    // A comment that mentions the end tag, and a sheet whose cells never end.
    let mut plain = plain_book();
    assert!(fast_path_reads(&plain.save_to_buffer().unwrap(), &ReadLimits::default()));
    let commented = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<row r=\"3\"", "<!-- </sheetData> --><row r=\"3\"")]);
    both_ways(&commented, "commented.xlsx");
    let cut = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "</sheetData>", "")]);
    read_by_calamine_both_ways(&cut, "cut.xlsx");
}

#[test]
fn odd_but_valid_markup_and_duplicate_attributes_read_the_same_both_ways() {
    let mut plain = plain_book();
    // '>' inside an attribute value, single quotes, spaces around '=': valid XML, read fast.
    let odd = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<row r=\"3\"", "<row note='a>b' r = \"3\"")]);
    read_fast_both_ways(&odd, "odd.xlsx");
    // An attribute named twice is not well-formed: calamine's call.
    let dup = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<c r=\"B3\"", "<c t=\"s\" t=\"n\" r=\"B3\"")]);
    read_by_calamine_both_ways(&dup, "dup.xlsx");
}

#[test]
fn nested_or_unclosed_elements_read_the_same_both_ways() {
    // Found by the xlsx_xml fuzz target: a shared string nested in another, and
    // elements left open. Both go to calamine.
    let mut plain = plain_book();
    let nested = rewrite(&mut plain, &[("xl/sharedStrings.xml", "<si><t>得分</t></si>", "<si><t>得</t><si><t>分</t></si></si>")]);
    read_by_calamine_both_ways(&nested, "nested.xlsx");
    let unclosed = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<c r=\"B3\"><v>1.5</v></c>", "<c r=\"B3\"><v>1.5</v>")]);
    read_by_calamine_both_ways(&unclosed, "unclosed.xlsx");
}

/// The same zip with every entry stored (not deflated), as some exporters write.
fn stored(bytes: &[u8]) -> Vec<u8> {
    repack(bytes, zip::CompressionMethod::Stored, |name, data| vec![(name.to_string(), data.to_string())])
}

#[test]
fn stored_entries_read_the_same_both_ways_and_a_bad_checksum_steps_aside() {
    let mut plain = plain_book();
    let bytes = stored(&plain.save_to_buffer().unwrap());
    read_fast_both_ways(&bytes, "stored.xlsx");
    // One character of a shared string changed, its CRC not: the entry is damaged.
    let at = bytes.windows("<t>得分</t>".len()).position(|w| w == "<t>得分</t>".as_bytes()).unwrap();
    let mut damaged = bytes.clone();
    damaged[at..at + "<t>得份</t>".len()].copy_from_slice("<t>得份</t>".as_bytes());
    read_by_calamine_both_ways(&damaged, "damaged.xlsx");
}

#[test]
fn tags_with_many_attributes_read_the_same_both_ways() {
    let mut plain = plain_book();
    let many: String = (0..12).map(|k| format!(" a{k}=\"{k}\"")).collect();
    // Twelve distinct attributes (more than the scanner keeps to compare): valid, read fast.
    let wide = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<row r=\"3\"", &format!("<row{many} r=\"3\""))]);
    read_fast_both_ways(&wide, "wide.xlsx");
    // The twelfth naming the same attribute as the first: not well-formed, calamine's call.
    let dup = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<row r=\"3\"", &format!("<row{many} a0=\"x\" r=\"3\""))]);
    read_by_calamine_both_ways(&dup, "wide-dup.xlsx");
}

#[test]
fn a_lying_shared_string_count_steps_aside_and_is_refused_both_ways() {
    let mut plain = plain_book();
    let bytes = plain.save_to_buffer().unwrap();
    let xml = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut s = String::new();
        z.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let at = xml.find("uniqueCount=\"").unwrap();
    let old = &xml[at..at + xml[at..].find("\" ").or_else(|| xml[at..].find("\">")).unwrap() + 1];
    let lying = rewrite(&mut plain, &[("xl/sharedStrings.xml", old, "uniqueCount=\"99999999999999999999999\"")]);
    read_by_calamine_both_ways(&lying, "lying.xlsx");
    assert_eq!(read_bytes_with(&lying, Path::new("lying.xlsx"), &ReadLimits::default()).unwrap_err().code, "unreadable");
}

#[test]
fn parts_calamine_would_find_elsewhere_send_the_workbook_to_calamine() {
    // calamine finds the workbook through _rels/.rels, and the shared strings and styles
    // by their usual names (ignoring case); the fast path reads only where both agree.
    let mut plain = plain_book();
    let bytes = plain.save_to_buffer().unwrap();
    assert!(fast_path_reads(&bytes, &ReadLimits::default()));
    let keep = |n: &str, d: &str| vec![(n.to_string(), d.to_string())];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no-package-rels.xlsx", repack(&bytes, zip::CompressionMethod::Deflated, |n, d| if n == "_rels/.rels" { vec![] } else { keep(n, d) })),
        (
            "workbook-elsewhere.xlsx",
            // The usual workbook part is still there, but the package names another.
            repack(&bytes, zip::CompressionMethod::Deflated, |n, d| match n {
                "_rels/.rels" => keep(n, &d.replace("xl/workbook.xml", "xl/book.xml")),
                "xl/workbook.xml" => vec![(n.into(), d.into()), ("xl/book.xml".into(), d.replace("评分表 &amp; 附表", "另一张表"))],
                "xl/_rels/workbook.xml.rels" => vec![(n.into(), d.into()), ("xl/_rels/book.xml.rels".into(), d.into())],
                _ => keep(n, d),
            }),
        ),
        (
            "strings-elsewhere.xlsx",
            repack(&bytes, zip::CompressionMethod::Deflated, |n, d| match n {
                "xl/_rels/workbook.xml.rels" => keep(n, &d.replace("sharedStrings.xml", "strings.xml")),
                "xl/sharedStrings.xml" => keep("xl/strings.xml", d),
                _ => keep(n, d),
            }),
        ),
        (
            // calamine still reads the date format from xl/styles.xml.
            "styles-unlisted.xlsx",
            repack(&scorecard_book().save_to_buffer().unwrap(), zip::CompressionMethod::Deflated, |n, d| match n {
                "xl/_rels/workbook.xml.rels" => keep(n, &d.replace("styles.xml", "unlisted.xml")),
                _ => keep(n, d),
            }),
        ),
        (
            "names-differing-in-case.xlsx",
            repack(&bytes, zip::CompressionMethod::Deflated, |n, d| {
                let mut parts = keep(n, d);
                if n == "xl/sharedStrings.xml" {
                    parts.push(("XL/SharedStrings.XML".into(), d.replace("得分", "得份")));
                }
                parts
            }),
        ),
    ];
    let fast: Vec<&str> = cases.iter().filter(|(_, book)| fast_path_reads(book, &ReadLimits::default())).map(|(n, _)| *n).collect();
    assert!(fast.is_empty(), "read by the fast path: {fast:?}");
    for (name, book) in &cases {
        both_ways(book, name);
    }
}

#[test]
fn sheet_data_mentioned_before_the_element_reads_the_same_both_ways() {
    // Found by the xlsx_xml fuzz target: the fast path found <sheetData> by searching
    // the text, so the same characters in a comment (or an attribute value, which
    // calamine tolerates) before the element were read as the sheet's cells.
    let mut plain = plain_book();
    let decoy = "<!-- <sheetData><row r=\"1\"><c r=\"A1\"><v>9</v></c></row></sheetData> --><sheetData>";
    let commented = rewrite(&mut plain, &[("xl/worksheets/sheet1.xml", "<sheetData>", decoy)]);
    both_ways(&commented, "decoy-comment.xlsx");
    let attribute = rewrite(
        &mut plain,
        &[("xl/worksheets/sheet1.xml", "<dimension ref=", "<dimension note=\"<sheetData><row r='1'><c r='A1'><v>9</v></c></row></sheetData>\" ref=")],
    );
    both_ways(&attribute, "decoy-attribute.xlsx");
    // Without a decoy the same book is read fast.
    assert!(fast_path_reads(&plain.save_to_buffer().unwrap(), &ReadLimits::default()));
}
