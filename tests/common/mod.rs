//! Writers for scorecards laid out by hand, the way inspectors retype the seed
//! in Excel or WPS (and as ODS). Shared by the integration tests and by
//! `cargo run --example make-samples`, which writes `samples/`.
#![allow(dead_code)]

use std::io::Write;

use kaohe::runtime::{LoadedRubric, RubricInfo, Runtime, Scoring};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

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
    /// Column headers in order; must include 序号 and 得分.
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

/// An xlsx scorecard in a hand-made layout, with 序号 written as numbers.
pub fn handmade_xlsx(info: &RubricInfo, layout: &Layout, values: &[(String, Cell)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 9, 12).unwrap();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    if layout.cover_sheet {
        let cover = book.add_worksheet();
        cover.set_name("填表说明").unwrap();
        cover.write(0, 0, "请在评分表工作表中逐项打分。").unwrap();
        cover.write(1, 0, "序号").unwrap(); // a stray label, not a header row
    }
    let ws = book.add_worksheet();
    ws.set_name("考核评分表").unwrap();
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
    let header = |ws: &mut rust_xlsxwriter::Worksheet, r: u32| {
        for (c, h) in layout.columns.iter().enumerate() {
            ws.write_with_format(r, c as u16, *h, &border).unwrap();
        }
    };
    header(ws, r);
    r += 1;
    let mut group_start: Option<(String, u32)> = None;
    let mut merges = Vec::new();
    for (k, (cat, id, text, max, value)) in rows(info, values).into_iter().enumerate() {
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
            match value {
                Some(Cell::Num(v)) => ws.write_number_with_format(r, c, v, &border).unwrap(),
                Some(Cell::Text(t)) => ws.write_with_format(r, c, t.as_str(), &border).unwrap(),
                None => ws.write_blank(r, c, &border).unwrap(),
            };
        }
        r += 1;
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
    ws.write(r, 0, "总分").unwrap();
    book.save_to_buffer().unwrap()
}

/// An OpenDocument spreadsheet in the seed's layout (no merges), as LibreOffice or WPS saves it.
pub fn handmade_ods(info: &RubricInfo, title: &str, labels: &[(&str, &str)], values: &[(String, Cell)]) -> Vec<u8> {
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
    let mut body = String::new();
    body.push_str(&row(vec![t(title)]));
    for (l, v) in labels {
        body.push_str(&row(vec![t(l), t(v)]));
    }
    body.push_str(&row(["主要内容", "序号", "工作标准", "分值", "得分"].iter().map(|h| t(h)).collect()));
    let mut last_cat = String::new();
    for (cat, id, text, max, value) in rows(info, values) {
        let c = if cat != last_cat { t(&cat) } else { None };
        last_cat = cat;
        body.push_str(&row(vec![c, Some(Cell::Num(id.parse().unwrap())), t(&text), max.map(Cell::Num), value]));
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="考核评分表">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
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
    info.items
        .iter()
        .filter(|i| i.required)
        .map(|i| (i.id.clone(), Cell::Num(i.max_points)))
        .collect()
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
