//! Small components, one per file.

pub mod banners;
pub mod files;
pub mod form;
pub mod history;
pub mod import;
pub mod member_card;
pub mod records;
pub mod sync_badge;
