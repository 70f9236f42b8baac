//! A rubric as compact bytes, and the slot in the prebuilt evaluator component
//! where `kaohe rubric build` puts them.
//!
//! The evaluator (`engine/evaluator`, built once from source and embedded in
//! kaohe) carries a fixed-size static [`SLOT`] bytes long, starting with
//! [`MARKER`]. Building a rubric component is writing [`encode`]'s bytes
//! into that slot ([`fill_slot`]): no compiler, no re-encoding of the
//! WebAssembly (only the contents of one data segment change, so every offset
//! stays valid), byte-identical for the same rubric. The evaluator decodes
//! the slot on first use in each instance, borrowing every text from the
//! slot itself (no copy, no allocation per string).
//!
//! ```
//! let rubric = kaohe_engine::Rubric::from_json(r#"{
//!   "id": "demo", "version": "1.0.0", "title": "评分表", "issuer": "某局",
//!   "region": "某市", "level": "county-center", "year": 2024,
//!   "categories": [{"name": "组织领导", "part": "base", "items": [{"id": "1", "max": 2, "text": "成立领导小组"}]}],
//!   "bands": [{"label": "合格", "min": 1}, {"label": "不合格"}],
//!   "report": {"title": "统计表", "columns": [{"header": "总分", "source": "total"}]}
//! }"#).unwrap();
//! let bytes = kaohe_engine::codec::encode(&rubric);
//! let back = kaohe_engine::codec::decode(Box::leak(bytes.into_boxed_slice())).unwrap();
//! assert_eq!(back, rubric);
//! ```

use std::borrow::Cow;

use crate::model::{Band, Category, Column, Item, Level, LevelOption, Part, Report, Rubric, RuleMode, SubRule, Text};

/// The first bytes of the evaluator's slot: how [`fill_slot`] finds it.
pub const MARKER: &[u8; 32] = b"kaohe-rubric-slot/1:rubric-data:";
/// The slot's size: the marker, a little-endian u32 length, and the rubric's bytes.
pub const SLOT: usize = 32 << 10;
/// The most bytes a rubric may take in the slot.
pub const CAPACITY: usize = SLOT - MARKER.len() - 4;

/// The empty slot, as the evaluator declares it (a `const`: it initialises the
/// evaluator's `static`, which is the one copy that exists).
#[allow(clippy::large_const_arrays)]
pub const EMPTY_SLOT: [u8; SLOT] = {
    let mut s = [0u8; SLOT];
    let mut i = 0;
    while i < MARKER.len() {
        s[i] = MARKER[i];
        i += 1;
    }
    s
};

/// Version 2: fixed-width fields (u32 counts, f64 numbers, each text an
/// offset and length into a string area after the records), so decoding is a
/// run of plain reads, with no variable-length numbers to take apart.
const MAGIC: &[u8; 4] = b"KHR2";

/// The rubric as bytes (deterministic: the same rubric, the same bytes).
pub fn encode(r: &Rubric) -> Vec<u8> {
    let mut w = W { body: Vec::new(), strings: Vec::new() };
    w.s(&r.id);
    w.s(&r.version);
    w.s(&r.title);
    w.s(&r.issuer);
    w.s(&r.region);
    w.u8(match r.level {
        Level::CountyCenter => 0,
        Level::TownshipStation => 1,
        Level::VillageStation => 2,
    });
    w.n(r.year as u64);
    w.s(&r.description);
    w.n(r.categories.len() as u64);
    for c in &r.categories {
        w.s(&c.name);
        w.u8(part(c.part));
        w.n(c.items.len() as u64);
        for it in &c.items {
            w.s(&it.id);
            w.s(&it.text);
            w.of(it.max);
            w.u8(it.part.map(part).unwrap_or(0xFF));
            w.u8(match it.required {
                None => 2,
                Some(b) => b as u8,
            });
            w.n(it.levels.len() as u64);
            for l in &it.levels {
                w.f(l.points);
                w.s(&l.label);
            }
            w.n(it.rules.len() as u64);
            for x in &it.rules {
                w.s(&x.id);
                w.s(&x.text);
                w.u8(match x.mode {
                    RuleMode::PerOccurrence => 0,
                    RuleMode::Discretionary => 1,
                });
                w.f(x.each);
                w.f(x.cap);
                w.s(&x.unit);
            }
        }
    }
    w.n(r.bands.len() as u64);
    for b in &r.bands {
        w.s(&b.label);
        w.of(b.min);
    }
    w.s(&r.report.title);
    w.n(r.report.columns.len() as u64);
    for c in &r.report.columns {
        w.s(&c.header);
        w.s(&c.source);
    }
    w.n(r.report.notes.len() as u64);
    for n in &r.report.notes {
        w.s(n);
    }
    let mut out = MAGIC.to_vec();
    out.extend((w.body.len() as u32).to_le_bytes());
    out.extend(w.body);
    out.extend(w.strings);
    out
}

