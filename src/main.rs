//! The `private-gke` command: KRM function mode (stdin -> stdout) and package mode.
#![forbid(unsafe_code)]

fn main() {
    eprintln!("private-gke: not built yet");
    std::process::exit(1);
}
