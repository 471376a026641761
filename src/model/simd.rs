//! Runtime choice between the vector (AVX2) and scalar (baseline x86-64)
//! builds of the hot loops, with identical results.
//!
//! A hot loop is written once, as an `#[inline(always)]` body, and compiled
//! twice: as is (the baseline target, SSE2), and inside a function with
//! `#[target_feature(enable = "avx2")]`, where the compiler vectorises it
//! eight f32 lanes wide. Both builds perform the same IEEE operations in the
//! same order: the compiler never reassociates floating-point arithmetic and
//! never contracts a·b + c into an FMA unless the source asks for `mul_add`
//! (which senesim does not), and every reduction is written with explicit
//! lanes (`field::lanes_sum`). So outputs are bit-identical whatever the
//! CPU's vector width; `tests/simd.rs` forces the scalar build and compares
//! every output file byte for byte.
//!
//! `SENESIM_SIMD=scalar` in the environment forces the scalar build (for
//! that test, and to check a node of a mixed cluster).

use std::sync::atomic::{AtomicU8, Ordering};

/// 0: not decided yet; 1: scalar; 2: vector.
static MODE: AtomicU8 = AtomicU8::new(0);

/// Whether the vector builds run: the CPU has AVX2 and `SENESIM_SIMD` is
/// not `scalar`.
#[inline]
pub fn vector() -> bool {
    match MODE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let v = detect();
            MODE.store(if v { 2 } else { 1 }, Ordering::Relaxed);
            v
        }
    }
}

fn detect() -> bool {
    if std::env::var("SENESIM_SIMD").is_ok_and(|v| v.trim() == "scalar") {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// What runs, for the run manifest: "avx2" or "scalar".
pub fn name() -> &'static str {
    if vector() {
        "avx2"
    } else {
        "scalar"
    }
}

/// Defines `$name(args)` that runs `$body` through the vector build when
/// `vector()` says so, else the scalar one.
macro_rules! simd_dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($a: $t),*) $(-> $r)? {
            #[inline(always)]
            fn body($($a: $t),*) $(-> $r)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn wide($($a: $t),*) $(-> $r)? {
                body($($a),*)
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::model::simd::vector() {
                // SAFETY: `vector()` is true only on a CPU with AVX2.
                return unsafe { wide($($a),*) };
            }
            body($($a),*)
        }
    };
}
pub(crate) use simd_dispatch;