fn part(p: Part) -> u8 {
    match p {
        Part::Base => 0,
        Part::Bonus => 1,
        Part::Deduction => 2,
        Part::Special => 3,
        Part::SpecialDeduction => 4,
    }
}

struct W {
    body: Vec<u8>,
    strings: Vec<u8>,
}

impl W {
    fn u8(&mut self, b: u8) {
        self.body.push(b);
    }
    fn n(&mut self, v: u64) {
        self.body.extend((v as u32).to_le_bytes());
    }
    fn f(&mut self, v: f64) {
        self.body.extend(v.to_le_bytes());
    }
    fn of(&mut self, v: Option<f64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.f(v);
            }
        }
    }
    fn s(&mut self, s: &str) {
        self.n(self.strings.len() as u64);
        self.n(s.len() as u64);
        self.strings.extend(s.as_bytes());
    }
}

/// Read a rubric from [`encode`]'s bytes, borrowing every text from them.
pub fn decode(bytes: &'static [u8]) -> Result<Rubric, String> {
    decode_with(bytes, false, Cow::Borrowed)
}

/// [`decode`] into a rubric that owns its texts (bytes of any lifetime).
pub fn decode_owned(bytes: &[u8]) -> Result<Rubric, String> {
    decode_with(bytes, false, |s| Cow::Owned(s.to_string()))
}

/// [`decode`] for the evaluator's own slot, without checking the texts' UTF-8
/// (see the safety note in `R::s`).
pub fn decode_slot(bytes: &'static [u8]) -> Result<Rubric, String> {
    decode_with(bytes, true, Cow::Borrowed)
}

fn decode_with<'a>(bytes: &'a [u8], trusted: bool, text: fn(&'a str) -> Text) -> Result<Rubric, String> {
    if bytes.get(..4) != Some(MAGIC) {
        return Err("not kaohe rubric data (KHR2)".into());
    }
    let body_len = bytes.get(4..8).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or("rubric data cut short")?;
    let body = bytes.get(8..8 + body_len).ok_or("rubric data cut short")?;
    let mut r = R { b: body, strings: &bytes[8 + body_len..], at: 0, trusted, text };
    let (id, version, title, issuer, region) = (r.s()?, r.s()?, r.s()?, r.s()?, r.s()?);
    let level = match r.u8()? {
        0 => Level::CountyCenter,
        1 => Level::TownshipStation,
        2 => Level::VillageStation,
        v => return Err(format!("unknown level {v}")),
    };
    let year = r.n()? as u32;
    let description = r.s()?;
    let categories = r.list(|r| {
        let name = r.s()?;
        let part = r.part()?;
        let items = r.list(|r| {
            let (id, text) = (r.s()?, r.s()?);
            let max = r.of()?;
            let part = match r.u8()? {
                0xFF => None,
                v => Some(part_of(v)?),
            };
            let required = match r.u8()? {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            };
            let levels = r.list(|r| Ok(LevelOption { points: r.f()?, label: r.s()? }))?;
            let rules = r.list(|r| {
                let (id, text) = (r.s()?, r.s()?);
                let mode = if r.u8()? == 1 { RuleMode::Discretionary } else { RuleMode::PerOccurrence };
                Ok(SubRule { id, text, mode, each: r.f()?, cap: r.f()?, unit: r.s()? })
            })?;
            Ok(Item { id, text, max, part, required, levels, rules })
        })?;
        Ok(Category { name, part, items })
    })?;
    let bands = r.list(|r| Ok(Band { label: r.s()?, min: r.of()? }))?;
    let report_title = r.s()?;
    let columns = r.list(|r| Ok(Column { header: r.s()?, source: r.s()? }))?;
    let notes = r.list(|r| r.s())?;
    Ok(Rubric { id, version, title, issuer, region, level, year, description, categories, bands, report: Report { title: report_title, columns, notes } })
}

