//! Sessions: a KV cache, its position and logits; cancellation from other threads.
use std::cell::Cell;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use llamaswift_sys as sys;

use crate::error::{c_string, check, Error, Result, Status};
use crate::model::{Model, RopeScaling, Token};

/// KV cache element type (`llamaswift_kv_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum KvType {
    /// F32 when the model's attention weights are F32, else F16.
    #[default]
    Auto,
    F32,
    F16,
    /// Blocks of 32: an F16 scale and 32 int8 (llama.cpp's `q8_0`; since 0.6).
    Q8_0,
}

impl KvType {
    fn from_raw(v: u32) -> KvType {
        match v {
            sys::LLAMASWIFT_KV_F32 => KvType::F32,
            sys::LLAMASWIFT_KV_F16 => KvType::F16,
            sys::LLAMASWIFT_KV_Q8_0 => KvType::Q8_0,
            _ => KvType::Auto,
        }
    }

    fn raw(self) -> u32 {
        match self {
            KvType::Auto => sys::LLAMASWIFT_KV_AUTO,
            KvType::F32 => sys::LLAMASWIFT_KV_F32,
            KvType::F16 => sys::LLAMASWIFT_KV_F16,
            KvType::Q8_0 => sys::LLAMASWIFT_KV_Q8_0,
        }
    }
}

/// How to create a session (`llamaswift_session_params`); 0 means "the default" as in C.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionParams {
    /// Context length in tokens; 0 = the model's training context, at most 4096.
    pub n_ctx: u32,
    /// Tokens evaluated per forward chunk; 0 = 512.
    pub n_batch: u32,
    /// Worker threads; 0 = the number of CPUs (at most 8).
    pub n_threads: u32,
    /// Keep the logits of every token of a decode call, not just the last.
    pub logits_all: bool,
    /// The K cache's element type (and the V cache's when `kv_type_v` is `Auto`).
    pub kv_type: KvType,
    pub rope_scaling: RopeScaling,
    /// 0 = the model's.
    pub rope_freq_base: f32,
    /// 0 = the model's.
    pub rope_scaling_factor: f32,
    /// 0 = the model's (for dynamic NTK).
    pub rope_original_ctx: u32,
    /// Compute embeddings instead of logits ([`Session::embeddings`]); since 0.5.
    pub embeddings: bool,
    /// With `embeddings`: `llamaswift_pooling_type` (-1 the model's, 0 none, 1 mean,
    /// 2 cls, 3 last; llama.cpp's numbers).
    pub pooling_type: i32,
    /// With `embeddings`: llama.cpp's `--embd-normalize` (-1 none, 0 max-abs int16,
    /// 1 L1, 2 L2, p > 2 p-norm).
    pub embd_normalize: i32,
    /// The V cache's element type; `Auto` = the same as `kv_type` (since 0.6).
    pub kv_type_v: KvType,
}

impl Default for SessionParams {
    /// The library's defaults (`llamaswift_session_params_init`).
    fn default() -> SessionParams {
        let p = sys::llamaswift_session_default_params();
        SessionParams {
            n_ctx: p.n_ctx,
            n_batch: p.n_batch,
            n_threads: p.n_threads,
            logits_all: p.logits_all,
            kv_type: KvType::from_raw(p.kv_type),
            rope_scaling: RopeScaling::from_raw(p.rope_scaling_type),
            rope_freq_base: p.rope_freq_base,
            rope_scaling_factor: p.rope_scaling_factor,
            rope_original_ctx: p.rope_original_ctx,
            embeddings: p.embeddings,
            pooling_type: p.pooling_type,
            embd_normalize: p.embd_normalize,
            kv_type_v: KvType::from_raw(p.kv_type_v),
        }
    }
}

impl SessionParams {
    /// Default parameters with a context of `n_ctx` tokens.
    pub fn with_n_ctx(n_ctx: u32) -> SessionParams {
        SessionParams { n_ctx, ..SessionParams::default() }
    }

    /// Default parameters with `n_threads` worker threads.
    pub fn n_threads(mut self, n_threads: u32) -> SessionParams {
        self.n_threads = n_threads;
        self
    }

    fn raw(&self) -> sys::llamaswift_session_params {
        let mut p = sys::llamaswift_session_default_params();
        p.n_ctx = self.n_ctx;
        p.n_batch = self.n_batch;
        p.n_threads = self.n_threads;
        p.logits_all = self.logits_all;
        p.kv_type = self.kv_type.raw();
        p.kv_type_v = self.kv_type_v.raw();
        p.rope_scaling_type = self.rope_scaling.raw();
        p.rope_freq_base = self.rope_freq_base;
        p.rope_scaling_factor = self.rope_scaling_factor;
        p.rope_original_ctx = self.rope_original_ctx;
        p.embeddings = self.embeddings;
        p.pooling_type = self.pooling_type;
        p.embd_normalize = self.embd_normalize;
        p
    }
}

