//! What one device, and everyone together, may ask of the server, so that
//! a broken or hostile client slows only itself: connections at once (per
//! device and in all), messages and bytes per second (token buckets shared
//! by the device's connections: a flood waits, it is not dropped, and while
//! it waits its socket is not read), documents open on one connection, what
//! one message's changes may inflate to, and how long a connection may stay
//! silent or leave a write unread. All configurable (see [`crate::Config`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limits in force.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections one device may hold open at once.
    pub connections_per_device: usize,
    /// Sync connections open at once, over all devices.
    pub connections: usize,
    /// Messages per second one device may send, over all its connections.
    pub messages_per_second: u32,
    /// Bytes per second one device may send, over all its connections.
    pub bytes_per_second: u64,
    /// Documents one connection may have open.
    pub documents_per_connection: usize,
    /// What the changes of one sync message may inflate to.
    pub inflated_bytes: u64,
    /// A connection from which nothing arrives for this long is closed (the
    /// server pings at a quarter of it, and browsers answer pings).
    pub idle: Duration,
    /// A document nobody has read or changed for this long leaves memory,
    /// even while devices that synced it stay connected.
    pub document_idle: Duration,
    /// A message the client has not taken within this long closes its connection.
    pub write: Duration,
    /// An HTTP request whose headers have not arrived within this long is dropped.
    pub header_read: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connections_per_device: 16,
            connections: 10_000,
            messages_per_second: 500,
            bytes_per_second: 4 * 1024 * 1024,
            documents_per_connection: 5_000,
            inflated_bytes: shared::sync::DEFAULT_MAX_INFLATED,
            idle: Duration::from_secs(120),
            document_idle: Duration::from_secs(300),
            write: Duration::from_secs(30),
            header_read: Duration::from_secs(15),
        }
    }
}

/// A device's two budgets, refilled with time.
#[derive(Debug)]
struct Bucket {
    messages: f64,
    bytes: f64,
    at: Instant,
}

/// The devices' open connections and message budgets.
#[derive(Debug, Default)]
pub struct Meter {
    connections: Mutex<HashMap<String, usize>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Why a connection was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The device has its share open.
    Device,
    /// The server has all it takes open.
    Server,
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
    /// Counts a new connection of `device`, unless it already has
    /// `limits.connections_per_device` or the server `limits.connections`.
    pub fn open(self: &Arc<Self>, device: &str, limits: &Limits) -> Result<ConnectionSlot, Refused> {
        let mut open = self.connections.lock().expect("meter lock is never poisoned");
        if open.values().sum::<usize>() >= limits.connections {
            return Err(Refused::Server);
        }
        let n = open.entry(device.to_owned()).or_default();
        if *n >= limits.connections_per_device {
            return Err(Refused::Device);
        }
        *n += 1;
        Ok(ConnectionSlot { meter: self.clone(), device: device.to_owned() })
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

    /// How long `device` must wait before its next message, of `bytes`
    /// bytes, at `limits`' rates (with a burst of two seconds' worth of
    /// each); takes the message's share of both budgets.
    pub fn delay(&self, device: &str, limits: &Limits, bytes: usize) -> Duration {
        let messages_rate = f64::from(limits.messages_per_second.max(1));
        let bytes_rate = limits.bytes_per_second.max(1) as f64;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("meter lock is never poisoned");
        let bucket = buckets.entry(device.to_owned()).or_insert(Bucket {
            messages: messages_rate * 2.0,
            bytes: bytes_rate * 2.0,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.at = now;
        bucket.messages = (bucket.messages + elapsed * messages_rate).min(messages_rate * 2.0) - 1.0;
        bucket.bytes = (bucket.bytes + elapsed * bytes_rate).min(bytes_rate * 2.0) - bytes as f64;
        let wait = (-bucket.messages / messages_rate).max(-bucket.bytes / bytes_rate);
        if wait > 0.0 { Duration::from_secs_f64(wait) } else { Duration::ZERO }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_device: usize, all: usize) -> Limits {
        Limits { connections_per_device: per_device, connections: all, ..Limits::default() }
    }

    #[test]
    fn a_device_gets_its_connections_back_when_they_close() {
        let meter = Arc::new(Meter::default());
        let limits = limits(2, 100);
        let a = meter.open("d1", &limits).unwrap();
        let _b = meter.open("d1", &limits).unwrap();
        assert_eq!(meter.open("d1", &limits).unwrap_err(), Refused::Device, "a third is refused");
        assert!(meter.open("d2", &limits).is_ok(), "another device is not affected");
        drop(a);
        assert!(meter.open("d1", &limits).is_ok());
    }

    #[test]
    fn the_server_takes_no_more_connections_than_its_cap_in_all() {
        let meter = Arc::new(Meter::default());
        let limits = limits(5, 3);
        let open: Vec<_> = ["a", "b", "c"].iter().map(|d| meter.open(d, &limits).unwrap()).collect();
        assert_eq!(meter.open("d", &limits).unwrap_err(), Refused::Server);
        drop(open);
        assert!(meter.open("d", &limits).is_ok());
    }

    #[test]
    fn a_flood_waits_after_its_burst_and_others_do_not() {
        let meter = Meter::default();
        let limits = Limits { messages_per_second: 10, ..Limits::default() };
        let waited: Vec<Duration> = (0..25).map(|_| meter.delay("flood", &limits, 10)).collect();
        assert!(waited[..20].iter().all(|d| d.is_zero()), "a burst of two seconds' worth");
        assert!(waited[24] >= Duration::from_millis(400), "then a tenth of a second per message: {:?}", waited[24]);
        assert!(meter.delay("quiet", &limits, 10).is_zero());
    }

    #[test]
    fn a_few_large_messages_wait_for_their_bytes_however_few_they_are() {
        let meter = Meter::default();
        let limits = Limits { bytes_per_second: 1_000_000, ..Limits::default() };
        let waited: Vec<Duration> = (0..5).map(|_| meter.delay("big", &limits, 1_000_000)).collect();
        assert!(waited[..2].iter().all(|d| d.is_zero()), "two seconds' worth of bytes at once: {waited:?}");
        assert!(waited[4] >= Duration::from_millis(2_900), "then a second per megabyte: {:?}", waited[4]);
        assert!(meter.delay("small", &limits, 1_000).is_zero());
    }
}
