//! The rubric authoring workbook (`kaohe rubric export`): a rubric laid out
//! for a clerk to edit in Excel or WPS and build again with `kaohe rubric
//! build`. The layout is described, and read back, in [`crate::authoring`].
//! Every closed choice has a dropdown, every column header a note saying what
//! it holds, and 说明 walks through an example.

use anyhow::Result;
use kaohe_engine::{Part, Rubric, RuleMode, Scoring, fmt_points};
use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, Format, FormatAlign, Note, Workbook, Worksheet};

use super::style::{Paper, Report as Formats};
use crate::authoring::{CATEGORY_SOURCE, INFO_LABELS, ITEM_COLUMNS, ITEM_KINDS, LEVELS, PARTS, RULE_KINDS, SOURCES, part_label, source_label};

/// Rows of 评分表 that get the dropdowns (room for additions).
const ROWS: u32 = 1000;

/// What each 评分表 column holds, as the note on its header says.
const ITEM_NOTES: [&str; 10] = [
    "分类名称（主要内容）。同一分类的项目排在一起；留空表示与上一行相同。",
    "项目的性质：基础项（计入分类小计）、加分项、减分项、特别考核加分、特别考核减分。留空表示与上一行相同。",
    "项目的序号（如 4）；分项的序号写成“项目序号.N”（如 65.1）；档次行不填。",
    "项目的工作标准；档次行写该档次的说法；分项行写扣分情形。",
    "项目的分值（最多得几分；扣分项为最多扣几分）；档次行写该档次的得分。",
    "得分：填 0～分值之间的分数；档次：只能填下面几行档次之一；分项扣分：按下面的分项计算扣分。分项行写“每次扣分”或“酌情扣分”，档次行写“档次”。",
    "分项每发生一次扣几分（计分方式为“每次扣分”的分项填写）。",
    "分项最多扣几分（封顶），不能超过所属项目的分值。",
    "分项按什么计次：人次、次、批次、人等；酌情扣分的分项可不填。",
    "该项未填写得分时：是 = 报错，否 = 按 0 分。留空：基础项为“是”，其余为“否”。",
];

