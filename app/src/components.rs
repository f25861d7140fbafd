//! Small components, one per file.

pub mod banners;
pub mod member_card;
pub mod member_form;
pub mod sync_badge;
