//! What one device may ask of the server, so that a broken or hostile
//! client slows only itself: connections at once, messages per second
//! (a token bucket shared by the device's connections: a flood waits, it
//! is not dropped), and documents open on one connection. All configurable
//! (see [`crate::Config`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limits in force.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections one device may hold open at once.
    pub connections_per_device: usize,
    /// Messages per second one device may send, over all its connections.
    pub messages_per_second: u32,
    /// Documents one connection may have open.
    pub documents_per_connection: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { connections_per_device: 16, messages_per_second: 500, documents_per_connection: 5_000 }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The devices' open connections and message budgets.
#[derive(Debug, Default)]
pub struct Meter {
    connections: Mutex<HashMap<String, usize>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// An open connection counted against its device; uncounted when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    meter: Arc<Meter>,
    device: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.meter.connections.lock().expect("meter lock is never poisoned");
        if let Some(n) = open.get_mut(&self.device) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.device);
            }
        }
    }
}

impl Meter {
    /// Counts a new connection of `device`, unless it already has `max`.
    pub fn open(self: &Arc<Self>, device: &str, max: usize) -> Option<ConnectionSlot> {
        let mut open = self.connections.lock().expect("meter lock is never poisoned");
        let n = open.entry(device.to_owned()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot { meter: self.clone(), device: device.to_owned() })
    }

    /// Connections open now, over all devices.
    pub fn open_connections(&self) -> usize {
        self.connections.lock().expect("meter lock is never poisoned").values().sum()
    }

    /// Waits until every connection has closed, or `patience` has passed;
    /// whether they all did.
    pub async fn drained(&self, patience: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        while self.open_connections() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// How long `device` must wait before its next message at `per_second`
    /// (with a burst of two seconds' worth); takes the message's token.
    pub fn delay(&self, device: &str, per_second: u32) -> Duration {
        let rate = f64::from(per_second.max(1));
        let burst = rate * 2.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("meter lock is never poisoned");
        let bucket = buckets.entry(device.to_owned()).or_insert(Bucket { tokens: burst, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-bucket.tokens / rate) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_gets_its_connections_back_when_they_close() {
        let meter = Arc::new(Meter::default());
        let a = meter.open("d1", 2).unwrap();
        let _b = meter.open("d1", 2).unwrap();
        assert!(meter.open("d1", 2).is_none(), "a third is refused");
        assert!(meter.open("d2", 2).is_some(), "another device is not affected");
        drop(a);
        assert!(meter.open("d1", 2).is_some());
    }

    #[test]
    fn a_flood_waits_after_its_burst_and_others_do_not() {
        let meter = Meter::default();
        let waited: Vec<Duration> = (0..25).map(|_| meter.delay("flood", 10)).collect();
        assert!(waited[..20].iter().all(|d| d.is_zero()), "a burst of two seconds' worth");
        assert!(waited[24] >= Duration::from_millis(400), "then a tenth of a second per message: {:?}", waited[24]);
        assert!(meter.delay("quiet", 10).is_zero());
    }
}
