//! The allocator setting that keeps the service's memory bounded under a sign-in flood.
//!
//! Each console sign-in hashes its password with argon2, which takes a ~19 MiB block. glibc
//! serves blocks that large with `mmap` and gives them back on `free` — until the first such
//! block is freed: then it raises its mmap threshold to that size (its "dynamic threshold"), and
//! every later 19 MiB block comes from a malloc arena, which keeps it after `free`. With the
//! blocking pool's many threads (an arena each), 400 sign-ins in two floods raised the service's
//! RSS from 50 MiB to 292 MiB and left it there, although at most two hashes ever ran at once.
//! A fixed threshold (glibc's default, 128 KiB) turns the dynamic one off: large blocks are
//! mmapped and returned when freed (measured with `examples/sign_in_flood.rs`: 84 MiB at the
//! peak, 46 MiB after).

/// glibc's default mmap threshold, made fixed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Sets a fixed mmap threshold (glibc only; other allocators return large blocks already).
/// Called first in `main`, before any thread starts.
pub fn give_large_blocks_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator parameter; it is called before any other thread
    // exists, and it fails harmlessly (returns 0) if the value were refused.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
