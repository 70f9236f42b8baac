//! Every finding code kaohe reports, reading and scoring alike: the whole
//! vocabulary in one list. The strings are what users see (JSON `code`, the
//! 问题清单 sheet's 代码 column, the CLI) and are stable; the enum is what the
//! code matches on, so no failure is ever classified by reading its message.
//!
//! ```
//! use kaohe_workbook::Code;
//! assert_eq!(Code::OutOfRange.as_str(), "out-of-range");
//! assert_eq!("zip-bomb".parse::<Code>(), Ok(Code::ZipBomb));
//! assert!(Code::ALL.iter().all(|c| c.as_str().parse::<Code>() == Ok(*c)));
//! ```

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $text:literal, )*) => {
        /// A finding's stable, machine-readable kind (serialised in kebab-case).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users see it, e.g. `out-of-range`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }

        impl std::str::FromStr for Code {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, UnknownCode> {
                match s {
                    $($text => Ok(Code::$variant),)*
                    _ => Err(UnknownCode(s.chars().take(40).collect())),
                }
            }
        }
    };
}

codes! {
    // Reading a workbook.
    /// The file or one of its sheets cannot be read (damaged, locked, or the parser failed).
    Unreadable = "unreadable",
    /// The workbook has an open password.
    Encrypted = "encrypted",
    /// An Excel 2.x–4.0 (BIFF2–4) file.
    OldFormat = "old-format",
    /// Not a spreadsheet at all.
    NotAWorkbook = "not-a-workbook",
    /// A file of 0 bytes.
    EmptyFile = "empty-file",
    /// A zip container refused from its directory (too many parts, too large, a suspicious ratio).
    ZipBomb = "zip-bomb",
    /// A file or sheet far larger than a scorecard.
    TooLarge = "too-large",
    /// Parsing took longer than `--read-timeout`.
    ReadTimeout = "read-timeout",
    /// Parsing needed more than `--read-memory`.
    ReadMemory = "read-memory",
    /// No sheet holds a scorecard.
    NoScorecard = "no-scorecard",
    /// A roster that cannot be used.
    BadRoster = "bad-roster",
    /// The extension says one format, the content another (read by content).
    FileTypeMismatch = "file-type-mismatch",
    /// A hidden blank copy of a scorecard, skipped.
    HiddenBlankSheet = "hidden-blank-sheet",
    /// A hidden sheet whose scorecard was scored.
    HiddenSheet = "hidden-sheet",
    /// The unit's name was taken from the sheet's name.
    NameFromSheet = "name-from-sheet",
    /// The unit's name was taken from the file's name.
    NameFromFile = "name-from-file",
    /// Only a self-assessment column: scored from it.
    SelfAssessed = "self-assessed",
    /// Both self-assessment and inspector columns: the inspector's is scored.
    ScoreColumn = "score-column",

    // Scoring a scorecard.
    /// The scorecard names another rubric than the one scoring it.
    RubricMismatch = "rubric-mismatch",
    /// The same 序号 on two rows.
    DuplicateItem = "duplicate-item",
    /// A rubric item without a row.
    MissingItem = "missing-item",
    /// A row whose 序号 the rubric does not have.
    UnknownItem = "unknown-item",
    /// A blank copy of the scorecard: nothing entered.
    NotFilled = "not-filled",
    /// A required item without a score.
    MissingScore = "missing-score",
    /// A score outside what the item allows.
    OutOfRange = "out-of-range",
    /// The rubric refused the entries for another reason.
    Rejected = "rejected",
    /// A score typed as text, read as a number.
    TextNumber = "text-number",
    /// A score whose word or sign contradicts the item (扣 in a bonus item).
    ContradictsItem = "contradicts-item",
    /// A score cell holding text that is not a number.
    NotANumber = "not-a-number",
    /// A formula saved without its result.
    FormulaNoValue = "formula-no-value",
    /// A 小计/合计/总分 typed on the sheet that differs from kaohe's.
    TypedTotalDiffers = "typed-total-differs",
    /// The rubric component failed (trap, deadline, memory cap).
    RubricFailed = "rubric-failed",
    /// The rubric's answer is not consistent with its own description.
    RubricInconsistent = "rubric-inconsistent",
    /// A bug in kaohe itself, caught.
    InternalError = "internal-error",
    /// A value carried over between rubric versions (compare).
    Converted = "converted",

    // The batch as a whole.
    /// The same unit handed in more than once.
    DuplicateUnit = "duplicate-unit",
    /// A roster unit without a scorecard.
    NotSubmitted = "not-submitted",
    /// A unit that is not on the roster.
    NotOnRoster = "not-on-roster",
    /// Matched to a roster unit whose name is written differently.
    RosterNameDiffers = "roster-name-differs",

    // A province's manifest.
    /// A manifest entry written wrongly.
    BadManifest = "bad-manifest",
    /// A file or folder the manifest names does not exist.
    MissingFile = "missing-file",
    /// A `builtin:ID` kaohe does not have.
    RubricMissing = "rubric-missing",
    /// A component whose SHA-256 is not the pinned one.
    DigestMismatch = "digest-mismatch",
    /// A component built against an interface version this host does not support.
    InterfaceVersion = "interface-version",
    /// A component that does not load.
    RubricLoadFailed = "rubric-load-failed",
    /// No component of the city could be used: its workbooks are listed, not scored.
    NoRubric = "no-rubric",
}

/// A string that is not a [`Code`] (e.g. from a component).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown finding code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
        assert_eq!("no-such-code".parse::<Code>(), Err(UnknownCode("no-such-code".into())));
    }
}
