//! Writes `samples/` (all 示例数据, made up):
//! - `长治市/`: scorecards for the twelve county-level units of 长治市, filled with
//!   varied scores, in kaohe's template, in hand-made layouts, three counties on
//!   three sheets of one inspection group's workbook, and as ODS;
//! - `长治市-名册.xlsx`: the roster of those twelve units (`--roster`);
//! - `长治市-乡镇（示例）/`: township stations scored with the example township rubric;
//! - `province/`: an example province manifest and two more cities, one of them
//!   using the example 2024 revision of the rubric;
//! - `村级服务站评分标准（示例）.xlsx`: an invented village-station rubric as an
//!   authoring workbook (`kaohe rubric build` makes its component), and
//!   `长治市-村（示例）/`: village stations filled in on its template.
//!
//! Run: `cargo run --release --example make-samples`. The output is
//! deterministic, so re-running it changes nothing.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Cell, Layout, full_marks, handmade_book, handmade_ods, handmade_xlsx, set};
use kaohe::render::template::Unit;
use kaohe::runtime::{RubricInfo, Runtime};

/// Base-item scores with some variety: most at full marks, some half a point
/// or half the marks lower, a few at zero. `k` picks the county's pattern.
fn base_scores(info: &RubricInfo, k: usize, harsh: bool) -> Vec<(String, f64)> {
    info.items
        .iter()
        .filter(|i| i.required)
        .enumerate()
        .map(|(n, i)| {
            let m = i.max_points;
            let h = (n * 7 + k * 13) % 10;
            let v = match h {
                0 if m >= 1.0 => m - 0.5,
                3 => (m / 2.0 * 2.0).floor() / 2.0,
                5 if harsh => 0.0,
                7 if harsh && m >= 2.0 => m - 1.0,
                _ => m,
            };
            (i.id.clone(), v)
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let out = samples.join("长治市");
    std::fs::create_dir_all(&out)?;
    let rt = Runtime::new(Default::default())?;
    let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
    let info = &rubric.info;
    let note = "示例数据（虚构，仅供演示）";

    // (county, pattern, harsh, extra values) for the template-filled ones.
    type Filled<'a> = (&'a str, usize, bool, &'a [(&'a str, f64)]);
    let filled: &[Filled] = &[
        ("潞州区", 1, false, &[("61", 2.0), ("66", 8.0), ("67", 2.0), ("68", 4.0), ("69", 3.0)]),
        ("上党区", 2, false, &[("65.1", 4.0), ("66", 5.0), ("68", 2.0)]),
        ("黎城县", 6, false, &[("63", 3.0), ("64", 1.0), ("66", 10.0), ("69", 2.5)]),
        ("长子县", 8, true, &[("65.2", 1.0), ("70.1", 2.0)]),
        ("沁县", 10, false, &[("70.1", 1.0), ("66", 6.0)]),
    ];
    for (county, k, harsh, extra) in filled {
        let mut values: BTreeMap<String, f64> = base_scores(info, *k, *harsh).into_iter().collect();
        values.extend(extra.iter().map(|(id, v)| (id.to_string(), *v)));
        let unit = Unit { center: format!("{county}退役军人服务中心"), county: county.to_string(), note: Some(note.into()), values };
        kaohe::output::write_atomic(&out.join(format!("{county}.xlsx")), &kaohe::render::template::build(&rubric, &unit)?)?;
    }

    let title = format!("县(区)退役军人服务中心考核评分表（{note}）");
    let cells = |k: usize, harsh: bool| -> Vec<(String, Cell)> { base_scores(info, k, harsh).into_iter().map(|(id, v)| (id, Cell::Num(v))).collect() };

    // 屯留区: the seed's layout retyped, merged categories, header repeated at "page breaks",
    // item 65 entered as a negative number of points.
    let mut v = cells(3, false);
    set(&mut v, "62", 1.0);
    set(&mut v, "65", -3.0);
    set(&mut v, "67", 3.0);
    let mut layout = Layout::seed(&title, &[("被考核单位：屯留区退役军人服务中心", None)]);
    layout.repeat_header_every = 26;
    std::fs::write(out.join("屯留区（手工录入）.xlsx"), handmade_xlsx(info, &layout, &v))?;

    // 潞城区: columns reordered, scorecard on the second sheet, label and value in separate
    // cells, scores typed as text (" 3 ", full-width digits, "1.5分").
    let mut v = cells(4, false);
    set(&mut v, "4", " 3 ");
    set(&mut v, "12", "２");
    set(&mut v, "20", "3.5分");
    set(&mut v, "70", 2.0);
    set(&mut v, "66", 7.0);
    let layout = Layout {
        columns: vec!["序号", "得分", "分值", "工作标准", "主要内容"],
        cover_sheet: true,
        merge_categories: false,
        repeat_header_every: 0,
        title: title.clone(),
        labels: vec![("县(市、区)".into(), Some("潞城区".into())), ("服务(中心)站名称".into(), Some("潞城区退役军人服务中心".into()))],
        ..Layout::seed("", &[])
    };
    std::fs::write(out.join("潞城区（手工录入）.xlsx"), handmade_xlsx(info, &layout, &v))?;

    // 沁源县: seed layout, some scores typed as full-width text.
    let v: Vec<(String, Cell)> = base_scores(info, 11, false)
        .into_iter()
        .enumerate()
        .map(|(n, (id, x))| {
            if n % 9 != 4 {
                return (id, Cell::Num(x));
            }
            let t: String = kaohe_engine::fmt_points(x)
                .chars()
                .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap() } else { c })
                .collect();
            (id, Cell::Text(t))
        })
        .collect();
    let layout = Layout::seed(&title, &[("县(区)：沁源县", None), ("被考核单位：沁源县退役军人服务中心", None)]);
    std::fs::write(out.join("沁源县（手工录入）.xlsx"), handmade_xlsx(info, &layout, &v))?;

    // 平顺县, 壶关县, 武乡县: one inspection group's week in one workbook, a sheet per
    // county after a notes sheet, retyped by hand with the inspector's own 小计 and 总分
    // (all correct), points written with words (扣4分, 加1分), other header and label wording.
    type Group<'a> = (&'a str, usize, bool, &'a [(&'a str, Cell)]);
    let group: [Group; 3] = [
        ("平顺县", 5, true, &[("65", Cell::Text("扣4分".into())), ("70", Cell::Num(-2.0)), ("67", Cell::Num(1.0))]),
        ("壶关县", 7, true, &[("65", Cell::Num(7.0)), ("68", Cell::Num(3.0))]),
        ("武乡县", 9, false, &[("61", Cell::Text("加1分".into())), ("62", Cell::Num(2.0)), ("69", Cell::Num(1.5))]),
    ];
    let mut sheets = Vec::new();
    for (county, k, harsh, extra) in group {
        let mut v = cells(k, harsh);
        for (id, x) in extra {
            set(&mut v, id, x.clone());
        }
        // What a careful inspector adds up: the base categories, and the whole sheet
        // (deductions 65 and 70 take points off whichever sign they are written with).
        let points = |id: &str| -> f64 {
            let x = match v.iter().find(|(k, _)| k == id).map(|(_, c)| c) {
                Some(Cell::Num(x)) => *x,
                Some(Cell::Text(t)) => kaohe::workbook::parse_text_number(t).map_or(0.0, |t| t.value),
                None => 0.0,
            };
            if id == "65" || id == "70" { -x.abs() } else { x }
        };
        let subtotals: Vec<(String, Cell)> = info
            .categories
            .iter()
            .filter(|c| c.part == kaohe::runtime::Part::Base)
            .map(|c| (c.name.clone(), Cell::Num(kaohe_engine::tidy(info.items.iter().filter(|i| i.category == c.name).map(|i| points(&i.id)).sum()))))
            .collect();
        let total = kaohe_engine::tidy(info.items.iter().map(|i| points(&i.id)).sum());
        let center = format!("{county}退役军人服务中心");
        let mut layout = Layout::seed(&title, &[("考核对象：", None), ("检查时间：2023年9月13日", None)]);
        layout.labels[0].1 = Some(center);
        layout.sheet = county.to_string();
        layout.rename = vec![("得分", "实得分"), ("分值", "标准分")];
        layout.subtotals = subtotals;
        layout.total = Some(Cell::Num(total));
        layout.cover_sheet = true;
        sheets.push((layout, v));
    }
    std::fs::write(out.join("第二检查组（平顺县、壶关县、武乡县）.xlsx"), handmade_book(info, &sheets))?;

    // The roster of the twelve units, for `--roster`: beside the folder, so it is not read as a scorecard.
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 9, 5)?;
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
        let ws = book.add_worksheet();
        ws.set_name("名册")?;
        ws.write(0, 0, format!("长治市县级退役军人服务中心名册（{note}）"))?;
        for (c, h) in ["序号", "县(市、区)", "单位名称"].iter().enumerate() {
            ws.write(1, c as u16, *h)?;
        }
        let counties = ["潞州区", "上党区", "屯留区", "潞城区", "襄垣县", "平顺县", "黎城县", "壶关县", "长子县", "武乡县", "沁县", "沁源县"];
        for (k, county) in counties.iter().enumerate() {
            let r = k as u32 + 2;
            ws.write(r, 0, k as u32 + 1)?;
            ws.write(r, 1, *county)?;
            ws.write(r, 2, format!("{county}退役军人服务中心"))?;
        }
        ws.set_column_width(2, 28)?;
        book.save(samples.join("长治市-名册.xlsx"))?;
    }

    // 襄垣县: saved as OpenDocument (.ods).
    let mut v = cells(12, false);
    set(&mut v, "63", 2.0);
    set(&mut v, "65", 5.0);
    set(&mut v, "68", 4.0);
    let ods = handmade_ods(info, &title, &[("被考核单位：", "襄垣县退役军人服务中心")], &v);
    std::fs::write(out.join("襄垣县（WPS导出）.ods"), ods)?;

    let builtin = |id: &str| {
        let (name, bytes) = kaohe::BUILTIN_COMPONENTS.iter().find(|(n, _)| n.contains(&id.replace('-', "_"))).expect("built-in");
        rt.load(bytes, name)
    };

    // Township stations of 长治市, with the example township rubric.
    let township = builtin("township-example")?;
    let dir = samples.join("长治市-乡镇（示例）");
    std::fs::create_dir_all(&dir)?;
    for (k, (county, station)) in [("潞州区", "东街街道"), ("潞州区", "西街街道"), ("襄垣县", "古韩镇")].iter().enumerate() {
        let mut values: BTreeMap<String, f64> = base_scores(&township.info, k + 20, k == 2).into_iter().collect();
        if k == 0 {
            values.insert("21".into(), 2.0);
        }
        if k == 2 {
            values.insert("22.1".into(), 1.0);
        }
        let unit = Unit { center: format!("{county}{station}退役军人服务站"), county: county.to_string(), note: Some(note.into()), values };
        kaohe::output::write_atomic(&dir.join(format!("{county}{station}.xlsx")), &kaohe::render::template::build(&township, &unit)?)?;
    }

    // Two more cities for the province example: 晋城市 uses the example 2024 revision.
    let revised = builtin("changzhi-2024-example")?;
    let province = samples.join("province");
    for (city, rubric, counties) in [("晋城市（示例）", &revised, &["城区", "泽州县", "高平市"][..]), ("阳泉市（示例）", &rubric, &["城区", "郊区"][..])]
    {
        let dir = province.join(city);
        std::fs::create_dir_all(&dir)?;
        for (k, county) in counties.iter().enumerate() {
            let mut values: BTreeMap<String, f64> = base_scores(&rubric.info, k + 30, k == 1).into_iter().collect();
            values.insert("66".into(), 4.0 + k as f64);
            let unit = Unit { center: format!("{county}退役军人服务中心"), county: county.to_string(), note: Some(note.into()), values };
            kaohe::output::write_atomic(&dir.join(format!("{county}.xlsx")), &kaohe::render::template::build(rubric, &unit)?)?;
        }
    }
    std::fs::write(
        province.join("province.toml"),
        r#"# EXAMPLE province manifest (示例数据). Run from the repository root:
#   cargo run --release -- province samples/province/province.toml -o province.xlsx
#
# Each city lists its rubric components and its workbook folders (relative to
# this file). A component file is pinned by its SHA-256:
#   rubrics = [{ path = "长治市/changzhi-2023.wasm", sha256 = "…" }]
# (`kaohe rubric pin FILE` prints that line). Components built into kaohe are
# named builtin:ID and need no pin; this example uses them because build
# outputs are never committed.
province = "山西省（示例）"

[[cities]]
name = "长治市"
rubrics = ["builtin:changzhi-2023", "builtin:township-example"]
workbooks = ["../长治市", "../长治市-乡镇（示例）"]

[[cities]]
name = "晋城市（示例）"
rubrics = ["builtin:changzhi-2024-example"]
workbooks = ["晋城市（示例）"]

[[cities]]
name = "阳泉市（示例）"
rubrics = ["builtin:changzhi-2023"]
workbooks = ["阳泉市（示例）"]
"#,
    )?;

    // Village stations: the rubric authored as a workbook, built with `rubric build`'s code.
    let village: kaohe_engine::Rubric = toml::from_str(VILLAGE)?;
    let authoring = kaohe::render::authoring::workbook(&village)?;
    kaohe::output::write_atomic(&samples.join("村级服务站评分标准（示例）.xlsx"), &authoring)?;
    let component = kaohe::rubric_build::from_workbook(&authoring, "xlsx").map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let village = rt.load(&component, "village example")?;
    let dir = samples.join("长治市-村（示例）");
    std::fs::create_dir_all(&dir)?;
    for (k, (county, station)) in [("潞州区", "东街街道府后社区"), ("襄垣县", "古韩镇北关村"), ("襄垣县", "古韩镇南关村")].iter().enumerate()
    {
        let mut values: BTreeMap<String, f64> = base_scores(&village.info, k + 40, k == 2).into_iter().collect();
        if k == 1 {
            values.insert("13".into(), 1.0);
        }
        if k == 2 {
            values.insert("14.1".into(), 1.0);
        }
        let unit = Unit { center: format!("{county}{station}退役军人服务站"), county: county.to_string(), note: Some(note.into()), values };
        kaohe::output::write_atomic(&dir.join(format!("{county}{station}.xlsx")), &kaohe::render::template::build(&village, &unit)?)?;
    }

    let _ = full_marks; // shared helper, used by the tests
    println!("wrote the sample workbooks and the example province to {}", samples.display());
    Ok(())
}

