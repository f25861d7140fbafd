//! libFuzzer target: the fuzzer's frames sent by a device that may only
//! read, through the server's connection, hub and store (see `mo_fuzz`).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mo_fuzz::World;

/// One world for the whole run: what an input may not do is change it.
static WORLD: OnceLock<World> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    WORLD.get_or_init(World::new).run(data);
});
