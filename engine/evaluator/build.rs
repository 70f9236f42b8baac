//! A 64 KiB stack, as every rubric component has (see `kaohe_engine::build`).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=-zstack-size=65536");
    }
}
