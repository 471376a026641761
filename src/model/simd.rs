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
//! CPU's vector width; `tests/determinism.rs` forces the scalar build and compares
//! every output file byte for byte.
//!
//! Two loops have a third build, for CPUs with AVX-512 (F, DQ and VL): the
//! keyed hashes of the draws (`rng::row_draws`: eight 64-bit multiplies
//! per instruction, which AVX2 lacks; integer arithmetic is exact), and the
//! step of the quiet cells (`rules::quiet`: gathers from the cell records,
//! masks, each lane the scalar IEEE operations in order). They too give
//! the same bits.
//!
//! `SENESIM_SIMD=scalar` in the environment forces the scalar builds (for
//! that test, and to check a node of a mixed cluster); `SENESIM_SIMD=avx2`
//! keeps the AVX2 builds but not the AVX-512 ones.

use std::sync::atomic::{AtomicU8, Ordering};

/// 0: not decided yet; 1: scalar; 2: AVX2; 3: AVX2 and AVX-512.
static MODE: AtomicU8 = AtomicU8::new(0);

#[inline]
fn mode() -> u8 {
    match MODE.load(Ordering::Relaxed) {
        0 => {
            let m = detect();
            MODE.store(m, Ordering::Relaxed);
            m
        }
        m => m,
    }
}

/// Whether the vector builds run: the CPU has AVX2 and `SENESIM_SIMD` is
/// not `scalar`.
#[inline]
pub fn vector() -> bool {
    mode() >= 2
}

/// Whether the AVX-512 builds run: the CPU has AVX-512 F, DQ and VL besides
/// AVX2, and `SENESIM_SIMD` is neither `scalar` nor `avx2`.
#[inline]
pub fn avx512() -> bool {
    mode() == 3
}

fn detect() -> u8 {
    let forced = std::env::var("SENESIM_SIMD").unwrap_or_default();
    let forced = forced.trim();
    if forced == "scalar" {
        return 1;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if !std::arch::is_x86_feature_detected!("avx2") {
            1
        } else if forced != "avx2"
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            3
        } else {
            2
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        1
    }
}

/// What runs, for the run manifest: "avx512" (AVX2 and AVX-512 builds),
/// "avx2" or "scalar".
pub fn name() -> &'static str {
    match mode() {
        3 => "avx512",
        2 => "avx2",
        _ => "scalar",
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
