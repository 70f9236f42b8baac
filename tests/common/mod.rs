//! Writers for scorecards laid out by hand, the way inspectors retype the seed
//! in Excel or WPS (and as ODS). Shared by the integration tests and by
//! `cargo run --example make-samples`, which writes `samples/`.
#![allow(dead_code)]

use std::io::Write;

use kaohe::runtime::{LoadedRubric, RubricInfo, Runtime, Scoring};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

pub mod xlsb;

/// A value as an inspector might type it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Num(f64),
    Text(String),
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Num(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}

/// How a hand-made scorecard is laid out.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Column headers in order, by their canonical names (序号, 得分, 分值,
    /// 工作标准, 主要内容, 自评得分, 备注); must include 序号 and 得分 or 自评得分.
    pub columns: Vec<&'static str>,
    /// Put a notes sheet before the scorecard.
    pub cover_sheet: bool,
    /// Merge the 主要内容 cells of each category.
    pub merge_categories: bool,
    /// Repeat the header row every N items (as the seed does at page breaks); 0 = never.
    pub repeat_header_every: usize,
    /// Title line, e.g. 县(区)退役军人服务中心考核评分表（示例数据）.
    pub title: String,
    /// Label lines above the table, e.g. ["被考核单位：屯留区退役军人服务中心"].
    /// A label with no colon puts its value in the next cell: ("单位名称", "X").
    pub labels: Vec<(String, Option<String>)>,
    /// The scorecard's sheet name.
    pub sheet: String,
    /// Header text written for a canonical column name: ("得分", "实得分").
    pub rename: Vec<(&'static str, &'static str)>,
    /// What the 自评得分 column holds, if the layout has one.
    pub self_scores: Vec<(String, Cell)>,
    /// A 小计 row after a category's last item, with the number typed in it.
    pub subtotals: Vec<(String, Cell)>,
    /// What is typed in the 总分 row under the table (nothing when `None`).
    pub total: Option<Cell>,
}

impl Layout {
    /// The seed's own column order with merged categories.
    pub fn seed(title: &str, labels: &[(&str, Option<&str>)]) -> Self {
        Layout {
            columns: vec!["主要内容", "序号", "工作标准", "分值", "得分"],
            cover_sheet: false,
            merge_categories: true,
            repeat_header_every: 0,
            title: title.to_string(),
            labels: labels.iter().map(|(a, b)| (a.to_string(), b.map(str::to_string))).collect(),
            sheet: "考核评分表".into(),
            rename: vec![],
            self_scores: vec![],
            subtotals: vec![],
            total: None,
        }
    }
}

/// One row of a hand-made scorecard: (category, 序号, text, 分值 text, 得分).
type Row = (String, String, String, Option<f64>, Option<Cell>);

/// The rows of a hand-made scorecard.
fn rows(info: &RubricInfo, values: &[(String, Cell)]) -> Vec<Row> {
    info.items
        .iter()
        .map(|item| {
            let v = values.iter().find(|(k, _)| k == &item.id).map(|(_, v)| v.clone());
            let max = match item.scoring {
                Scoring::Range => Some(item.max_points),
                _ => None, // the seed leaves 分值 blank for 61–65 and 70
            };
            (item.category.clone(), item.id.clone(), item.text.clone(), max, v)
        })
        .collect()
}

fn write_cell(ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, v: Option<&Cell>, f: &Format) {
    match v {
        Some(Cell::Num(v)) => ws.write_number_with_format(r, c, *v, f).unwrap(),
        Some(Cell::Text(t)) => ws.write_with_format(r, c, t.as_str(), f).unwrap(),
        None => ws.write_blank(r, c, f).unwrap(),
    };
}

/// An xlsx scorecard in a hand-made layout, with 序号 written as numbers.
pub fn handmade_xlsx(info: &RubricInfo, layout: &Layout, values: &[(String, Cell)]) -> Vec<u8> {
    handmade_book(info, &[(layout.clone(), values.to_vec())])
}

/// An xlsx workbook with one hand-made scorecard per (layout, values), each on
/// the sheet its layout names (a cover sheet first where the first layout asks).
pub fn handmade_book(info: &RubricInfo, sheets: &[(Layout, Vec<(String, Cell)>)]) -> Vec<u8> {
    handmade_book_with(info, sheets, |_| {})
}