/// The C session, freed when the session and every [`CancelHandle`] are gone — so a
/// cancel can never race with `llamaswift_session_free`, which the header forbids.
pub(crate) struct Raw(NonNull<sys::llamaswift_session>);

// Safety: the pointer may move between threads (the header ties no session to a thread)
// and be shared: through a shared `Raw`, a CancelHandle calls only
// llamaswift_session_cancel ("safe from any thread"); every other call goes through the
// one `Session`, which is not Sync and takes `&mut self` for what mutates.
unsafe impl Send for Raw {}
unsafe impl Sync for Raw {}

impl Drop for Raw {
    fn drop(&mut self) {
        // Safety: the last reference: no Session, no CancelHandle uses it any more.
        unsafe { sys::llamaswift_session_free(self.0.as_ptr()) }
    }
}

/// A session (`llamaswift_session`): a KV cache of `n_ctx` positions, its tokens and the
/// logits of the last decode, and worker threads.
///
/// `Send` but not `Sync`: the header allows one thread at a time per session. To stop a
/// call from another thread, take a [`CancelHandle`] first.
pub struct Session {
    raw: Arc<Raw>,
    n_vocab: usize,
    n_embd: usize,
    logits_all: bool,
    /// Rows of logits the last decode left (None: unknown, after a state load with
    /// logits_all).
    logits_rows: Option<usize>,
    _not_sync: PhantomData<Cell<()>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("position", &self.position()).finish_non_exhaustive()
    }
}

impl Session {
    /// A session on `model` with default parameters.
    pub fn new(model: &Model) -> Result<Session> {
        Session::with_params(model, &SessionParams::default())
    }

