//! A TCP proxy in front of the local API server that can go down for a
//! while (no connection is taken, connection refused, and the ones open
//! are cut) or answer slowly (each chunk from the server held back). TLS
//! passes through untouched, so ramp talks to the real server through it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Faulty {
    pub address: String,
    upstream: String,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    /// Milliseconds each chunk from the server waits before it is passed on.
    latency: Arc<AtomicU64>,
    /// How many chunks were held back so far.
    held_back: Arc<AtomicU64>,
}

impl Faulty {
    /// A proxy to the plane's API server, up.
    pub fn start() -> Faulty {
        let original = std::fs::read_to_string(super::kubeconfig()).unwrap();
        let upstream = original
            .lines()
            .find_map(|l| l.trim().strip_prefix("server: https://"))
            .expect("the plane's kubeconfig names its server")
            .to_string();
        // Below the kernel's ephemeral range, where no outgoing connection
        // can take the port while the proxy is down and its listener gone.
        // Each proxy of this process on a port of its own: one that is
        // down has no listener, and its port must not go to another.
        static TAKEN: AtomicU64 = AtomicU64::new(0);
        let first = 27_100
            + (std::process::id() % 500) as u16
            + 10 * TAKEN.fetch_add(1, Ordering::SeqCst) as u16;
        let listener = (first..first + 10)
            .find_map(|port| TcpListener::bind(("127.0.0.1", port)).ok())
            .expect("a free port for the proxy below 28000");
        let address = listener.local_addr().unwrap().to_string();
        let faulty = Faulty {
            address,
            upstream,
            down: Arc::default(),
            open: Arc::default(),
            latency: Arc::default(),
            held_back: Arc::default(),
        };
        faulty.serve(listener);
        faulty
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, down, open) = (self.upstream.clone(), self.down.clone(), self.open.clone());
        let slow = (self.latency.clone(), self.held_back.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if down.load(Ordering::SeqCst) {
                    // Closed while down: the listener goes (below).
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut open = open.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    None,
                );
                pipe(server, client, Some(slow.clone()));
            }
        });
    }

    /// Down for `how_long`: open connections cut, new ones refused; then
    /// up again on the same address.
    pub fn down_for(&self, how_long: Duration) {
        self.down.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // The listener's thread ends at its next connection: make one.
        let _ = TcpStream::connect(&self.address);
        std::thread::sleep(Duration::from_millis(50));
        let (address, down) = (self.address.clone(), self.down.clone());
        let this = Faulty {
            address: self.address.clone(),
            upstream: self.upstream.clone(),
            down: self.down.clone(),
            open: self.open.clone(),
            latency: self.latency.clone(),
            held_back: self.held_back.clone(),
        };
        std::thread::spawn(move || {
            std::thread::sleep(how_long);
            let listener = TcpListener::bind(&address).expect("the proxy's address is free again");
            down.store(false, Ordering::SeqCst);
            this.serve(listener);
        });
    }

    /// Every answer of the server held back `by` from now on (each chunk
    /// read from it waits that long before it is passed on).
    pub fn slow(&self, by: Duration) {
        self.latency.store(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Whether it is down now.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// How many chunks of the server's answers were held back so far.
    pub fn held_back(&self) -> u64 {
        self.held_back.load(Ordering::SeqCst)
    }

    /// A kubeconfig like the plane's whose server is this proxy.
    pub fn kubeconfig(&self) -> PathBuf {
        let original = std::fs::read_to_string(super::kubeconfig()).unwrap();
        let path = std::env::temp_dir().join(format!(
            "ramp-faulty-{}-{}.kubeconfig",
            std::process::id(),
            self.address.replace([':', '.'], "-")
        ));
        std::fs::write(&path, original.replace(&self.upstream, &self.address)).unwrap();
        path
    }
}

/// Copies one direction of a connection until either side closes, each
/// chunk held back by the latency when there is one.
fn pipe(mut from: TcpStream, mut to: TcpStream, slow: Option<(Arc<AtomicU64>, Arc<AtomicU64>)>) {
    std::thread::spawn(move || {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Some((latency, held_back)) = &slow {
                        let ms = latency.load(Ordering::SeqCst);
                        if ms > 0 {
                            std::thread::sleep(Duration::from_millis(ms));
                            held_back.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}
