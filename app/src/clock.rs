//! The device's clock, for both halves of the app: change timestamps and
//! today's date.

use shared::Date;

/// Milliseconds since the epoch, for change timestamps.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Today on this device's clock, in local time.
pub fn today() -> Date {
    day_of(now_ms())
}

/// The local day of the moment `ms` (since the epoch).
pub fn day_of(ms: i64) -> Date {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    Date::new(at.get_full_year() as i32, at.get_month() as u8 + 1, at.get_date() as u8)
        .unwrap_or_else(|| Date::from_unix_ms(ms))
}
