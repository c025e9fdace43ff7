//! Hand-written declarations of the parts of `include/llamaswift.h` this example uses.
//! Layouts mirror the C structs field for field (`#[repr(C)]`); a test checks sizes.
#![allow(non_camel_case_types)]
use std::os::raw::{c_char, c_void};

pub type llamaswift_status = u32;
pub const LLAMASWIFT_OK: llamaswift_status = 0;
pub const LLAMASWIFT_ERR_BUFFER_TOO_SMALL: llamaswift_status = 5;

#[repr(C)]
pub struct llamaswift_model { _private: [u8; 0] }
#[repr(C)]
pub struct llamaswift_session { _private: [u8; 0] }
#[repr(C)]
pub struct llamaswift_sampler { _private: [u8; 0] }

#[repr(C)]
#[derive(Default)]
pub struct llamaswift_sampler_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub frequency_penalty: f32,
    pub presence_penalty: f32,
    pub penalty_last_n: i32,
    pub seed: u64,
    pub temperature_order: u32, // llamaswift_temperature_order; 0 = llama.cpp's (temperature last)
}

#[repr(C)]
#[derive(Default)]
pub struct llamaswift_generate_result {
    pub struct_size: u32,
    pub stop_reason: u32,
    pub n_prompt_tokens: u32,
    pub n_prompt_evaluated: u32,
    pub n_generated: u32,
    pub prefill_seconds: f64,
    pub decode_seconds: f64,
    pub prefill_tokens_per_second: f64,
    pub decode_tokens_per_second: f64,
}

#[repr(C)]
pub struct llamaswift_chat_message {
    pub role: *const c_char,
    pub content: *const c_char,
}

pub type llamaswift_piece_callback = Option<unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> bool>;

extern "C" {
    pub fn llamaswift_last_error() -> *const c_char;
    pub fn llamaswift_model_load(path: *const c_char, params: *const c_void, out: *mut *mut llamaswift_model) -> llamaswift_status;
    pub fn llamaswift_model_free(m: *mut llamaswift_model);
    pub fn llamaswift_session_create(m: *mut llamaswift_model, params: *const c_void, out: *mut *mut llamaswift_session) -> llamaswift_status;
    pub fn llamaswift_session_free(s: *mut llamaswift_session);
    pub fn llamaswift_sampler_params_init(p: *mut llamaswift_sampler_params, size: usize) -> llamaswift_status;
    pub fn llamaswift_sampler_create(p: *const llamaswift_sampler_params, out: *mut *mut llamaswift_sampler) -> llamaswift_status;
    pub fn llamaswift_sampler_free(s: *mut llamaswift_sampler);
    pub fn llamaswift_chat_format(
        m: *const llamaswift_model, template_name: *const c_char, msgs: *const llamaswift_chat_message, n: usize,
        add_assistant: bool, buf: *mut c_char, cap: usize, len: *mut usize,
    ) -> llamaswift_status;
    pub fn llamaswift_generate(
        s: *mut llamaswift_session, smp: *mut llamaswift_sampler, prompt: *const c_char, len: usize,
        params: *const c_void, cb: llamaswift_piece_callback, user: *mut c_void,
        result: *mut llamaswift_generate_result,
    ) -> llamaswift_status;
}

#[cfg(test)]
mod layout {
    use super::*;
    #[test]
    fn struct_sizes_match_the_header() {
        // Sizes of the C structs on x86-64/aarch64 Linux (the header's layout).
        assert_eq!(std::mem::size_of::<llamaswift_sampler_params>(), 56);
        assert_eq!(std::mem::size_of::<llamaswift_generate_result>(), 56);
        assert_eq!(std::mem::size_of::<llamaswift_chat_message>(), 16);
    }
}
