//! The provincial workbook: 全省概览, one attachment-2 sheet per city, 问题清单.

use anyhow::Result;
use rust_xlsxwriter::Workbook;

use super::findings::{findings_sheet, of_results};
use super::style::{Paper, Report as Formats};
use super::summary::{Header, attachment2};
use super::{Value, sheet_name, write_value};
use crate::province::{CityReport, Manifest, grade_labels, stats};
use crate::runtime::LoadedRubric;
use crate::score::Finding;

/// The provincial workbook: 全省概览, one attachment-2 sheet per city, 问题清单.
pub fn workbook(manifest: &Manifest, cities: &[CityReport], header: &Header) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let styles = f.register(&mut book, &[]);
    let title = format!("{}基层服务中心（站）量化考核汇总", manifest.province);
    book.set_properties(&crate::output::properties(&title, crate::output::Kind::Summary));
    let grades = grade_labels(cities);

    let ws = book.add_worksheet();
    ws.set_name("全省概览")?;
    let mut headers: Vec<String> =
        ["城市", "评分标准", "版本", "评分组件SHA-256", "单位数", "已评分", "未评分", "重复", "未提交", "平均分", "最低分", "最高分", "平均分排名"]
            .map(String::from)
            .to_vec();
    headers.extend(grades.iter().cloned());
    headers.push("说明".into());
    for (c, w) in [12.0, 18.0, 7.0, super::style::DIGEST_WIDTH].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for c in 4..headers.len() - 1 {
        ws.set_column_width(c as u16, 7.0)?;
    }
    ws.set_column_width(12, 10)?;
    ws.set_column_width(headers.len() as u16 - 1, 40)?;
    ws.set_row_height(1, 30)?;
    ws.insert_note(1, 12, &rust_xlsxwriter::Note::new(format!("同一评分标准的城市之间按平均分排名。{}", super::summary::RANK_RULE)).set_author("kaohe"))?;
    Paper::LANDSCAPE.rows(1, 1).apply(ws)?;
    let digest = super::style::digest().set_border(rust_xlsxwriter::FormatBorder::Thin);
    // Ranks of the mean, among the rows scored by the same rubric (the same scale).
    let mut means: Vec<(String, Option<f64>)> = Vec::new();
    for city in cities {
        for k in 0..city.rubrics.len().max(1) {
            let s = stats(city, city.rubrics.get(k).map(|_| k), &grades);
            means.push((city.rubrics.get(k).map(|r| r.info.id.clone()).unwrap_or_default(), s.mean));
        }
    }
    let ranks: Vec<Option<u32>> = {
        let mut out = vec![None; means.len()];
        for id in means.iter().map(|(id, _)| id.clone()).collect::<std::collections::BTreeSet<_>>() {
            let idx: Vec<usize> = (0..means.len()).filter(|i| means[*i].0 == id).collect();
            let r = super::dense_ranks(&idx.iter().map(|i| means[*i].1).collect::<Vec<_>>());
            for (i, r) in idx.into_iter().zip(r) {
                out[i] = r;
            }
        }
        out
    };
    let mut line = 0usize;
    ws.merge_range(0, 0, 0, headers.len() as u16 - 1, &title, &f.title)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(1, c as u16, h, &f.header)?;
    }
    // One row per city and rubric: a county center's and its township stations'
    // totals are on different scales and are not averaged together.
    let mut row = 2u32;
    for city in cities {
        let groups: Vec<Option<usize>> = if city.rubrics.is_empty() { vec![None] } else { (0..city.rubrics.len()).map(Some).collect() };
        for (g, k) in groups.into_iter().enumerate() {
            let s = stats(city, k, &grades);
            let r = k.map(|k| &city.rubrics[k]);
            let texts = [
                city.name.clone(),
                r.map(|r| r.info.id.clone()).unwrap_or_else(|| "（无可用组件）".into()),
                r.map(|r| r.info.version.clone()).unwrap_or_default(),
                r.map(|r| r.sha256.clone()).unwrap_or_default(),
            ];
            for (c, t) in texts.into_iter().enumerate() {
                match c {
                    3 => ws.write_with_format(row, 3, t.as_str(), &digest).map(|_| ())?,
                    _ => write_value(ws, row, c as u16, Some(Value::Text(t)), &f)?,
                }
            }
            ws.set_row_height(row, 32)?;
            let mut c = 4u16;
            let t = &s.tally;
            let rank = ranks[line].map(|n| n as f64);
            line += 1;
            // Counts and the rank as whole numbers, totals with two decimals.
            let counts = [t.units, t.scored, t.not_scored, t.duplicated, t.not_submitted].map(|n| (Some(n as f64), true));
            for (v, whole) in counts
                .into_iter()
                .chain([(s.mean, false), (s.min, false), (s.max, false), (rank, true)])
                .chain(s.per_grade.iter().map(|n| (Some(*n as f64), true)))
            {
                match (v, whole) {
                    (Some(v), true) => ws.write_number_with_format(row, c, v, &f.count).map(|_| ())?,
                    (v, _) => write_value(ws, row, c, v.map(Value::Number), &f)?,
                }
                c += 1;
            }
            let notes: Vec<String> = if g == 0 { city.problems.iter().map(|p| p.message.clone()).collect() } else { vec![] };
            write_value(ws, row, c, Some(Value::Text(notes.join("\n"))), &f)?;
            row += 1;
        }
    }

    // Per city: its manifest problems, kept for 问题清单 (written after the sheets before it).
    let problems: Vec<Vec<Finding>> = cities.iter().map(|c| c.problems.iter().map(|p| p.finding()).collect()).collect();
    let mut rows = Vec::new();
    for city in cities.iter().filter(|c| !c.rubrics.is_empty()) {
        let refs: Vec<&LoadedRubric> = city.rubrics.iter().collect();
        let index = book.worksheets_mut().len();
        rows.push(attachment2(book.add_worksheet_with_constant_memory()?, index, &sheet_name(&city.name), &refs, &city.results, header, &f, &styles)?);
    }
    // Per city: its manifest problems, then its units' findings.
    let mut all: Vec<(&str, &str, &Finding)> = Vec::new();
    for (city, found) in cities.iter().zip(&problems) {
        all.extend(city.problems.iter().zip(found).map(|(p, x)| (city.name.as_str(), p.file.as_str(), x)));
        all.extend(of_results(city.results.iter().map(|r| (city.name.as_str(), r))));
    }
    let index = book.worksheets_mut().len();
    rows.extend(findings_sheet(book.add_worksheet_with_constant_memory()?, index, "问题清单", all.into_iter(), &f, &styles)?);
    if super::charts::province(&mut book, cities)? {
        let last = book.worksheets_mut().len() - 1;
        book.worksheet_from_index(last)?.set_active(true);
    }
    crate::output::save_summary(&mut book, rows)
}
