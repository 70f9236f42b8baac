//! Every workbook kaohe writes, printed the way a clerk prints it: rendered
//! by LibreOffice headless to PDF, no two words overlap on any page, digests
//! print whole, page counts stay within the bounds below; and, from the xlsx
//! itself, every sheet has its print setup and every chart its data ranges.
//!
//! Needs `soffice` (libreoffice-calc) and `pdftotext` (poppler-utils);
//! `.ci/run` installs them and sets `KAOHE_RENDER_TESTS=1`, which makes their
//! absence a failure. Without that variable and without the tools the test says
//! so and checks only the xlsx.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kaohe(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe")).args(args).env_remove("KAOHE_RUBRIC_DIR").output().unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1), "kaohe {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// Whether `tool` runs (`flag` asks it for its version).
fn have(tool: &str, flag: &str) -> bool {
    Command::new(tool).arg(flag).output().is_ok_and(|o| o.status.success())
}

/// A word on a page: (xMin, yMin, xMax, yMax, text).
type Word = (f64, f64, f64, f64, String);

/// The pages of a PDF, each a list of its words.
fn words(pdf: &Path) -> Vec<Vec<Word>> {
    let o = Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&o.stdout);
    html.split("<page ")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .filter_map(|w| {
                    let attr = |name: &str| -> Option<f64> { w.split(&format!("{name}=\"")).nth(1)?.split('"').next()?.parse().ok() };
                    let text = w.split('>').nth(1)?.split('<').next()?.to_string();
                    Some((attr("xMin")?, attr("yMin")?, attr("xMax")?, attr("yMax")?, text))
                })
                .collect()
        })
        .collect()
}

/// Pairs of words whose boxes overlap by more than a quarter of the smaller
/// one's height (lines of wrapped text touch by a fraction of a point; text
/// printed over text overlaps by far more).
fn overlaps(page: &[Word]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in page.iter().enumerate() {
        for b in &page[i + 1..] {
            let ix = a.2.min(b.2) - a.0.max(b.0);
            let iy = a.3.min(b.3) - a.1.max(b.1);
            if ix > 0.5 && iy > 0.25 * (a.3 - a.1).min(b.3 - b.1) {
                out.push(format!("“{}” over “{}”", a.4, b.4));
            }
        }
    }
    out
}

fn xlsx_part(path: &Path, name: &str) -> Option<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut f = z.by_name(name).ok()?;
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    Some(s)
}

fn parts(path: &Path, prefix: &str) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut names: Vec<String> =
        z.file_names().filter_map(|n| n.ok().map(|n| n.to_string())).filter(|n| n.starts_with(prefix) && n.ends_with(".xml")).collect();
    names.sort();
    names
}

#[test]
fn every_workbook_prints_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| dir.path().join(f);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    kaohe(&["template", "--center", "潞州区退役军人服务中心", "-o", &s(&d("template.xlsx"))]);
    kaohe(&["score", &s(&samples().join("长治市")), "-o", &s(&d("summary.xlsx"))]);
    kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", &s(&samples().join("长治市")), "-o", &s(&d("compare.xlsx"))]);
    kaohe(&["province", &s(&samples().join("province/province.toml")), "-o", &s(&d("province.xlsx"))]);
    kaohe(&["rubric", "export", "changzhi-2023", "-o", &s(&d("authoring.xlsx"))]);
    // A unit whose name wraps onto several lines in every table it appears in.
    let long = d("long");
    std::fs::create_dir(&long).unwrap();
    let name = "长治市潞州区退役军人服务中心（潞州区退役军人事务局综合服务大厅二楼东侧窗口）";
    kaohe(&["template", "--center", name, "--county", "潞州区（含高新技术产业开发区）", "-o", &s(&long.join("a.xlsx"))]);
    std::fs::copy(samples().join("长治市/沁县.xlsx"), long.join("沁县.xlsx")).unwrap();
    kaohe(&["score", &s(&long), "-o", &s(&d("long-names.xlsx"))]);
    kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", &s(&long), "-o", &s(&d("long-compare.xlsx"))]);
    // (workbook, most pages it may print on, charts it must have)
    let books =
        [("template", 3, 0), ("summary", 12, 2), ("compare", 8, 1), ("province", 10, 2), ("authoring", 10, 0), ("long-names", 12, 2), ("long-compare", 6, 1)];

    // From the xlsx: every sheet has A4, a footer with the page numbers, and (where set) its fit to width.
    for (name, _, charts) in books {
        let path = d(&format!("{name}.xlsx"));
        let sheets = parts(&path, "xl/worksheets/sheet");
        assert!(!sheets.is_empty());
        // Sheets in order (rust_xlsxwriter writes sheetN.xml for the N-th); hidden ones (the template's kaohe sheet) never print.
        let book = xlsx_part(&path, "xl/workbook.xml").unwrap();
        let hidden: Vec<bool> = book.split("<sheet ").skip(1).map(|s| s.split("/>").next().unwrap_or("").contains("state=\"hidden\"")).collect();
        for (k, sheet) in (1..=sheets.len()).map(|k| (k, format!("xl/worksheets/sheet{k}.xml"))) {
            if hidden.get(k - 1).copied().unwrap_or(false) {
                continue;
            }
            let xml = xlsx_part(&path, &sheet).unwrap();
            assert!(xml.contains("paperSize=\"9\""), "{name} {sheet}: not A4");
            assert!(xml.contains("&amp;P") && xml.contains("&amp;N"), "{name} {sheet}: no page-number footer");
        }
        let chart_parts = parts(&path, "xl/charts/chart");
        assert_eq!(chart_parts.len(), charts, "{name}: charts");
        for c in chart_parts {
            let xml = xlsx_part(&path, &c).unwrap();
            assert!(xml.contains("<c:f>图表!$") || xml.contains("<c:f>'图表'!$"), "{name} {c}: a chart without its data range on 图表");
            assert!(xml.matches("<c:ser>").count() >= 1, "{name} {c}: no series");
        }
    }

    if !(have("soffice", "--version") && have("pdftotext", "-v")) {
        assert!(std::env::var_os("KAOHE_RENDER_TESTS").is_none(), "KAOHE_RENDER_TESTS is set but soffice or pdftotext is missing");
        eprintln!("soffice or pdftotext missing: the PDF half of this test did not run (apt-get install libreoffice-calc poppler-utils)");
        return;
    }
    let profile = format!("-env:UserInstallation=file://{}", d("lo-profile").display());
    let mut cmd = Command::new("soffice");
    cmd.args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"]).arg(dir.path());
    for (name, _, _) in books {
        cmd.arg(d(&format!("{name}.xlsx")));
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (name, max_pages, _) in books {
        let pdf = d(&format!("{name}.pdf"));
        let pages = words(&pdf);
        assert!(!pages.is_empty() && pages.len() <= max_pages, "{name}: {} pages (at most {max_pages})", pages.len());
        for (k, page) in pages.iter().enumerate() {
            let bad = overlaps(page);
            assert!(bad.is_empty(), "{name} page {}: {} overlapping words, e.g. {:?}", k + 1, bad.len(), &bad[..bad.len().min(5)]);
        }
    }
    // Digests print whole: every rubric SHA-256 in the summary and the province is in their text, all 64 digits.
    let text = |name: &str| {
        let o = Command::new("pdftotext").arg(d(&format!("{name}.pdf"))).arg("-").output().unwrap();
        String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<String>()
    };
    let digest = kaohe::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(kaohe::BUILTIN_RUBRIC));
    for name in ["summary", "province"] {
        assert!(text(name).contains(&digest), "{name}: the rubric's SHA-256 {digest} does not print whole");
    }
}