fn part_of(v: u8) -> Result<Part, String> {
    Ok(match v {
        0 => Part::Base,
        1 => Part::Bonus,
        2 => Part::Deduction,
        3 => Part::Special,
        4 => Part::SpecialDeduction,
        v => return Err(format!("unknown part {v}")),
    })
}

struct R<'a> {
    b: &'a [u8],
    strings: &'a [u8],
    at: usize,
    trusted: bool,
    text: fn(&'a str) -> Text,
}

impl<'a> R<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let out = self.b.get(self.at..self.at + N).and_then(|s| s.try_into().ok()).ok_or("rubric data cut short")?;
        self.at += N;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take::<1>()?[0])
    }
    fn n(&mut self) -> Result<u64, String> {
        Ok(u32::from_le_bytes(self.take()?) as u64)
    }
    fn f(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    fn of(&mut self) -> Result<Option<f64>, String> {
        Ok(if self.u8()? == 1 { Some(self.f()?) } else { None })
    }
    fn s(&mut self) -> Result<Text, String> {
        let (at, n) = (self.n()? as usize, self.n()? as usize);
        let bytes = self.strings.get(at..at.checked_add(n).ok_or("rubric data: bad text")?).ok_or("rubric data: text out of bounds")?;
        if self.trusted {
            // SAFETY: `trusted` data is the slot of a component `rubric build` wrote, whose texts
            // are `encode`'s copies of `&str`s (valid UTF-8 by construction). Validating 12 KB of
            // Chinese text cost more than the rest of an instance; a slot altered by hand makes
            // another, untrusted component, sandboxed like any other.
            Ok((self.text)(unsafe { std::str::from_utf8_unchecked(bytes) }))
        } else {
            std::str::from_utf8(bytes).map(self.text).map_err(|_| "rubric data: text is not UTF-8".to_string())
        }
    }
    fn part(&mut self) -> Result<Part, String> {
        part_of(self.u8()?)
    }
    fn list<T>(&mut self, mut one: impl FnMut(&mut Self) -> Result<T, String>) -> Result<Vec<T>, String> {
        let n = self.n()? as usize;
        // Each element takes at least one byte: a count past what is left is corrupt, not a reason to reserve.
        let mut out = Vec::with_capacity(n.min(self.b.len() - self.at));
        for _ in 0..n {
            out.push(one(self)?);
        }
        Ok(out)
    }
}