/// Write the authoring workbook for `rubric`.
pub fn workbook(r: &Rubric) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(&crate::output::properties(&format!("{} 评分标准编辑表", r.title), crate::output::Kind::Template));
    let choice = |values: &[&str]| -> Result<DataValidation> {
        Ok(DataValidation::new().allow_list_strings(values)?.set_error_title("请从下拉列表中选择")?.set_error_message("只能填写列表中的一项")?)
    };

    guide(book.add_worksheet(), r, &f)?;

    // 基本信息
    let ws = book.add_worksheet();
    ws.set_name("基本信息")?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 70)?;
    let level = LEVELS.iter().find(|(_, l)| *l == r.level).map(|(s, _)| *s).unwrap_or("");
    let values = [
        r.id.to_string(),
        r.version.to_string(),
        r.title.to_string(),
        r.issuer.to_string(),
        r.region.to_string(),
        level.to_string(),
        r.year.to_string(),
        r.description.to_string(),
    ];
    let notes = [
        "评分标准的编号，只用小写字母、数字和连字符，如 changzhi-2024。",
        "版本号，如 1.0.0；内容有任何修改都要改版本号。",
        "评分表的标题，如 县(区)退役军人服务中心考核评分表。",
        "发文单位，如 长治市退役军人事务局。",
        "适用地区，如 长治市。",
        "被考核单位的层级。",
        "年度，四位数字。",
        "说明：来源、依据和作出的假设。",
    ];
    for (k, (label, value)) in INFO_LABELS.iter().zip(values).enumerate() {
        let row = k as u32;
        ws.write_with_format(row, 0, *label, &f.header)?;
        if *label == "年度" {
            ws.write_number_with_format(row, 1, r.year as f64, &f.note)?;
        } else {
            ws.write_with_format(row, 1, value.as_str(), &f.note)?;
        }
        ws.insert_note(row, 0, &Note::new(notes[k]).set_author("kaohe"))?;
    }
    ws.set_row_height(7, 120)?;
    let levels: Vec<&str> = LEVELS.iter().map(|(s, _)| *s).collect();
    ws.add_data_validation(5, 1, 5, 1, &choice(&levels)?)?;

    // 评分表
    let ws = book.add_worksheet();
    ws.set_name("评分表")?;
    for (c, w) in [12.0, 12.0, 7.0, 60.0, 7.0, 10.0, 9.0, 9.0, 7.0, 6.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (c, h) in ITEM_COLUMNS.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &f.header)?;
        ws.insert_note(0, c as u16, &Note::new(ITEM_NOTES[c]).set_author("kaohe"))?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    let level_format = f.note.clone().set_italic();
    for c in &r.categories {
        for it in &c.items {
            let part = it.part.unwrap_or(c.part);
            let kind = match it.scoring() {
                Scoring::Range => "得分",
                Scoring::Levels(_) => "档次",
                Scoring::Rules(_) => "分项扣分",
            };
            ws.write_with_format(row, 0, c.name.as_ref(), &f.text)?;
            ws.write_with_format(row, 1, part_label(part), &f.text)?;
            ws.write_with_format(row, 2, it.id.as_ref(), &f.text)?;
            ws.write_with_format(row, 3, it.text.as_ref(), &f.note)?;
            match it.max {
                Some(m) => ws.write_number_with_format(row, 4, m, &f.text)?,
                None => ws.write_blank(row, 4, &f.text)?,
            };
            ws.write_with_format(row, 5, kind, &f.text)?;
            for col in 6..9 {
                ws.write_blank(row, col, &f.text)?;
            }
            match it.required {
                Some(true) => ws.write_with_format(row, 9, "是", &f.text)?,
                Some(false) => ws.write_with_format(row, 9, "否", &f.text)?,
                None => ws.write_blank(row, 9, &f.text)?,
            };
            height(ws, row, &it.text)?;
            row += 1;
            for l in &it.levels {
                for col in [0u16, 1, 2, 6, 7, 8, 9] {
                    ws.write_blank(row, col, &f.text)?;
                }
                ws.write_with_format(row, 3, l.label.as_ref(), &level_format)?;
                ws.write_number_with_format(row, 4, l.points, &f.text)?;
                ws.write_with_format(row, 5, "档次", &f.text)?;
                height(ws, row, &l.label)?;
                row += 1;
            }
            for x in &it.rules {
                for col in [0u16, 1, 4, 9] {
                    ws.write_blank(row, col, &f.text)?;
                }
                ws.write_with_format(row, 2, x.id.as_ref(), &f.text)?;
                ws.write_with_format(row, 3, x.text.as_ref(), &level_format)?;
                let (kind, each) = match x.mode {
                    RuleMode::PerOccurrence => ("每次扣分", Some(x.each)),
                    RuleMode::Discretionary => ("酌情扣分", None),
                };
                ws.write_with_format(row, 5, kind, &f.text)?;
                match each {
                    Some(e) => ws.write_number_with_format(row, 6, e, &f.text)?,
                    None => ws.write_blank(row, 6, &f.text)?,
                };
                ws.write_number_with_format(row, 7, x.cap, &f.text)?;
                ws.write_with_format(row, 8, x.unit.as_ref(), &f.text)?;
                height(ws, row, &x.text)?;
                row += 1;
            }
        }
    }
    let parts: Vec<&str> = PARTS.iter().map(|p| part_label(*p)).collect();
    let kinds: Vec<&str> = ITEM_KINDS.iter().chain(RULE_KINDS.iter()).copied().collect();
    ws.add_data_validation(1, 1, ROWS, 1, &choice(&parts)?)?;
    ws.add_data_validation(1, 5, ROWS, 5, &choice(&kinds)?)?;
    ws.add_data_validation(1, 9, ROWS, 9, &choice(&["是", "否"])?)?;
    let number = DataValidation::new()
        .allow_decimal_number(rust_xlsxwriter::DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_error_title("应填写数字")?
        .set_error_message("分值、每次扣分和最多扣分都是不小于 0 的数字")?;
    ws.add_data_validation(1, 4, ROWS, 4, &number)?;
    ws.add_data_validation(1, 6, ROWS, 7, &number)?;

    // 考核档次
    let ws = book.add_worksheet();
    ws.set_name("考核档次")?;
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 12)?;
    ws.write_with_format(0, 0, "档次", &f.header)?;
    ws.write_with_format(0, 1, "最低分", &f.header)?;
    ws.insert_note(0, 0, &Note::new("考核结果的档次，从高到低排列。").set_author("kaohe"))?;
    ws.insert_note(0, 1, &Note::new("总分达到此分数即为该档次；最后一档不填（其余单位都归入它）。").set_author("kaohe"))?;
    for (k, b) in r.bands.iter().enumerate() {
        let row = k as u32 + 1;
        ws.write_with_format(row, 0, b.label.as_ref(), &f.text)?;
        match b.min {
            Some(m) => ws.write_number_with_format(row, 1, m, &f.text)?,
            None => ws.write_blank(row, 1, &f.text)?,
        };
    }

    // 统计表
    let ws = book.add_worksheet();
    ws.set_name("统计表")?;
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 60)?;
    ws.write_with_format(0, 0, "标题", &f.header)?;
    ws.write_with_format(0, 1, r.report.title.as_ref(), &f.note)?;
    ws.write_with_format(1, 0, "表头", &f.header)?;
    ws.write_with_format(1, 1, "数据来源", &f.header)?;
    ws.insert_note(1, 0, &Note::new("统计表（附件2）各列的表头，按从左到右的顺序。").set_author("kaohe"))?;
    ws.insert_note(
        1,
        1,
        &Note::new(format!("该列的数据：{}，或“{CATEGORY_SOURCE}分类名称”（基础项分类的小计）。", SOURCES.map(|s| s.0).join("、"))).set_author("kaohe"),
    )?;
    let mut row = 2u32;
    for c in &r.report.columns {
        ws.write_with_format(row, 0, c.header.as_ref(), &f.text)?;
        ws.write_with_format(row, 1, source_label(&c.source).as_str(), &f.note)?;
        row += 1;
    }
    let last_column = row;
    let mut sources: Vec<String> = SOURCES.iter().map(|s| s.0.to_string()).collect();
    sources.extend(r.categories.iter().filter(|c| c.part == Part::Base).map(|c| format!("{CATEGORY_SOURCE}{}", c.name)));
    let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
    // A category added later is typed in: a warning, not a refusal.
    let v = DataValidation::new()
        .allow_list_strings(&refs)?
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_error_message("不在列表中：请确认是“分类：名称”的写法")?;
    ws.add_data_validation(2, 1, last_column + 10, 1, &v)?;
    for n in &r.report.notes {
        ws.write_with_format(row, 0, "备注", &f.header)?;
        ws.write_with_format(row, 1, n.as_ref(), &f.note)?;
        height(ws, row, n)?;
        row += 1;
    }
    for ws in book.worksheets_mut() {
        // A4, one page wide; the wide 评分表 and 说明 lie on their side, 评分表's header on every page.
        let paper = match ws.name().as_str() {
            "评分表" => Paper::LANDSCAPE.rows(0, 0),
            "说明" => Paper::LANDSCAPE,
            _ => Paper::PORTRAIT,
        };
        paper.apply(ws)?;
    }
    Ok(book.save_to_buffer()?)
}

