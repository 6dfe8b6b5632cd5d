//! The `ratio` bench (`benches/ratio.rs`, same arguments) with mimalloc as the global allocator
//! instead of glibc's malloc: with a batch processor, what the application thread allocates
//! for a span is freed on the export thread, and glibc makes the application thread's next
//! allocations of blocks above its fast-bin size slower when that happens. Comparing the two
//! benches shows what of a captured result's cost is the allocator's.
//!
//! `cargo bench -p iftracer-macros --bench ratio_mimalloc`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "ratio.rs"]
mod ratio;

fn main() {
    ratio::main();
}
