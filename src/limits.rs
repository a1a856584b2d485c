//! The input size the function takes: larger input is refused with one line before it is read
//! whole, instead of running out of memory (peak memory is up to ~70× the input for many tiny
//! items, ~21× for ContainerCluster-sized ones: README, "Limits").

use crate::krm::InputError;

/// The default limit, in MiB.
pub const DEFAULT_MAX_INPUT_MIB: u64 = 64;

/// The environment variable that sets another limit, in MiB.
pub const MAX_INPUT_ENV: &str = "PRIVATE_GKE_MAX_INPUT_MB";

/// The limit in bytes: `PRIVATE_GKE_MAX_INPUT_MB` when it is a positive number, else the default.
pub fn max_input_bytes() -> u64 {
    std::env::var(MAX_INPUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&mib| mib > 0)
        .unwrap_or(DEFAULT_MAX_INPUT_MIB)
        .saturating_mul(1 << 20)
}

/// An error when `len` bytes of `source` exceed the limit.
pub fn check_input_size(len: u64, source: &str) -> Result<(), InputError> {
    let max = max_input_bytes();
    if len <= max {
        return Ok(());
    }
    Err(InputError::whole(
        source,
        format!(
            "input is more than {} MiB, larger than the {} MiB supported (set {MAX_INPUT_ENV} to raise the limit; peak memory is about 4 to 10 times the input)",
            len >> 20,
            max >> 20
        ),
    ))
}
