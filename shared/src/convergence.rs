//! Convergence under a bad network, as a property test over
//! [`crate::fixture::schedule`] with the hub modelled in memory; the server
//! crate runs the same schedules against its real hub and store.
//!
//! The default run tries 24 schedules; the long run is
//! `PROPTEST_CASES=10000 cargo test -p shared --release convergence`.

use proptest::prelude::*;

use crate::DocumentId;
use crate::fixture::schedule::{Docs, InMemory, run, step};

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

    #[test]
    fn peers_converge_whatever_the_network_does(
        (peers, schedule) in (2..5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(step(n), 10..120)))
    ) {
        let ids = (DocumentId::random(), DocumentId::random());
        run(peers, &schedule, ids, &mut InMemory(Docs::new(&ids.0, &ids.1)))?;
    }
}
