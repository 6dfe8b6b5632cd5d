//! One real Temporal dev server (`temporal server start-dev`) on loopback for the whole test
//! binary, stopped when the harness drops it.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::process::Process;
use crate::tools::Tools;

pub struct DevServer {
    pub address: String,
    _process: Process,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl DevServer {
    pub fn start(tools: &Tools) -> Result<DevServer, String> {
        let (port, http_port, metrics_port) = (free_port(), free_port(), free_port());
        let mut command = crate::support::clean_command(&tools.temporal);
        command.args(["server", "start-dev", "--headless", "--ip", "127.0.0.1"]);
        command.args(["--port", &port.to_string()]);
        command.args(["--http-port", &http_port.to_string()]);
        command.args(["--metrics-port", &metrics_port.to_string()]);
        command.args(["--log-level", "error"]);
        let process = Process::spawn("temporal dev server", command)?;
        let address = format!("127.0.0.1:{port}");
        // Ready once the frontend answers a namespace lookup.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = crate::support::clean_command(&tools.temporal)
                .args([
                    "operator",
                    "namespace",
                    "describe",
                    "default",
                    "--address",
                    &address,
                ])
                .output()
                .is_ok_and(|o| o.status.success());
            if ready {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the Temporal dev server did not become ready on {address}: {}",
                    process.stderr()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(DevServer {
            address,
            _process: process,
        })
    }
}
