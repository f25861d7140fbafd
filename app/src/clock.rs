//! The device's clock, for both halves of the app: change timestamps and
//! today's date.

use shared::Date;

/// Milliseconds since the epoch, for change timestamps.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Today on this device's clock, in local time.
pub fn today() -> Date {
    let now = js_sys::Date::new_0();
    Date::new(now.get_full_year() as i32, now.get_month() as u8 + 1, now.get_date() as u8)
        .unwrap_or_else(|| Date::from_unix_ms(now_ms()))
}
