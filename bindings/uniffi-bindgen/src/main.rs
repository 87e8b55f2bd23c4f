//! `cargo run -p uniffi-bindgen -- generate --library <libnyckel_ffi.so> --language kotlin ...`
//!
//! A separate crate so the `cli` feature (clap, bindgen templates) never ends up in the
//! library that ships in the apps.

fn main() {
    uniffi::uniffi_bindgen_main()
}
