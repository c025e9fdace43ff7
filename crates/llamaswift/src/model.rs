//! Models: load, describe, tokenize, detokenize.
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use llamaswift_sys as sys;

use crate::error::{c_string, check, Error, Result, Status};

/// A token id of the model's vocabulary.
pub type Token = i32;

/// How to load a model (`llamaswift_model_params`). A progress callback is given to
/// [`Model::load_with_progress`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelParams {
    /// Load only the tokenizer: no weights are checked or used, no sessions can be made.
    pub vocab_only: bool,
    /// Lock the weights in RAM (`mlock`) until the model is dropped. Needs
    /// RLIMIT_MEMLOCK ≥ the model's size or CAP_IPC_LOCK, else the load fails with
    /// `OutOfMemory`.
    pub use_mlock: bool,
}

impl ModelParams {
    /// Parameters that load only the vocabulary.
    pub fn vocab_only() -> ModelParams {
        ModelParams { vocab_only: true, ..ModelParams::default() }
    }
}

/// The state a load's progress trampoline reaches through its user-data pointer.
struct ProgressState<'a> {
    f: &'a mut dyn FnMut(f32) -> bool,
    panic: Option<Box<dyn std::any::Any + Send + 'static>>,
}

unsafe extern "C" fn progress_trampoline(progress: f32, user: *mut std::os::raw::c_void) -> bool {
    // Safety: `user` is the &mut ProgressState that load_with_progress passes, alive
    // for the whole load, on this thread only.
    let state = unsafe { &mut *(user as *mut ProgressState<'_>) };
    if state.panic.is_some() {
        return false;
    }
    // A panic may not unwind through the library's frames: stop the load, resume it after.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (state.f)(progress))) {
        Ok(go_on) => go_on,
        Err(payload) => {
            state.panic = Some(payload);
            false
        }
    }
}

/// RoPE frequency scaling (`llamaswift_rope_scaling`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RopeScaling {
    /// As the model says (sessions only).
    #[default]
    FromModel,
    None,
    /// Positions divided by the factor.
    Linear,
    /// Hugging Face's dynamic NTK.
    Dynamic,
    /// A value this crate does not know.
    Other(u32),
}

impl RopeScaling {
    pub(crate) fn from_raw(v: u32) -> RopeScaling {
        match v {
            sys::LLAMASWIFT_ROPE_SCALING_FROM_MODEL => RopeScaling::FromModel,
            sys::LLAMASWIFT_ROPE_SCALING_NONE => RopeScaling::None,
            sys::LLAMASWIFT_ROPE_SCALING_LINEAR => RopeScaling::Linear,
            sys::LLAMASWIFT_ROPE_SCALING_DYNAMIC => RopeScaling::Dynamic,
            other => RopeScaling::Other(other),
        }
    }

    pub(crate) fn raw(self) -> u32 {
        match self {
            RopeScaling::FromModel => sys::LLAMASWIFT_ROPE_SCALING_FROM_MODEL,
            RopeScaling::None => sys::LLAMASWIFT_ROPE_SCALING_NONE,
            RopeScaling::Linear => sys::LLAMASWIFT_ROPE_SCALING_LINEAR,
            RopeScaling::Dynamic => sys::LLAMASWIFT_ROPE_SCALING_DYNAMIC,
            RopeScaling::Other(v) => v,
        }
    }
}

/// What a model is (`llamaswift_model_info`). For a vocab-only model only `n_vocab`
/// and `vocab_only` are meaningful.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelInfo {
    pub n_vocab: u32,
    pub n_ctx_train: u32,
    pub n_embd: u32,
    pub n_layer: u32,
    pub n_head: u32,
    pub n_head_kv: u32,
    pub n_ff: u32,
    pub n_rot: u32,
    pub rope_freq_base: f32,
    pub rope_scaling: RopeScaling,
    pub rope_scaling_factor: f32,
    pub rope_original_ctx: u32,
    pub rms_norm_eps: f32,
    /// `general.file_type` (llama.cpp's ftype), `None` if absent.
    pub file_type: Option<u32>,
    pub n_params: u64,
    pub size_bytes: u64,
    pub vocab_only: bool,
}

/// A loaded GGUF model (`llamaswift_model`): immutable, shared by sessions.
///
/// `Send` and `Sync`: the header allows using a model from any number of threads at
/// once; share one with `Arc<Model>` or by reference (e.g. `std::thread::scope`).
/// Sessions hold their own reference, so a model may be dropped before its sessions.
#[derive(Debug)]
pub struct Model {
    raw: NonNull<sys::llamaswift_model>,
}