/// The village-station example (示例): invented, as the seed has no village scorecard.
const VILLAGE: &str = r#"
id = "village-example"
version = "0.1.0"
title = "村（社区）退役军人服务站考核评分表（示例）"
issuer = "长治市退役军人事务局"
region = "山西省长治市"
level = "village-station"
year = 2023
description = "【示例，非真实文件】虚构的村（社区）退役军人服务站评分表，仅用于演示县、乡、村三级评分标准混合汇总，以及用 kaohe rubric build 由编辑表生成评分组件。基础项12项共30分，加分1项，减分1项。档次：优秀≥27，良好≥24，合格≥18。"

[[bands]]
label = "优秀"
min = 27

[[bands]]
label = "良好"
min = 24

[[bands]]
label = "合格"
min = 18

[[bands]]
label = "不合格"

[report]
title = "基层服务中心量化考核情况统计表"
notes = ["考核结果仅限本系统内部使用", "村（社区）服务站评分表为示例"]
columns = [
  { header = "县(市、区)", source = "county" },
  { header = "服务(中心)站名称", source = "center" },
  { header = "组织领导", source = "category:组织领导" },
  { header = "机构建设", source = "category:机构建设" },
  { header = "服务保障", source = "category:服务保障" },
  { header = "加分减分", source = "adjustment" },
  { header = "总分", source = "total" },
  { header = "考核结果", source = "grade" },
]

