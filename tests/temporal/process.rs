//! Child processes that die with the test: killed on drop, and by the kernel if the test
//! process dies first.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

pub struct Process {
    pub name: String,
    pub child: Child,
    stderr_lines: Mutex<mpsc::Receiver<String>>,
    /// Stdout, read to the end by a thread so a chatty child never blocks on a full pipe.
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Process {
    /// Spawns `command` with piped stdio; stderr lines are collected for [`Process::wait_for`].
    pub fn spawn(name: &str, mut command: Command) -> Result<Process, String> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe. It asks the kernel to kill the child when the
        // spawning thread exits, so no server outlives a crashed test; every caller waits for
        // or kills its child before its thread ends.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        forward(stderr, tx);
        let mut stdout = child.stdout.take().expect("piped stdout");
        let stdout = std::thread::spawn(move || {
            let mut out = String::new();
            let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
            out
        });
        Ok(Process {
            name: name.to_owned(),
            child,
            stderr_lines: Mutex::new(rx),
            stdout: Some(stdout),
        })
    }

    /// Waits until a stderr line contains `needle`; the stderr seen so far on failure.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines().recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Ok(()),
                Ok(line) => seen.push(line),
                Err(_) => {
                    return Err(format!(
                        "{} did not print {needle:?} within {timeout:?}; stderr:\n{}",
                        self.name,
                        seen.join("\n")
                    ));
                }
            }
        }
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, mpsc::Receiver<String>> {
        self.stderr_lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remaining stderr lines (for failure messages).
    pub fn stderr(&self) -> String {
        self.lines().try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; then stdout.
    pub fn terminate(self, timeout: Duration) -> Result<String, String> {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        self.finish(timeout)
    }

    /// Closes stdin and waits up to `timeout` for the exit; then stdout.
    pub fn close_stdin(mut self, timeout: Duration) -> Result<String, String> {
        drop(self.child.stdin.take());
        self.finish(timeout)
    }

    /// Waits up to `timeout` for the exit; stdout, or an error with stderr.
    pub fn finish(mut self, timeout: Duration) -> Result<String, String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    let out = self
                        .stdout
                        .take()
                        .and_then(|reader| reader.join().ok())
                        .unwrap_or_default();
                    return if status.success() {
                        Ok(out)
                    } else {
                        Err(format!(
                            "{} exited with {status}; stderr:\n{}",
                            self.name,
                            self.stderr()
                        ))
                    };
                }
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    return Err(format!(
                        "{} did not exit within {timeout:?}; stderr:\n{}",
                        self.name,
                        self.stderr()
                    ));
                }
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(stderr: ChildStderr, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}
