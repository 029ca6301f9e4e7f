//! The memory allocator's settings for a long-running server.
//!
//! Why: glibc's malloc raises its mmap threshold each time a large block is
//! freed (up to 32 MiB), so a server that now and then builds a large
//! transient buffer (a big export, a long page of the log) ends up serving
//! later large blocks from its heaps, where fragmentation keeps them
//! resident. A 30-minute soak showed the resident memory creeping up with
//! the log's size; with the threshold fixed at its initial 128 KiB, large
//! blocks always go back to the system when freed and memory stayed flat
//! (BENCHMARKS.md, "Soak"). One `mallopt` call does that; a different
//! allocator crate would too, but costs a C build for the same effect.

/// Fix glibc's mmap threshold (no-op on other C libraries).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// 128 KiB: glibc's own starting value, kept from now on.
        const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: mallopt only changes malloc's tuning parameters and takes
        // malloc's own locks, so it is sound with other threads running.
        let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        if ok != 1 {
            tracing::warn!("could not fix the allocator's mmap threshold");
        }
    }
}