// Safety: the header: "The model handle may be used from any number of threads at once";
// it is immutable after load. Only Drop frees it, which needs ownership.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    /// Loads a GGUF file with default parameters.
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        Model::load_with(path, &ModelParams::default())
    }

    /// Loads a GGUF file (memory-mapped; every offset and size is checked).
    /// Errors: `Io`, `Format`, `Unsupported` (naming what), `OutOfMemory`.
    pub fn load_with(path: impl AsRef<Path>, params: &ModelParams) -> Result<Model> {
        let path = path.as_ref();
        let text = path
            .to_str()
            .ok_or_else(|| Error::new(Status::InvalidArgument, format!("path is not UTF-8: {}", path.display())))?;
        let c_path = c_string("path", text)?;
        let mut p = sys::llamaswift_model_default_params();
        p.vocab_only = params.vocab_only;
        p.use_mlock = params.use_mlock;
        let mut out = ptr::null_mut();
        // Safety: valid NUL-terminated path, params and out-pointer for the call.
        check(unsafe { sys::llamaswift_model_load(c_path.as_ptr(), &p, &mut out) })?;
        let raw = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "model_load returned OK and NULL"))?;
        Ok(Model { raw })
    }

    /// Loads a GGUF file, calling `progress` on this thread with the fraction done (0
    /// first, 1 last when it succeeds, increasing). Returning false cancels the load:
    /// the error is then `Cancelled`. A panic in `progress` cancels the load and is
    /// resumed here.
    pub fn load_with_progress(
        path: impl AsRef<Path>,
        params: &ModelParams,
        mut progress: impl FnMut(f32) -> bool,
    ) -> Result<Model> {
        let path = path.as_ref();
        let text = path
            .to_str()
            .ok_or_else(|| Error::new(Status::InvalidArgument, format!("path is not UTF-8: {}", path.display())))?;
        let c_path = c_string("path", text)?;
        let mut state = ProgressState { f: &mut progress, panic: None };
        let mut p = sys::llamaswift_model_default_params();
        p.vocab_only = params.vocab_only;
        p.use_mlock = params.use_mlock;
        p.progress_callback = Some(progress_trampoline);
        p.progress_callback_user_data = &mut state as *mut ProgressState<'_> as *mut std::os::raw::c_void;
        let mut out = ptr::null_mut();
        // Safety: valid path, params and out-pointer; the callback's state outlives the call.
        let st = unsafe { sys::llamaswift_model_load(c_path.as_ptr(), &p, &mut out) };
        if let Some(payload) = state.panic.take() {
            if !out.is_null() {
                // Safety: a model the library returned; freed once.
                unsafe { sys::llamaswift_model_free(out) };
            }
            std::panic::resume_unwind(payload);
        }
        check(st)?;
        let raw = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "model_load returned OK and NULL"))?;
        Ok(Model { raw })
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::llamaswift_model {
        self.raw.as_ptr()
    }

    /// The raw handle, for calls through `llamaswift-sys`. It stays owned by `self`.
    pub fn as_raw(&self) -> *mut sys::llamaswift_model {
        self.raw.as_ptr()
    }

    /// What the model is.
    pub fn info(&self) -> ModelInfo {
        // Safety: all-zero is a valid value of this plain C struct.
        let mut i: sys::llamaswift_model_info = unsafe { std::mem::zeroed() };
        i.struct_size = std::mem::size_of::<sys::llamaswift_model_info>() as u32;
        // Safety: a live model handle and a writable struct of struct_size bytes. Cannot
        // fail for a valid handle.
        let st = unsafe { sys::llamaswift_model_get_info(self.as_ptr(), &mut i) };
        debug_assert_eq!(st, sys::LLAMASWIFT_OK);
        ModelInfo {
            n_vocab: i.n_vocab,
            n_ctx_train: i.n_ctx_train,
            n_embd: i.n_embd,
            n_layer: i.n_layer,
            n_head: i.n_head,
            n_head_kv: i.n_head_kv,
            n_ff: i.n_ff,
            n_rot: i.n_rot,
            rope_freq_base: i.rope_freq_base,
            rope_scaling: RopeScaling::from_raw(i.rope_scaling_type),
            rope_scaling_factor: i.rope_scaling_factor,
            rope_original_ctx: i.rope_original_ctx,
            rms_norm_eps: i.rms_norm_eps,
            file_type: (i.file_type != u32::MAX).then_some(i.file_type),
            n_params: i.n_params,
            size_bytes: i.size_bytes,
            vocab_only: i.vocab_only,
        }
    }

    /// A metadata value as text (numbers in decimal, strings as they are — bytes that are
    /// not UTF-8 become U+FFFD —, arrays summarised). `Ok(None)` when the key is absent.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let c_key = c_string("key", key)?;
        let res = fill_text(|buf, cap, len| {
            // Safety: live handle, NUL-terminated key, buffer of cap bytes (or NULL, 0).
            unsafe { sys::llamaswift_model_meta_string(self.as_ptr(), c_key.as_ptr(), buf, cap, len) }
        });
        match res {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            // The header reports an absent key as INVALID_ARGUMENT; every other argument
            // is valid here, so that is the only cause.
            Err(e) if e.status() == Status::InvalidArgument => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Tokenizes `text` as llama.cpp does. `add_special` adds BOS/EOS as the model's
    /// metadata asks; `parse_special` turns control-token texts (`<|im_start|>`) into
    /// their tokens.
    pub fn tokenize(&self, text: impl AsRef<[u8]>, add_special: bool, parse_special: bool) -> Result<Vec<Token>> {
        let text = text.as_ref();
        let mut flags = 0;
        if add_special {
            flags |= sys::LLAMASWIFT_TOKENIZE_ADD_SPECIAL;
        }
        if parse_special {
            flags |= sys::LLAMASWIFT_TOKENIZE_PARSE_SPECIAL;
        }
        let mut n = 0usize;
        // Safety: text is valid for len bytes; a size query with NULL tokens and cap 0.
        let call = |tokens: *mut Token, cap: usize, n: &mut usize| unsafe {
            sys::llamaswift_tokenize(self.as_ptr(), text.as_ptr() as *const c_char, text.len(), flags, tokens, cap, n)
        };
        let st = call(ptr::null_mut(), 0, &mut n);
        if st != sys::LLAMASWIFT_ERR_BUFFER_TOO_SMALL {
            check(st)?;
            return Ok(Vec::new());
        }
        let mut tokens = vec![0; n];
        check(call(tokens.as_mut_ptr(), tokens.len(), &mut n))?;
        tokens.truncate(n);
        Ok(tokens)
    }

    /// The bytes of one token (control tokens render their text). May be part of a
    /// UTF-8 character: see [`TextDecoder`](crate::TextDecoder).
    pub fn token_to_piece(&self, token: Token) -> Result<Vec<u8>> {
        fill_text(|buf, cap, len| {
            // Safety: live handle; buffer of cap bytes (or NULL with cap 0).
            unsafe { sys::llamaswift_token_to_piece(self.as_ptr(), token, buf, cap, len) }
        })
    }

    /// The text of `tokens` as llama.cpp's `llama_detokenize` (with the space clean-up
    /// the vocabulary asks for). Bytes that form no UTF-8 character become U+FFFD.
    pub fn detokenize(&self, tokens: &[Token]) -> Result<String> {
        let bytes = fill_text(|buf, cap, len| {
            // Safety: tokens valid for n; buffer of cap bytes.
            unsafe { sys::llamaswift_detokenize(self.as_ptr(), tokens.as_ptr(), tokens.len(), buf, cap, len) }
        })?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// As [`detokenize`](Self::detokenize), choosing the space clean-up: with `false`,
    /// detokenizing a tokenization gives the text back.
    pub fn detokenize_with(&self, tokens: &[Token], clean_spaces: bool) -> Result<String> {
        let flags = if clean_spaces { sys::LLAMASWIFT_DETOKENIZE_CLEAN_SPACES } else { 0 };
        let bytes = fill_text(|buf, cap, len| {
            // Safety: as in detokenize.
            unsafe { sys::llamaswift_detokenize_ex(self.as_ptr(), tokens.as_ptr(), tokens.len(), flags, buf, cap, len) }
        })?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The beginning-of-sequence token, if the file names one.
    pub fn token_bos(&self) -> Option<Token> {
        // Safety: live handle; no other effect.
        let t = unsafe { sys::llamaswift_token_bos(self.as_ptr()) };
        (t >= 0).then_some(t)
    }

    /// The end-of-sequence token, if the file names one.
    pub fn token_eos(&self) -> Option<Token> {
        // Safety: as token_bos.
        let t = unsafe { sys::llamaswift_token_eos(self.as_ptr()) };
        (t >= 0).then_some(t)
    }

    /// The end-of-turn token, if the file names one (or one llama.cpp recognises).
    pub fn token_eot(&self) -> Option<Token> {
        // Safety: as token_bos.
        let t = unsafe { sys::llamaswift_token_eot(self.as_ptr()) };
        (t >= 0).then_some(t)
    }

    /// True if generation should stop at `token` (EOS, EOT, end-of-turn tokens).
    pub fn is_end_of_generation(&self, token: Token) -> bool {
        // Safety: live handle; any token value is accepted.
        unsafe { sys::llamaswift_token_is_end_of_generation(self.as_ptr(), token) }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // Safety: we own this reference and nobody else can use it now; sessions hold
        // their own.
        unsafe { sys::llamaswift_model_free(self.raw.as_ptr()) }
    }
}

/// Size-then-fill for text outputs: the length first (BUFFER_TOO_SMALL), then a buffer of
/// length + 1 (the NUL). Returns the bytes without the NUL.
pub(crate) fn fill_text(
    mut call: impl FnMut(*mut c_char, usize, &mut usize) -> sys::llamaswift_status,
) -> Result<Vec<u8>> {
    let mut len = 0usize;
    let st = call(ptr::null_mut(), 0, &mut len);
    if st != sys::LLAMASWIFT_ERR_BUFFER_TOO_SMALL {
        check(st)?;
        return Ok(Vec::new());
    }
    let mut buf = vec![0u8; len + 1];
    check(call(buf.as_mut_ptr() as *mut c_char, buf.len(), &mut len))?;
    buf.truncate(len);
    Ok(buf)
}