/// [`handmade_book`], then `more` adds sheets of its own after the scorecards.
pub fn handmade_book_with(info: &RubricInfo, sheets: &[(Layout, Vec<(String, Cell)>)], more: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut book = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 9, 12).unwrap();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    if sheets.first().is_some_and(|s| s.0.cover_sheet) {
        let cover = book.add_worksheet();
        cover.set_name("填表说明").unwrap();
        cover.write(0, 0, "请在评分表工作表中逐项打分。").unwrap();
        cover.write(1, 0, "序号").unwrap(); // a stray label, not a header row
    }
    for (layout, values) in sheets {
        handmade_sheet(book.add_worksheet(), info, layout, values);
    }
    more(&mut book);
    book.save_to_buffer().unwrap()
}

fn handmade_sheet(ws: &mut rust_xlsxwriter::Worksheet, info: &RubricInfo, layout: &Layout, values: &[(String, Cell)]) {
    ws.set_name(&layout.sheet).unwrap();
    let border = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    ws.write(0, 0, layout.title.as_str()).unwrap();
    let mut r = 1u32;
    for (label, value) in &layout.labels {
        ws.write(r, 0, label.as_str()).unwrap();
        if let Some(v) = value {
            ws.write(r, 1, v.as_str()).unwrap();
        }
        r += 1;
    }
    let col = |name: &str| layout.columns.iter().position(|c| *c == name).map(|p| p as u16);
    for (c, name) in layout.columns.iter().enumerate() {
        let width = match *name {
            "工作标准" => 60.0,
            "主要内容" => 10.0,
            _ => 8.0,
        };
        ws.set_column_width(c as u16, width).unwrap();
    }
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let header = |ws: &mut rust_xlsxwriter::Worksheet, r: u32| {
        for (c, h) in layout.columns.iter().enumerate() {
            let shown = layout.rename.iter().find(|(from, _)| from == h).map(|(_, to)| *to).unwrap_or(h);
            ws.write_with_format(r, c as u16, shown, &border).unwrap();
        }
    };
    header(ws, r);
    r += 1;
    let mut group_start: Option<(String, u32)> = None;
    let mut merges = Vec::new();
    let all = rows(info, values);
    for (k, (cat, id, text, max, value)) in all.iter().cloned().enumerate() {
        if layout.repeat_header_every > 0 && k > 0 && k % layout.repeat_header_every == 0 {
            if let Some((c, start)) = group_start.take() {
                merges.push((c, start, r - 1));
            }
            header(ws, r);
            r += 1;
        }
        match &group_start {
            Some((c, _)) if *c == cat => {}
            _ => {
                if let Some((c, start)) = group_start.take() {
                    merges.push((c, start, r - 1));
                }
                group_start = Some((cat.clone(), r));
            }
        }
        if let Some(c) = col("序号") {
            ws.write_number_with_format(r, c, id.parse::<f64>().unwrap(), &border).unwrap();
        }
        if let Some(c) = col("工作标准") {
            ws.write_with_format(r, c, text.as_str(), &border).unwrap();
        }
        if let (Some(c), Some(m)) = (col("分值"), max) {
            ws.write_number_with_format(r, c, m, &border).unwrap();
        }
        if let Some(c) = col("得分") {
            write_cell(ws, r, c, value.as_ref(), &border);
        }
        if let Some(c) = col("自评得分") {
            let v = layout.self_scores.iter().find(|(k, _)| *k == id).map(|(_, v)| v);
            write_cell(ws, r, c, v, &border);
        }
        r += 1;
        // A 小计 row after the category's last item.
        let last_of_category = all.get(k + 1).is_none_or(|next| next.0 != cat);
        if let Some((_, v)) = layout.subtotals.iter().find(|(c, _)| *c == cat).filter(|_| last_of_category) {
            if let Some((c, start)) = group_start.take() {
                merges.push((c, start, r - 1));
            }
            ws.write_with_format(r, col("工作标准").or(col("主要内容")).unwrap_or(0), "小计", &border).unwrap();
            write_cell(ws, r, col("得分").or(col("自评得分")).unwrap(), Some(v), &border);
            r += 1;
        }
    }
    if let Some((c, start)) = group_start.take() {
        merges.push((c, start, r - 1));
    }
    if let Some(c) = col("主要内容") {
        for (name, first, last) in merges {
            if layout.merge_categories && last > first {
                ws.merge_range(first, c, last, c, &name, &border).unwrap();
            } else {
                ws.write_with_format(first, c, name.as_str(), &border).unwrap();
            }
        }
    }
    let label_col = if col("得分") == Some(0) { 1 } else { 0 };
    ws.write(r, label_col, "总分").unwrap();
    if let (Some(v), Some(c)) = (&layout.total, col("得分").or(col("自评得分"))) {
        write_cell(ws, r, c, Some(v), &border);
    }
}