    /// A session on `model`. It keeps the model alive by itself.
    /// Errors: `InvalidArgument` (a vocab-only model, limits), `OutOfMemory`.
    pub fn with_params(model: &Model, params: &SessionParams) -> Result<Session> {
        let p = params.raw();
        let mut out = ptr::null_mut();
        // Safety: live model handle, params and out-pointer valid for the call.
        check(unsafe { sys::llamaswift_session_create(model.as_ptr(), &p, &mut out) })?;
        let raw = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "session_create returned NULL"))?;
        Ok(Session {
            raw: Arc::new(Raw(raw)),
            n_vocab: model.info().n_vocab as usize,
            n_embd: model.info().n_embd as usize,
            logits_all: params.logits_all,
            logits_rows: None,
            _not_sync: PhantomData,
        })
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::llamaswift_session {
        self.raw.0.as_ptr()
    }

    /// The raw handle, for calls through `llamaswift-sys`. It stays owned by `self`.
    pub fn as_raw(&self) -> *mut sys::llamaswift_session {
        self.as_ptr()
    }

    /// A handle that cancels this session's running call from any thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle { raw: Arc::clone(&self.raw) }
    }

    /// Appends `tokens` and evaluates them. All or nothing: on error the session is as
    /// before. Errors: `InvalidArgument` (empty, a token out of range), `ContextFull`
    /// (rewind), `Cancelled`, `OutOfMemory`, `Format` (the weights produce NaN).
    pub fn decode(&mut self, tokens: &[Token]) -> Result<()> {
        // Safety: tokens valid for len; we hold the session exclusively (&mut self).
        check(unsafe { sys::llamaswift_session_decode(self.as_ptr(), tokens.as_ptr(), tokens.len()) })?;
        self.logits_rows = Some(if self.logits_all { tokens.len() } else { 1 });
        Ok(())
    }

    /// The logits of the last decoded token (`n_vocab` floats), or `None` before the
    /// first decode, after a rewind, or after a state load into a `logits_all` session.
    pub fn logits(&self) -> Option<&[f32]> {
        let rows = self.logits_rows?;
        self.all_logits().map(|all| &all[(rows - 1) * self.n_vocab..])
    }

    /// All rows of logits of the last decode: one per token with `logits_all`, else one.
    pub fn all_logits(&self) -> Option<&[f32]> {
        let rows = self.logits_rows?;
        // Safety: the library keeps rows × n_vocab floats at this address until the next
        // decode, rewind, state load or free, all of which need &mut self or ownership,
        // so the borrow of self bounds the slice's life.
        unsafe {
            let p = sys::llamaswift_session_logits(self.as_ptr());
            (!p.is_null()).then(|| std::slice::from_raw_parts(p, rows * self.n_vocab))
        }
    }

    /// The embeddings of the last decode of an embeddings session (`SessionParams::embeddings`):
    /// `rows` vectors of `n_embd` floats, one per token of that call with pooling none, else
    /// one — the final hidden states after the model's final norm. `None` before a decode,
    /// after a rewind, or for a session that computes logits.
    pub fn embeddings(&self) -> Option<(&[f32], usize)> {
        let mut rows = 0usize;
        // Safety: the library keeps rows × n_embd floats at this address until the next
        // decode, rewind or free, all of which need &mut self or ownership.
        unsafe {
            let p = sys::llamaswift_session_embeddings(self.as_ptr(), &mut rows);
            (!p.is_null()).then(|| (std::slice::from_raw_parts(p, rows * self.n_embd), rows))
        }
    }

    /// Sets the number of worker threads for the calls that follow (0: the CPUs, at most
    /// 8; more than the usable CPUs is capped). Results do not depend on it.
    /// Errors: `InvalidArgument` (over 512), `OutOfMemory`.
    pub fn set_threads(&mut self, n_threads: u32) -> Result<()> {
        // Safety: exclusive access to a live handle; not inside a call on it (&mut self).
        check(unsafe { sys::llamaswift_session_set_threads(self.as_ptr(), n_threads) })
    }

    /// The number of worker threads the session uses now.
    pub fn threads(&self) -> u32 {
        // Safety: live handle; only reads.
        unsafe { sys::llamaswift_session_get_threads(self.as_ptr()) }
    }

    /// Tokens in the session's cache.
    pub fn position(&self) -> u32 {
        // Safety: live handle; only reads.
        unsafe { sys::llamaswift_session_position(self.as_ptr()) }
    }

    /// Drops every token after the first `position`. Errors: `InvalidArgument` (past the
    /// current position).
    pub fn rewind(&mut self, position: u32) -> Result<()> {
        // Safety: exclusive access.
        check(unsafe { sys::llamaswift_session_rewind(self.as_ptr(), position) })?;
        self.logits_rows = None;
        Ok(())
    }

    /// The session's state (tokens, KV cache, logits) as bytes.
    pub fn state(&self) -> Result<Vec<u8>> {
        let mut len = 0usize;
        // Safety: a size query (NULL, 0), then a buffer of len bytes; only reads the session.
        let st = unsafe { sys::llamaswift_session_state_save(self.as_ptr(), ptr::null_mut(), 0, &mut len) };
        if st != sys::LLAMASWIFT_ERR_BUFFER_TOO_SMALL {
            check(st)?;
        }
        let mut buf = vec![0u8; len];
        check(unsafe {
            sys::llamaswift_session_state_save(self.as_ptr(), buf.as_mut_ptr() as *mut c_void, buf.len(), &mut len)
        })?;
        buf.truncate(len);
        Ok(buf)
    }

    /// Restores a state from [`state`](Self::state) (same model file, KV type and RoPE
    /// settings). On error the session is unchanged.
    pub fn set_state(&mut self, state: &[u8]) -> Result<()> {
        // Safety: bytes valid for len, only read during the call; exclusive access.
        check(unsafe {
            sys::llamaswift_session_state_load(self.as_ptr(), state.as_ptr() as *const c_void, state.len())
        })?;
        self.refresh_logits_rows();
        Ok(())
    }

    /// Saves the state to a file (written beside it and renamed).
    pub fn save_state(&self, path: impl AsRef<Path>) -> Result<()> {
        let p = path_c_string(path.as_ref())?;
        // Safety: NUL-terminated path; only reads the session.
        check(unsafe { sys::llamaswift_session_state_save_file(self.as_ptr(), p.as_ptr()) })
    }

    /// Restores a state from a file written by [`save_state`](Self::save_state).
    pub fn load_state(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let p = path_c_string(path.as_ref())?;
        // Safety: NUL-terminated path; exclusive access.
        check(unsafe { sys::llamaswift_session_state_load_file(self.as_ptr(), p.as_ptr()) })?;
        self.refresh_logits_rows();
        Ok(())
    }

    /// After a call that decoded an unknown number of tokens (a state load, a generate):
    /// one row without logits_all, unknown with it.
    pub(crate) fn refresh_logits_rows(&mut self) {
        // Safety: live handle; reads whether logits exist.
        let has = unsafe { !sys::llamaswift_session_logits(self.as_ptr()).is_null() };
        self.logits_rows = (has && !self.logits_all).then_some(1);
    }
}

fn path_c_string(path: &Path) -> Result<std::ffi::CString> {
    let text = path
        .to_str()
        .ok_or_else(|| Error::new(Status::InvalidArgument, format!("path is not UTF-8: {}", path.display())))?;
    c_string("path", text)
}

/// Cancels the call running on a session — a decode or generate on another thread, or a
/// generate whose callback calls it — as `llamaswift_session_cancel` does: the call
/// returns `Status::Cancelled` within milliseconds and leaves the session consistent. A
/// cancel with no call in progress does nothing (it is not kept for a later call).
///
/// `Send + Sync + Clone`; it keeps the C session alive, so it may outlive the
/// [`Session`] (cancelling then does nothing).
#[derive(Clone)]
pub struct CancelHandle {
    raw: Arc<Raw>,
}

impl CancelHandle {
    pub fn cancel(&self) {
        // Safety: safe from any thread per the header; the Arc guarantees that
        // llamaswift_session_free has not run and cannot run during this call.
        unsafe { sys::llamaswift_session_cancel(self.raw.0.as_ptr()) }
    }
}

impl std::fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CancelHandle")
    }
}