/// The rubric bytes in a filled slot (the evaluator's side).
pub fn slot_contents(slot: &'static [u8; SLOT]) -> Result<&'static [u8], String> {
    let len = u32::from_le_bytes(slot[MARKER.len()..MARKER.len() + 4].try_into().unwrap_or_default()) as usize;
    if len == 0 {
        return Err("this is the bare evaluator: no rubric was built into it".into());
    }
    slot.get(MARKER.len() + 4..MARKER.len() + 4 + len).ok_or_else(|| "rubric data longer than its slot".to_string())
}

/// Write `data` into the one empty slot of the evaluator component
/// `evaluator`, then drop the slot's unused zeros from the data segment that
/// holds it (see [`trim_slot`]).
pub fn fill_slot(evaluator: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    if data.len() > CAPACITY {
        return Err(format!("the rubric takes {} bytes; a component holds at most {CAPACITY}", data.len()));
    }
    let at = find_slot(evaluator)?;
    let mut out = evaluator.to_vec();
    let body = &mut out[at + MARKER.len()..at + SLOT];
    if body.iter().any(|b| *b != 0) {
        return Err("the evaluator's slot is already filled".into());
    }
    body[..4].copy_from_slice(&(data.len() as u32).to_le_bytes());
    body[4..4 + data.len()].copy_from_slice(data);
    trim_slot(&out, at, MARKER.len() + 4 + data.len()).ok_or_else(|| "the evaluator's layout is not the one kaohe knows".to_string())
}

/// The component with the slot's unused tail cut out of its data segment.
///
/// An instance copies its data segments into memory when it starts, so an
/// unused tail of zeros would cost every workbook its copy (about 0.4 µs per
/// KiB, measured). Linear memory starts zeroed, so the tail need not be
/// written: the segment holding the slot is split in two, the part up to
/// the end of the rubric's data and the part after the slot, each at its
/// own offset, and every enclosing size is re-encoded. Nothing else moves.
fn trim_slot(component: &[u8], slot_at: usize, used: usize) -> Option<Vec<u8>> {
    let top = sections(component, 8)?;
    let (ci, (cid, cstart, cend)) = top.iter().copied().enumerate().find(|(_, (_, s, e))| (*s..*e).contains(&slot_at))?;
    if cid != 1 {
        return None; // not a core module at the top level
    }
    let module = &component[cstart..cend];
    let at = slot_at - cstart;
    let msections = sections(module, 8)?;
    let mut new_module = module[..8].to_vec();
    for &(id, s, e) in &msections {
        let contents = &module[s..e];
        let contents = match id {
            11 if (s..e).contains(&at) => split_segment(contents, at - s, used)?,
            // DataCount: one more segment.
            12 => {
                let (n, _) = leb(contents, 0)?;
                let mut v = Vec::new();
                put_leb(&mut v, n + 1);
                v
            }
            _ => contents.to_vec(),
        };
        new_module.push(id);
        put_leb(&mut new_module, contents.len() as u64);
        new_module.extend(contents);
    }
    let mut out = component[..8].to_vec();
    for (k, (id, s, e)) in top.iter().enumerate() {
        let contents = if k == ci { &new_module[..] } else { &component[*s..*e] };
        out.push(*id);
        put_leb(&mut out, contents.len() as u64);
        out.extend(contents);
    }
    Some(out)
}

/// (id, start, end) of each section's contents after a `skip`-byte header.
fn sections(b: &[u8], skip: usize) -> Option<Vec<(u8, usize, usize)>> {
    let mut out = Vec::new();
    let mut at = skip;
    while at < b.len() {
        let id = b[at];
        let (size, next) = leb(b, at + 1)?;
        let end = next.checked_add(size as usize).filter(|e| *e <= b.len())?;
        out.push((id, next, end));
        at = end;
    }
    Some(out)
}

/// A data section's contents with the active segment holding `at` split
/// around the slot: bytes up to `at + used`, then bytes from `at + SLOT`.
fn split_segment(data: &[u8], at: usize, used: usize) -> Option<Vec<u8>> {
    let (count, mut p) = leb(data, 0)?;
    let mut segments = Vec::new();
    for _ in 0..count {
        let start = p;
        let (flags, q) = leb(data, p)?;
        p = q;
        let mut offset = None;
        if flags == 0 || flags == 2 {
            if flags == 2 {
                p = leb(data, p)?.1; // memory index
            }
            // The offset expression: LLVM writes `i32.const N end`.
            if data.get(p) != Some(&0x41) {
                return None;
            }
            let (n, q) = sleb(data, p + 1)?;
            if data.get(q) != Some(&0x0B) {
                return None;
            }
            offset = Some(n);
            p = q + 1;
        }
        let (len, q) = leb(data, p)?;
        let bytes = (q, q.checked_add(len as usize).filter(|e| *e <= data.len())?);
        p = bytes.1;
        segments.push((start, flags, offset, bytes));
    }
    let mut out = Vec::new();
    put_leb(&mut out, count + 1);
    for (start, flags, offset, (bs, be)) in segments {
        match offset {
            Some(base) if flags == 0 && (bs..be).contains(&at) && at + SLOT <= be => {
                let (cut, resume) = (at + used, at + SLOT);
                for (from, to, off) in [(bs, cut, base), (resume, be, base + (resume - bs) as i64)] {
                    out.push(0);
                    out.push(0x41);
                    put_sleb(&mut out, off);
                    out.push(0x0B);
                    put_leb(&mut out, (to - from) as u64);
                    out.extend(&data[from..to]);
                }
            }
            _ => out.extend(&data[start..be]),
        }
    }
    Some(out)
}

fn leb(b: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(at)?;
        at += 1;
        v |= ((byte & 0x7F) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some((v, at));
        }
    }
    None
}

