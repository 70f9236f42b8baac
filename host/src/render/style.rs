//! The cell formats of every workbook kaohe writes, in one place: the report
//! set (summary, comparison, province: 11 pt, thin borders) and the form set
//! (the blank scorecard: 10.5 pt as the seed prints, input cells unlocked and
//! shaded), both from one base cell.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

/// A bordered, vertically centred cell of this font size.
fn cell(size: f64) -> Format {
    Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter).set_font_size(size)
}

/// Formats of the report workbooks (summary, comparison, province).
pub(crate) struct Report {
    /// A sheet's title row.
    pub(crate) title: Format,
    /// A line of text above a table (填表单位, 时间).
    pub(crate) line: Format,
    pub(crate) header: Format,
    /// Centred, wrapped text.
    pub(crate) text: Format,
    /// Points, two decimals.
    pub(crate) number: Format,
    /// Counts and ranks: whole numbers.
    pub(crate) count: Format,
    /// Left-aligned wrapped text (说明, 备注).
    pub(crate) note: Format,
}

impl Report {
    pub(crate) fn new() -> Self {
        let cell = cell(11.0);
        Report {
            title: Format::new().set_bold().set_font_size(18).set_align(FormatAlign::Center),
            line: Format::new().set_font_size(12),
            header: cell.clone().set_bold().set_align(FormatAlign::Center).set_text_wrap(),
            text: cell.clone().set_align(FormatAlign::Center).set_text_wrap(),
            number: cell.clone().set_align(FormatAlign::Center).set_num_format("0.00"),
            count: cell.clone().set_align(FormatAlign::Center).set_num_format("0"),
            note: cell.set_text_wrap().set_align(FormatAlign::Left),
        }
    }

    /// Number these formats, then `more`, in `book` before anything else uses
    /// one, and return their style indexes (for rows written as XML, see
    /// [`super::rows`]). Also makes the numbering independent of which sheet's
    /// thread meets a format first.
    pub(crate) fn register(&self, book: &mut rust_xlsxwriter::Workbook, more: &[&Format]) -> super::rows::Styles {
        let mut all = vec![&self.title, &self.line, &self.header, &self.text, &self.number, &self.count, &self.note];
        all.extend_from_slice(more);
        super::rows::Styles::register(book, &all)
    }
}

/// Formats of the blank scorecard.
pub(crate) struct Form {
    pub(crate) title: Format,
    /// 县(市、区)： and 被考核单位： above the table.
    pub(crate) label: Format,
    pub(crate) header: Format,
    /// Centred, wrapped (主要内容, 序号, 分值).
    pub(crate) center: Format,
    /// Left-aligned, wrapped (工作标准).
    pub(crate) text: Format,
    /// A cell the inspector fills in: unlocked, shaded.
    pub(crate) input: Format,
    /// A computed cell (deductions, 总分).
    pub(crate) formula: Format,
}

impl Form {
    pub(crate) fn new() -> Self {
        let cell = cell(10.5);
        Form {
            title: Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center),
            label: Format::new().set_font_size(11),
            header: cell.clone().set_bold().set_align(FormatAlign::Center).set_background_color("#D9E1F2"),
            center: cell.clone().set_align(FormatAlign::Center).set_text_wrap(),
            text: cell.clone().set_text_wrap(),
            input: cell.clone().set_align(FormatAlign::Center).set_unlocked().set_background_color("#FFF2CC"),
            formula: cell.set_align(FormatAlign::Center).set_num_format("0.##"),
        }
    }
}

/// How a sheet goes onto paper: A4 in this orientation, one page wide unless
/// the sheet is laid out in page-wide column groups (`fit_width` false: the
/// `repeat_columns` then start every page), the header rows on every page, a
/// 第 N 页 共 M 页 footer, and margins for a binder.
pub(crate) struct Paper {
    pub(crate) landscape: bool,
    pub(crate) fit_width: bool,
    pub(crate) repeat_rows: Option<(u32, u32)>,
    pub(crate) repeat_columns: Option<(u16, u16)>,
}

impl Paper {
    pub(crate) const PORTRAIT: Paper = Paper { landscape: false, fit_width: true, repeat_rows: None, repeat_columns: None };
    pub(crate) const LANDSCAPE: Paper = Paper { landscape: true, fit_width: true, repeat_rows: None, repeat_columns: None };

    pub(crate) fn rows(self, first: u32, last: u32) -> Self {
        Paper { repeat_rows: Some((first, last)), ..self }
    }

    pub(crate) fn apply(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        ws.set_paper_size(9);
        if self.landscape {
            ws.set_landscape();
        } else {
            ws.set_portrait();
        }
        if self.fit_width {
            ws.set_print_fit_to_pages(1, 0);
        }
        if let Some((a, b)) = self.repeat_rows {
            ws.set_repeat_rows(a, b)?;
        }
        if let Some((a, b)) = self.repeat_columns {
            ws.set_repeat_columns(a, b)?;
        }
        ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
        ws.set_footer("&C第 &P 页 共 &N 页");
        ws.set_print_center_horizontally(true);
        Ok(())
    }
}

/// A SHA-256 as it prints: a monospace font small enough that the 64 digits
/// wrap onto two lines of a column about 36 wide, never cut.
pub(crate) fn digest() -> Format {
    Format::new().set_font_name("Courier New").set_font_size(7).set_text_wrap().set_align(FormatAlign::VerticalCenter)
}

/// Width of a digest column (two lines of 32 digits at [`digest`]'s size).
pub(crate) const DIGEST_WIDTH: f64 = 36.0;
