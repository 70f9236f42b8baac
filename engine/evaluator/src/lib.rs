//! The evaluator every data-built rubric component is: the engine, and an
//! empty slot for a rubric's data (see `kaohe_engine::codec`). Built once by
//! kaohe's build and embedded in kaohe; `kaohe rubric build` writes a rubric
//! into a copy of it, with no compiler. Exports `kaohe:rubric@1.1.0`.

kaohe_engine::rubric_slot!();
kaohe_engine::rubric_component!(kaohe_slot_rubric());
