//! Case and folding of people's words, for matching and sorting them.
//!
//! In the browser the case comes from JavaScript's `toLowerCase` and
//! `toUpperCase`, which follow the same Unicode mappings as Rust's: Rust's
//! own are tables of 24 KB that hardly compress, and each of the app's two
//! wasm modules would carry them (BENCHMARKS.md). Natively, Rust's.

/// `s` in lower case with «ё» as «е», as people's words are matched and
/// sorted: «Ёлкина» and «елкина» are the same name.
pub fn fold(s: &str) -> String {
    lower(s).replace('ё', "е")
}

/// `s` in lower case.
pub fn lower(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(s).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    s.to_lowercase()
}

/// `s` in upper case.
pub fn upper(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(s).to_upper_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    s.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_lowers_every_letter_and_reads_yo_as_ye() {
        assert_eq!(fold("ЁЛКИНА Алёна Sigrid ÆSIR"), "елкина алена sigrid æsir");
        assert_eq!(upper("7 б"), "7 Б");
    }
}
