//! The evaluator every data-built rubric component is: the engine, and an
//! empty slot for a rubric's data (see `kaohe_engine::codec`). Built once by
//! kaohe's build and embedded in kaohe; `kaohe rubric build` writes a rubric
//! into a copy of it, with no compiler.

/// The slot `kaohe rubric build` fills. Read through `black_box` so the
/// compiler never treats its (empty) initial contents as known.
#[used]
static KAOHE_RUBRIC_SLOT: [u8; kaohe_engine::codec::SLOT] = kaohe_engine::codec::EMPTY_SLOT;

fn slot() -> &'static [u8; kaohe_engine::codec::SLOT] {
    std::hint::black_box(&KAOHE_RUBRIC_SLOT)
}

kaohe_engine::rubric_component!(kaohe_engine::codec::slot_contents(slot()).and_then(kaohe_engine::codec::decode_slot).unwrap_or_else(|e| panic!("{e}")));
