//! A sink backend that accepts OTLP and discards it (Rotel's blackhole exporter).

use std::process::Child;
use std::time::{Duration, Instant};

use crate::support::collector::{listening, spawn_rotel};
use crate::support::ports::{self, Reserved};

pub struct Sink {
    pub grpc_port: u16,
    pub http_port: u16,
    child: Child,
    dir: tempfile::TempDir,
    /// Held until the child is gone (fields drop after `Drop::drop` killed it).
    _ports: Vec<Reserved>,
}

impl Sink {
    pub fn start() -> Sink {
        ports::spawn_with_ports("sink", 2, |ports| {
            let dir = tempfile::tempdir().expect("tempdir");
            let (grpc_port, http_port) = (ports[0].port(), ports[1].port());
            let child = spawn_rotel(
                &dir.path().join("sink.log"),
                grpc_port,
                http_port,
                &[
                    "--exporter",
                    "blackhole",
                    "--otlp-grpc-max-recv-msg-size-mib",
                    "64",
                ],
            );
            let mut sink = Sink {
                grpc_port,
                http_port,
                child,
                dir,
                _ports: ports,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while !listening(grpc_port) {
                if let Some(status) = sink.child.try_wait().expect("sink status") {
                    return Err(format!("sink exited at start ({status}):\n{}", sink.log()));
                }
                if Instant::now() > deadline {
                    return Err(format!("sink not listening after 30 s:\n{}", sink.log()));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(sink)
        })
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
