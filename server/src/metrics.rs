//! What the server is doing, for a monitoring system: `/metrics` in the
//! Prometheus text format. Counts only: nothing in it names a person, a
//! school or a document.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counters the connections and the hub add to.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    /// WebSocket connections accepted since start.
    pub connections: AtomicU64,
    /// Protocol messages received from clients.
    pub messages_received: AtomicU64,
    /// Protocol messages sent to clients.
    pub messages_sent: AtomicU64,
    /// Reads or writes of the store that failed.
    pub storage_errors: AtomicU64,
    /// Connections closed because the client broke the protocol or a limit.
    pub connections_refused: AtomicU64,
    /// Sync messages carrying changes from a device that may not write them.
    pub changes_refused: AtomicU64,
    /// Messages refused for a limit: inflated size, bytes per second, ephemeral.
    pub messages_refused: AtomicU64,
}

/// Panics anywhere in the process, counted by the hook [`install_panic_hook`]
/// sets (a hook is process-wide, so the count is too).
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Logs every panic with its place, in one line that says «panicked» (the
/// end-to-end tests fail on it), and counts it for `/metrics`. A panic in a
/// connection's task ends that connection only; without this it would end
/// it silently.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        tracing::error!(%place, %thread, "panicked: {what}");
    }));
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            connections: AtomicU64::new(0),
            messages_received: AtomicU64::new(0),
            messages_sent: AtomicU64::new(0),
            storage_errors: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            changes_refused: AtomicU64::new(0),
            messages_refused: AtomicU64::new(0),
        }
    }
}

/// What is read from elsewhere when `/metrics` is asked.
#[derive(Debug, Clone, Copy)]
pub struct Readings {
    /// WebSocket connections open now.
    pub connections_open: usize,
    /// Documents open by at least one connection.
    pub documents_open: usize,
    /// Documents loaded in memory.
    pub documents_loaded: usize,
    /// Registered devices that are not revoked.
    pub devices: usize,
    /// Changes the hub has written to the store since start.
    pub changes_stored: u64,
    /// Damaged chunks found by loads (and set aside) since start.
    pub chunks_set_aside: u64,
}

/// Adds one to a counter.
pub fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// The Prometheus text exposition of the counters and `readings`.
    pub fn render(&self, readings: Readings) -> String {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        let (gauge, counter) = ("gauge", "counter");
        let metrics = [
            ("mo_up_seconds", gauge, "Seconds since the server started.", self.started.elapsed().as_secs_f64()),
            ("mo_connections_open", gauge, "WebSocket sync connections open now.", readings.connections_open as f64),
            ("mo_connections_total", counter, "WebSocket sync connections accepted.", read(&self.connections)),
            (
                "mo_connections_refused_total",
                counter,
                "Connections closed for breaking the protocol or a limit.",
                read(&self.connections_refused),
            ),
            (
                "mo_documents_open",
                gauge,
                "Documents open on some connection (in memory or not).",
                readings.documents_open as f64,
            ),
            (
                "mo_documents_loaded",
                gauge,
                "Documents loaded in memory (idle ones leave it).",
                readings.documents_loaded as f64,
            ),
            ("mo_devices", gauge, "Registered devices, revoked ones not counted.", readings.devices as f64),
            (
                "mo_sync_messages_received_total",
                counter,
                "Sync protocol messages received.",
                read(&self.messages_received),
            ),
            ("mo_sync_messages_sent_total", counter, "Sync protocol messages sent.", read(&self.messages_sent)),
            (
                "mo_changes_stored_total",
                counter,
                "Document changes written to the store.",
                readings.changes_stored as f64,
            ),
            ("mo_storage_errors_total", counter, "Store reads or writes that failed.", read(&self.storage_errors)),
            (
                "mo_chunks_set_aside_total",
                counter,
                "Damaged stored chunks found and set aside (again at each load until a compaction drops them).",
                readings.chunks_set_aside as f64,
            ),
            (
                "mo_changes_refused_total",
                counter,
                "Sync messages with changes from devices that may not write the document.",
                read(&self.changes_refused),
            ),
            (
                "mo_messages_refused_total",
                counter,
                "Messages refused for a limit (inflated size, bytes per second, ephemeral).",
                read(&self.messages_refused),
            ),
            ("mo_panics_total", counter, "Panics in the server's tasks (each one is a bug).", read(&PANICS)),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in metrics {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_help_type_and_one_value() {
        let metrics = Metrics::default();
        count(&metrics.storage_errors);
        count(&metrics.storage_errors);
        let text = metrics.render(Readings {
            connections_open: 3,
            documents_open: 5,
            documents_loaded: 2,
            devices: 7,
            changes_stored: 11,
            chunks_set_aside: 0,
        });
        assert!(text.contains("\nmo_storage_errors_total 2\n"), "{text}");
        assert!(text.contains("\nmo_changes_stored_total 11\n"), "{text}");
        assert!(text.contains("\nmo_connections_open 3\n"));
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(samples.len(), types, "one sample per declared metric");
        for sample in samples {
            let (name, value) = sample.split_once(' ').unwrap();
            assert!(name.starts_with("mo_") && value.parse::<f64>().is_ok(), "{sample}");
        }
    }
}
