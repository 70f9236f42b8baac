//! The comparison workbook (评分标准变化, 对比, 问题清单) and its JSON.

use anyhow::Result;
use rust_xlsxwriter::Workbook;

use super::findings::{findings_sheet, of_results};
use super::style::{Paper, Report as Formats};
use super::{Value, write_value};
use crate::compare::{Change, Pair, category_names, category_score, delta, ok};
use crate::runtime::{LoadedRubric, RubricInfo};

/// The comparison workbook: 评分标准变化, 对比 (per unit: A, B and the difference), 问题清单.
pub fn workbook(a: &LoadedRubric, b: &LoadedRubric, changes: &[Change], pairs: &[Pair]) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let styles = f.register(&mut book, &[]);
    book.set_properties(&crate::output::properties("评分标准版本对比", crate::output::Kind::Summary));
    let (ia, ib) = (&a.info, &b.info);
    let tag = |i: &RubricInfo| format!("{} {}", i.id, i.version);

    let ws = book.add_worksheet();
    ws.set_name("评分标准变化")?;
    for (c, w) in [16.0, 10.0, 50.0, 50.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.merge_range(0, 0, 0, 3, &format!("评分标准变化：{} → {}", tag(ia), tag(ib)), &f.title)?;
    for (c, h) in ["变化", "序号", &format!("A：{}", tag(ia)), &format!("B：{}", tag(ib))].iter().enumerate() {
        ws.write_with_format(1, c as u16, *h, &f.header)?;
    }
    for (k, ch) in changes.iter().enumerate() {
        let row = k as u32 + 2;
        for (c, v) in [ch.label, ch.item.as_str(), ch.a.as_str(), ch.b.as_str()].iter().enumerate() {
            ws.write_with_format(row, c as u16, *v, if c >= 2 { &f.note } else { &f.text })?;
        }
        // A and B wrap at about 25 Chinese characters a line: room for the longer.
        let lines = ch.a.chars().count().max(ch.b.chars().count()).div_ceil(25).max(1);
        ws.set_row_height(row, 15.0 * lines as f64 + 3.0)?;
    }
    ws.set_row_height(0, 28)?;
    Paper::LANDSCAPE.rows(1, 1).apply(ws)?;
    if changes.is_empty() {
        ws.merge_range(2, 0, 2, 3, "两个评分标准的内容相同", &f.text)?;
    }

    let ws = book.add_worksheet();
    ws.set_name("对比")?;
    let cats = category_names(ia, ib);
    let mut headers = vec!["县(市、区)".to_string(), "服务(中心)站名称".to_string()];
    for name in cats.iter().map(String::as_str).chain(["加分减分", "总分"]) {
        headers.extend([format!("{name}(A)"), format!("{name}(B)"), format!("{name}变化")]);
    }
    headers.extend(["考核结果(A)".to_string(), "考核结果(B)".to_string()]);
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 24)?;
    for c in 2..headers.len() {
        ws.set_column_width(c as u16, 7.5)?;
    }
    ws.set_row_height(1, 45)?;
    Paper { repeat_rows: Some((1, 1)), repeat_columns: Some((0, 1)), ..Paper::LANDSCAPE }.apply(ws)?;
    ws.merge_range(0, 0, 0, headers.len() as u16 - 1, &format!("A：{}（{}）　B：{}（{}）", tag(ia), ia.title, tag(ib), ib.title), &f.line)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(1, c as u16, h, &f.header)?;
    }
    for (k, p) in pairs.iter().enumerate() {
        let row = k as u32 + 2;
        write_value(ws, row, 0, Some(Value::Text(p.a.county.clone())), &f)?;
        write_value(ws, row, 1, Some(Value::Text(p.a.center.clone())), &f)?;
        let mut triples: Vec<(Option<f64>, Option<f64>)> =
            cats.iter().map(|n| (ok(&p.a).and(category_score(&p.a, n)), ok(&p.b).and(category_score(&p.b, n)))).collect();
        triples.push((ok(&p.a).map(|x| x.adjustment), ok(&p.b).map(|x| x.adjustment)));
        triples.push((ok(&p.a).map(|x| x.total), ok(&p.b).map(|x| x.total)));
        let mut c = 2u16;
        for (x, y) in triples {
            for v in [x, y, delta(x, y)] {
                write_value(ws, row, c, v.map(Value::Number), &f)?;
                c += 1;
            }
        }
        for r in [&p.a, &p.b] {
            let g = ok(r).map(|x| x.grade.clone()).unwrap_or_else(|| r.status().label().into());
            write_value(ws, row, c, Some(Value::Text(g)), &f)?;
            c += 1;
        }
    }

    let scoped = pairs.iter().flat_map(|p| [(ia.id.as_str(), &p.a), (ib.id.as_str(), &p.b)]);
    let index = book.worksheets_mut().len();
    let rows = findings_sheet(book.add_worksheet(), index, "问题清单", of_results(scoped), &f, &styles)?;
    if super::charts::compare(&mut book, a, b, pairs)? {
        let last = book.worksheets_mut().len() - 1;
        book.worksheet_from_index(last)?.set_active(true);
    }
    crate::output::save_summary(&mut book, rows.into_iter().collect())
}