fn sleb(b: &[u8], mut at: usize) -> Option<(i64, usize)> {
    let (mut v, mut shift) = (0i64, 0);
    loop {
        let byte = *b.get(at)?;
        at += 1;
        v |= ((byte & 0x7F) as i64) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                v |= -1 << shift;
            }
            return Some((v, at));
        }
        if shift >= 63 {
            return None;
        }
    }
}

fn put_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7F) as u8;
        v >>= 7;
        let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
        out.push(if done { b } else { b | 0x80 });
        if done {
            return;
        }
    }
}

/// The custom section of a built component that says where it came from.
pub const SOURCE_SECTION: &str = "kaohe-rubric-source";

/// A rubric component built from data: `rubric` validated, encoded and
/// written into the evaluator, with a custom section recording the source's
/// SHA-256 and the kaohe version that built it. What `kaohe rubric build` and
/// kaohe's own build (for the built-in rubrics) both call.
pub fn component(evaluator: &[u8], rubric: &Rubric, source_sha256: &str, kaohe_version: &str) -> Result<Vec<u8>, Vec<String>> {
    rubric.validate()?;
    let mut bytes = fill_slot(evaluator, &encode(rubric)).map_err(|e| vec![e])?;
    let note = format!("{{\"source_sha256\":\"{source_sha256}\",\"kaohe\":\"{kaohe_version}\"}}");
    let mut body = Vec::new();
    put_leb(&mut body, SOURCE_SECTION.len() as u64);
    body.extend(SOURCE_SECTION.as_bytes());
    body.extend(note.as_bytes());
    // A custom section (id 0) is valid at the end of any component and ignored by every runtime.
    bytes.push(0);
    put_leb(&mut bytes, body.len() as u64);
    bytes.extend(body);
    Ok(bytes)
}

/// The rubric of `component` if it is exactly what [`component`] makes of
/// `evaluator` and some valid rubric: the evaluator's bytes with a slot
/// holding canonical rubric data (decoding and re-encoding to the same bytes,
/// every text checked, the rubric valid), and one source section after.
/// Such a component runs only the evaluator's code on data it reads soundly.
///
/// ```ignore
/// let built = kaohe_engine::codec::component(evaluator, &rubric, "sha", "0.1.0").unwrap();
/// assert!(kaohe_engine::codec::built_from(evaluator, &built).is_some());
/// ```
pub fn built_from(evaluator: &[u8], component: &[u8]) -> Option<Rubric> {
    let mut found = component.windows(MARKER.len()).enumerate().filter(|(_, w)| *w == MARKER).map(|(i, _)| i);
    let at = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let len_at = at + MARKER.len();
    let len = u32::from_le_bytes(component.get(len_at..len_at + 4)?.try_into().ok()?) as usize;
    let data = component.get(len_at + 4..len_at + 4 + len)?;
    let rubric = decode_owned(data).ok()?;
    if rubric.validate().is_err() || encode(&rubric) != data {
        return None;
    }
    let filled = fill_slot(evaluator, data).ok()?;
    let rest = component.strip_prefix(filled.as_slice())?;
    // One custom section named SOURCE_SECTION, to the end.
    let (&0, rest) = rest.split_first()? else { return None };
    let (size, body) = leb(rest, 0)?;
    let body = rest.get(body..)?;
    let (name_len, name_at) = leb(body, 0)?;
    let named = body.get(name_at..name_at + name_len as usize)? == SOURCE_SECTION.as_bytes();
    (named && body.len() as u64 == size).then_some(rubric)
}

/// Where the slot starts in `component`: exactly one marker followed by room for the slot.
pub fn find_slot(component: &[u8]) -> Result<usize, String> {
    let mut found = component.windows(MARKER.len()).enumerate().filter(|(_, w)| *w == MARKER).map(|(i, _)| i);
    let at = found.next().ok_or("no rubric slot in this component (not kaohe's evaluator)")?;
    if found.next().is_some() {
        return Err("more than one rubric slot in this component".into());
    }
    if at + SLOT > component.len() {
        return Err("the rubric slot is cut short".into());
    }
    Ok(at)
}