/// 说明: what the workbook is, how to edit it, a worked example, and what the items add up to.
fn guide(ws: &mut Worksheet, r: &Rubric, f: &Formats) -> Result<()> {
    ws.set_name("说明")?;
    ws.set_column_width(0, 100)?;
    let base: f64 = r.categories.iter().filter(|c| c.part == Part::Base).map(|c| r.category_max(c)).sum();
    let per_category: Vec<String> =
        r.categories.iter().filter(|c| c.part == Part::Base).map(|c| format!("{} {} 分", c.name, fmt_points(r.category_max(c)))).collect();
    let lines = [
        format!("{}（{} {}）评分标准编辑表", r.title, r.id, r.version),
        "本工作簿由 kaohe rubric export 生成。修改后用 kaohe rubric build 本文件 -o 新名称.wasm 生成新的评分组件（无需安装其他软件），再用 kaohe compare 查看新旧标准对评分结果的影响。".into(),
        "一、修改步骤".into(),
        "1. 在“基本信息”中改版本号（如 1.0.0 改为 1.1.0）；编号不同即为另一套评分标准。".into(),
        "2. 在“评分表”中修改项目：分值、工作标准、计分方式；新增项目时插入一行，填写主要内容、性质、序号、工作标准、分值和计分方式。".into(),
        "3. 在“考核档次”中修改各档次的最低分，从高到低排列，最后一档不填。".into(),
        "4. 在“统计表”中修改附件2的列：表头和数据来源。".into(),
        "二、示例：把序号 4 的分值由 4 分改为 3 分，并新增序号 71".into(),
        "在“评分表”序号 4 所在行的“分值”列填 3；在最后一个项目之后插入一行：主要内容“特别考核项”，性质“特别考核加分”，序号 71，工作标准写明加分情形，分值 2，计分方式“得分”。保存后运行 kaohe rubric build，kaohe 会逐项检查，有问题时列出每个问题所在的工作表和单元格，不会生成组件。".into(),
        "三、计分方式".into(),
        "得分：填写 0～分值之间的分数。档次：只能填写其下各档次行的分值之一（或 0）。分项扣分：其下每个分项一行，写明每次扣分、最多扣分和单位；所属项目的分值为最多扣分合计的上限。".into(),
        "四、由评分表计算（无需填写）".into(),
        format!("基础项满分 {} 分（{}）；总分范围 {}～{} 分。修改项目后，这些数字由 kaohe 重新计算。", fmt_points(base), per_category.join("，"), fmt_points(r.min_total()), fmt_points(r.max_total())),
    ];
    let head = f.header.clone().set_align(FormatAlign::Left);
    let body: Format = f.note.clone();
    for (k, l) in lines.iter().enumerate() {
        let is_head = k == 0 || l.starts_with("一、") || l.starts_with("二、") || l.starts_with("三、") || l.starts_with("四、");
        ws.write_with_format(k as u32, 0, l.as_str(), if is_head { &head } else { &body })?;
        height_for(ws, k as u32, l, 50)?;
    }
    Ok(())
}

/// Row height for wrapped text in a column about 60 characters wide (30 Chinese characters a line).
fn height(ws: &mut Worksheet, row: u32, text: &str) -> Result<()> {
    height_for(ws, row, text, 30)
}

fn height_for(ws: &mut Worksheet, row: u32, text: &str, per_line: usize) -> Result<()> {
    let lines = text.chars().count().div_ceil(per_line).max(1);
    if lines > 1 {
        ws.set_row_height(row, 15.0 * lines as f64 + 3.0)?;
    }
    Ok(())
}
