//! Raw bindings to `libllamaswift`, the C library of the llamaswift inference engine:
//! every function, struct, enum and constant of `include/llamaswift.h`.
//!
//! `src/bindings.rs` is generated from the header by `generate-bindings.sh` (Debian's
//! `bindgen`) and committed; `tests/header.rs` fails when the header declares anything
//! this crate lacks. The header is the documentation: ownership, threads and every
//! status of each function are described there. C enums are `u32` type aliases with one
//! constant per value (the library may append values). The header's `static inline`
//! helpers and `LLAMASWIFT_SEED_RANDOM` (which bindgen cannot evaluate) are written
//! below by hand.
//!
//! For a safe API, use the `llamaswift` crate.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]
#![allow(clippy::missing_safety_doc)]

#[rustfmt::skip]
mod bindings;
pub use bindings::*;

/// `LLAMASWIFT_SEED_RANDOM` (`UINT64_MAX`): seed the sampler from the clock.
pub const LLAMASWIFT_SEED_RANDOM: u64 = u64::MAX;

/// The header's `llamaswift_model_default_params()`: defaults for this header's struct.
pub fn llamaswift_model_default_params() -> llamaswift_model_params {
    let mut p = std::mem::MaybeUninit::<llamaswift_model_params>::zeroed();
    // Safety: p is writable for size_of bytes; the library writes at most that many.
    unsafe {
        llamaswift_model_params_init(p.as_mut_ptr(), std::mem::size_of::<llamaswift_model_params>());
        p.assume_init()
    }
}

/// The header's `llamaswift_session_default_params()`.
pub fn llamaswift_session_default_params() -> llamaswift_session_params {
    let mut p = std::mem::MaybeUninit::<llamaswift_session_params>::zeroed();
    // Safety: as in llamaswift_model_default_params.
    unsafe {
        llamaswift_session_params_init(p.as_mut_ptr(), std::mem::size_of::<llamaswift_session_params>());
        p.assume_init()
    }
}

/// The header's `llamaswift_sampler_default_params()`.
pub fn llamaswift_sampler_default_params() -> llamaswift_sampler_params {
    let mut p = std::mem::MaybeUninit::<llamaswift_sampler_params>::zeroed();
    // Safety: as in llamaswift_model_default_params.
    unsafe {
        llamaswift_sampler_params_init(p.as_mut_ptr(), std::mem::size_of::<llamaswift_sampler_params>());
        p.assume_init()
    }
}

/// The header's `llamaswift_batch_default_params()`.
pub fn llamaswift_batch_default_params() -> llamaswift_batch_params {
    let mut p = std::mem::MaybeUninit::<llamaswift_batch_params>::zeroed();
    // Safety: as in llamaswift_model_default_params (two integers, any bits valid).
    unsafe {
        llamaswift_batch_params_init(p.as_mut_ptr(), std::mem::size_of::<llamaswift_batch_params>());
        p.assume_init()
    }
}

/// The header's `llamaswift_generate_default_params()`.
pub fn llamaswift_generate_default_params() -> llamaswift_generate_params {
    let mut p = std::mem::MaybeUninit::<llamaswift_generate_params>::zeroed();
    // Safety: as in llamaswift_model_default_params. The stop_strings pointer is NULL.
    unsafe {
        llamaswift_generate_params_init(p.as_mut_ptr(), std::mem::size_of::<llamaswift_generate_params>());
        p.assume_init()
    }
}
