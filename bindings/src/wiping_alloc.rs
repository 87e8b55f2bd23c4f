//! The library's global allocator: the system allocator, with every block zeroed when it is
//! freed or moved by a reallocation.
//!
//! Why: what crosses the FFI boundary travels in uniffi `RustBuffer`s — the vault key on its
//! way to and from the platform protector, passphrases and URIs from the app, exports on
//! their way out — and neither uniffi's generated code nor the Kotlin/Swift side wipes them
//! before `rustbuffer_free`; the `Vec` uniffi serialises an argument from is dropped unwiped
//! too. Zeroing every freed block removes those copies (and any temporary a dependency
//! forgets) for the price of a `memset` per free. `memory_tests.rs` scans the process for
//! them after lock.
//!
//! What it does not reach: memory never freed while the vault is locked (that is what the
//! zeroize-on-drop types are for), memory allocated outside Rust (SQLite's page cache holds
//! sealed rows only; the JVM's and Swift's heaps are the apps' to wipe), and registers.

use std::alloc::{GlobalAlloc, Layout, System};

/// [`System`], zeroing each block before it is given back.
pub struct WipingAllocator;

// SAFETY: every method forwards to `System` with the layout it was given; `dealloc` and
// `realloc` only write to the block they free, which is still theirs until `System` frees it.
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes from this allocator.
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Always a new block, so the old one is wiped: `System.realloc` may move the
        // content and free the old block as it is.
        // SAFETY: the caller guarantees `new_size` fits `layout.align()` (GlobalAlloc's
        // contract); both blocks are live for the copy, which takes the smaller size.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = System.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

/// Zeroes `len` bytes at `ptr` so that the stores survive optimisation although the block
/// is freed right after (a compiler may drop stores to memory it knows is about to be freed).
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller's guarantee.
    unsafe { std::ptr::write_bytes(ptr, 0, len) };
    keep_stores(ptr);
}

/// An empty `asm!` that takes the pointer: without `nomem`, the compiler must assume it
/// reads the memory behind it, so the zeroing stores before it are kept (and are as fast as
/// `memset`, unlike byte-wise volatile writes — Argon2 frees 19–64 MiB per unlock).
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "x86",
    target_arch = "arm"
))]
fn keep_stores(ptr: *mut u8) {
    // SAFETY: the template is empty: it executes nothing and touches no register or memory.
    unsafe { std::arch::asm!("/* {0} */", in(reg) ptr, options(nostack, preserves_flags)) };
}

/// Elsewhere, an opaque use of the pointer and a fence: best effort, but the phones'
/// architectures are the ones above.
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "x86",
    target_arch = "arm"
)))]
fn keep_stores(ptr: *mut u8) {
    std::hint::black_box(ptr);
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}