/// An OpenDocument spreadsheet in the seed's layout (no merges), as LibreOffice or WPS saves it.
pub fn handmade_ods(info: &RubricInfo, title: &str, labels: &[(&str, &str)], values: &[(String, Cell)]) -> Vec<u8> {
    handmade_ods_sheets(info, &[("考核评分表", title, labels, values)])
}

/// One sheet of an ODS scorecard: (sheet name, title, label cells, values).
pub type OdsSheet<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [(String, Cell)]);

/// An OpenDocument spreadsheet with one scorecard per sheet.
pub fn handmade_ods_sheets(info: &RubricInfo, sheets: &[OdsSheet<'_>]) -> Vec<u8> {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    fn cell(c: &Option<Cell>) -> String {
        match c {
            None => "<table:table-cell/>".into(),
            Some(Cell::Num(v)) => format!(r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#),
            Some(Cell::Text(t)) => format!(r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#, esc(t)),
        }
    }
    let row = |cells: Vec<Option<Cell>>| format!("<table:table-row>{}</table:table-row>", cells.iter().map(cell).collect::<String>());
    let t = |s: &str| Some(Cell::Text(s.to_string()));
    let mut tables = String::new();
    for (sheet, title, labels, values) in sheets {
        let mut body = String::new();
        body.push_str(&row(vec![t(title)]));
        for (l, v) in labels.iter() {
            body.push_str(&row(vec![t(l), t(v)]));
        }
        body.push_str(&row(["主要内容", "序号", "工作标准", "分值", "得分"].iter().map(|h| t(h)).collect()));
        let mut last_cat = String::new();
        for (cat, id, text, max, value) in rows(info, values) {
            let c = if cat != last_cat { t(&cat) } else { None };
            last_cat = cat;
            body.push_str(&row(vec![c, Some(Cell::Num(id.parse().unwrap())), t(&text), max.map(Cell::Num), value]));
        }
        tables.push_str(&format!(r#"<table:table table:name="{}">{body}</table:table>"#, esc(sheet)));
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).last_modified_time(zip::DateTime::default());
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// Values for every base item at full marks, as (id, value) pairs.
pub fn full_marks(info: &RubricInfo) -> Vec<(String, Cell)> {
    info.items.iter().filter(|i| i.required).map(|i| (i.id.clone(), Cell::Num(i.max_points))).collect()
}

/// Replace (or add) one value.
pub fn set(values: &mut Vec<(String, Cell)>, id: &str, v: impl Into<Cell>) {
    values.retain(|(k, _)| k != id);
    values.push((id.to_string(), v.into()));
}

/// The built-in changzhi-2023 component, compiled once per test binary.
pub fn changzhi() -> &'static LoadedRubric {
    static R: std::sync::OnceLock<(Runtime, LoadedRubric)> = std::sync::OnceLock::new();
    &R.get_or_init(|| {
        let rt = Runtime::new(Default::default()).unwrap();
        let r = rt.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap();
        (rt, r)
    })
    .1
}

/// Score a workbook that holds one unit (a single scorecard, or a file that
/// cannot be read), and return that unit's result.
pub fn score_one(rubric: &LoadedRubric, path: &std::path::Path) -> kaohe::score::UnitResult {
    let mut units = kaohe::score::score_file(rubric, path);
    assert_eq!(units.len(), 1, "{} should hold one unit: {units:#?}", path.display());
    units.remove(0)
}

/// `bytes` (a zip) with one part's text changed by `f`.
pub fn with_part(bytes: &[u8], part: &str, f: impl Fn(String) -> String) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut file = src.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut data).unwrap();
        if name == part {
            data = f(String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}