[[categories]]
name = "组织领导"
part = "base"
items = [
  { id = "1", max = 3, text = "村（社区）“两委”明确一名成员负责退役军人服务工作。" },
  { id = "2", max = 2, text = "服务站工作人员配备到位，在岗履职。" },
  { id = "3", max = 2, text = "每半年向乡镇（街道）服务站报告一次工作。" },
]

[[categories]]
name = "机构建设"
part = "base"
items = [
  { id = "4", max = 3, text = "有固定服务场所，悬挂统一规范牌匾标识。" },
  { id = "5", max = 2, text = "服务制度、联系方式上墙公示。" },
  { id = "6", max = 3, text = "退役军人信息台账完整，动态更新。", levels = [{ points = 1, label = "建立台账" }, { points = 3, label = "台账完整且每季度更新" }] },
]

[[categories]]
name = "服务保障"
part = "base"
items = [
  { id = "7", max = 3, text = "开展走访慰问，困难退役军人每季度走访一次。" },
  { id = "8", max = 2, text = "协助落实优待抚恤政策，及时上报变动情况。" },
  { id = "9", max = 3, text = "帮助退役军人就业创业，收集并转报需求。" },
  { id = "10", max = 2, text = "调处涉退役军人矛盾纠纷，及时上报重大情况。" },
  { id = "11", max = 3, text = "组织退役军人参与村（社区）治理和志愿服务。" },
  { id = "12", max = 2, text = "“光荣之家”等悬挂工作落实到位。" },
]

[[categories]]
name = "加分项"
part = "bonus"
items = [
  { id = "13", max = 2, text = "获得县级以上表彰的，加1分；获得市级以上表彰的，加2分。", levels = [{ points = 1, label = "县级表彰" }, { points = 2, label = "市级以上表彰" }] },
]

[[categories]]
name = "减分项"
part = "deduction"
items = [
  { id = "14", text = "发生以下情形的，按次扣分：", rules = [
    { id = "14.1", text = "信息台账错漏被通报", each = 1, cap = 3, unit = "次" },
    { id = "14.2", text = "重大情况瞒报迟报", each = 2, cap = 4, unit = "次" },
  ] },
]
"#;
