//! Generation: streaming text to a callback (`llamaswift_generate`), or pulling tokens
//! one by one from an iterator.
use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::panic::{self, AssertUnwindSafe};

use llamaswift_sys as sys;

use crate::error::{c_string, check, Result};
use crate::model::Token;
use crate::sampler::Sampler;
use crate::session::Session;

/// Why a generation ended (`llamaswift_stop_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    None,
    /// The model produced an end-of-generation token.
    EndOfGeneration,
    /// `max_tokens` were generated.
    MaxTokens,
    /// A stop string appeared (it is not streamed).
    StopString,
    /// The callback returned `false`.
    Callback,
    /// A [`CancelHandle`](crate::CancelHandle) stopped it.
    Cancelled,
    /// The context filled up.
    ContextFull,
    /// The grammar was complete and the vocabulary has no end-of-generation token (0.5).
    GrammarComplete,
    Other(u32),
}

impl StopReason {
    fn from_raw(v: u32) -> StopReason {
        match v {
            sys::LLAMASWIFT_STOP_NONE => StopReason::None,
            sys::LLAMASWIFT_STOP_END_OF_GENERATION => StopReason::EndOfGeneration,
            sys::LLAMASWIFT_STOP_MAX_TOKENS => StopReason::MaxTokens,
            sys::LLAMASWIFT_STOP_STRING => StopReason::StopString,
            sys::LLAMASWIFT_STOP_CALLBACK => StopReason::Callback,
            sys::LLAMASWIFT_STOP_CANCELLED => StopReason::Cancelled,
            sys::LLAMASWIFT_STOP_CONTEXT_FULL => StopReason::ContextFull,
            sys::LLAMASWIFT_STOP_GRAMMAR_COMPLETE => StopReason::GrammarComplete,
            other => StopReason::Other(other),
        }
    }
}

/// How to generate (`llamaswift_generate_params`); `Default` is the library's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateParams {
    /// Tokens to generate at most; `None` = until end of generation or a full context.
    pub max_tokens: Option<u32>,
    /// Add BOS/EOS to the prompt as the model asks (default true).
    pub add_special: bool,
    /// Read control-token texts in the prompt as those tokens (default true).
    pub parse_special: bool,
    /// Stop when the generated text contains one of these (never streamed).
    pub stop_strings: Vec<String>,
    /// Keep cached tokens equal to the start of the prompt (default true).
    pub reuse_cache: bool,
}

impl Default for GenerateParams {
    fn default() -> GenerateParams {
        let p = sys::llamaswift_generate_default_params();
        GenerateParams {
            max_tokens: u32::try_from(p.max_tokens).ok(),
            add_special: p.tokenize_flags & sys::LLAMASWIFT_TOKENIZE_ADD_SPECIAL != 0,
            parse_special: p.tokenize_flags & sys::LLAMASWIFT_TOKENIZE_PARSE_SPECIAL != 0,
            stop_strings: Vec::new(),
            reuse_cache: p.reuse_cache,
        }
    }
}

impl GenerateParams {
    /// The defaults with at most `n` tokens.
    pub fn max_tokens(n: u32) -> GenerateParams {
        GenerateParams { max_tokens: Some(n), ..GenerateParams::default() }
    }

    /// Adds a stop string.
    pub fn stop(mut self, s: impl Into<String>) -> GenerateParams {
        self.stop_strings.push(s.into());
        self
    }
}

/// What a generation did (`llamaswift_generate_result`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GenerateResult {
    pub stop_reason: StopReason,
    pub n_prompt_tokens: u32,
    /// Prompt tokens evaluated (the rest came from the cache).
    pub n_prompt_evaluated: u32,
    /// Tokens generated (the end-of-generation token excluded).
    pub n_generated: u32,
    pub prefill_seconds: f64,
    pub decode_seconds: f64,
    pub prefill_tokens_per_second: f64,
    pub decode_tokens_per_second: f64,
}

struct CallbackState<'a> {
    f: &'a mut dyn FnMut(&str) -> bool,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn on_piece(text: *const c_char, len: usize, user: *mut c_void) -> bool {
    // Safety: `user` is the CallbackState that generate() passed and keeps alive for the
    // call; text is valid for len bytes during this call.
    let state = &mut *(user as *mut CallbackState<'_>);
    if state.panic.is_some() {
        return false;
    }
    let bytes = std::slice::from_raw_parts(text as *const u8, len);
    // The header promises complete UTF-8 characters.
    let text = String::from_utf8_lossy(bytes);
    // A panic must not unwind into C: keep it, stop, and resume it after the call.
    match panic::catch_unwind(AssertUnwindSafe(|| (state.f)(&text))) {
        Ok(go_on) => go_on,
        Err(payload) => {
            state.panic = Some(payload);
            false
        }
    }
}

impl Session {
    /// Generates a continuation of `prompt`, streaming text (complete UTF-8 characters)
    /// to `on_text`; return `false` from it to stop. Evaluates only the part of the
    /// prompt not already cached (a multi-turn chat sends its whole text each turn).
    ///
    /// Errors: `InvalidArgument` (an empty prompt, bad params), `ContextFull` (the prompt
    /// alone does not fit), `Cancelled` (text so far was streamed). A panic in `on_text`
    /// stops the generation and is resumed when the call returns.
    pub fn generate(
        &mut self,
        sampler: &mut Sampler,
        prompt: &str,
        params: &GenerateParams,
        mut on_text: impl FnMut(&str) -> bool,
    ) -> Result<GenerateResult> {
        let stops: Vec<CString> =
            params.stop_strings.iter().map(|s| c_string("stop string", s)).collect::<Result<_>>()?;
        let stop_ptrs: Vec<*const c_char> = stops.iter().map(|s| s.as_ptr()).collect();
        let mut p = sys::llamaswift_generate_default_params();
        p.max_tokens = match params.max_tokens {
            Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
            None => -1,
        };
        p.tokenize_flags = 0;
        if params.add_special {
            p.tokenize_flags |= sys::LLAMASWIFT_TOKENIZE_ADD_SPECIAL;
        }
        if params.parse_special {
            p.tokenize_flags |= sys::LLAMASWIFT_TOKENIZE_PARSE_SPECIAL;
        }
        p.stop_strings = if stop_ptrs.is_empty() { std::ptr::null() } else { stop_ptrs.as_ptr() };
        p.n_stop_strings = stop_ptrs.len();
        p.reuse_cache = params.reuse_cache;

        // Safety: all-zero is a valid value of this plain C struct.
        let mut r: sys::llamaswift_generate_result = unsafe { std::mem::zeroed() };
        r.struct_size = std::mem::size_of::<sys::llamaswift_generate_result>() as u32;
        let mut state = CallbackState { f: &mut on_text, panic: None };
        // Safety: session and sampler are ours exclusively (&mut); prompt valid for len;
        // stop strings live until the end of the function; the callback state outlives
        // the call and the callback cannot reach session or sampler (they are borrowed).
        let st = unsafe {
            sys::llamaswift_generate(
                self.as_ptr(),
                sampler.as_ptr(),
                prompt.as_ptr() as *const c_char,
                prompt.len(),
                &p,
                Some(on_piece),
                &mut state as *mut CallbackState<'_> as *mut c_void,
                &mut r,
            )
        };
        let checked = check(st);
        self.refresh_logits_rows();
        if let Some(payload) = state.panic {
            panic::resume_unwind(payload);
        }
        checked?;
        Ok(GenerateResult {
            stop_reason: StopReason::from_raw(r.stop_reason),
            n_prompt_tokens: r.n_prompt_tokens,
            n_prompt_evaluated: r.n_prompt_evaluated,
            n_generated: r.n_generated,
            prefill_seconds: r.prefill_seconds,
            decode_seconds: r.decode_seconds,
            prefill_tokens_per_second: r.prefill_tokens_per_second,
            decode_tokens_per_second: r.decode_tokens_per_second,
        })
    }

    /// As [`generate`](Self::generate), collecting the text.
    pub fn generate_text(
        &mut self,
        sampler: &mut Sampler,
        prompt: &str,
        params: &GenerateParams,
    ) -> Result<(String, GenerateResult)> {
        let mut text = String::new();
        let r = self.generate(sampler, prompt, params, |t| {
            text.push_str(t);
            true
        })?;
        Ok((text, r))
    }

    /// Decodes `prompt` after the cached tokens (and records it in the sampler's penalty
    /// window), then returns an iterator that samples a token, decodes it and yields it,
    /// until an end-of-generation token (not yielded), `max_tokens`, a full context
    /// (`Err(ContextFull)`) or another error. Turn tokens into text with
    /// [`Model::token_to_piece`](crate::Model::token_to_piece) and [`TextDecoder`].
    pub fn tokens<'a>(
        &'a mut self,
        model: &'a crate::Model,
        sampler: &'a mut Sampler,
        prompt: &[Token],
        max_tokens: Option<u32>,
    ) -> Result<Tokens<'a>> {
        for &t in prompt {
            sampler.accept(t)?;
        }
        self.decode(prompt)?;
        Ok(Tokens { session: self, model, sampler, left: max_tokens, done: false })
    }
}

/// The iterator of [`Session::tokens`].
pub struct Tokens<'a> {
    session: &'a mut Session,
    model: &'a crate::Model,
    sampler: &'a mut Sampler,
    left: Option<u32>,
    done: bool,
}

impl Iterator for Tokens<'_> {
    type Item = Result<Token>;

    fn next(&mut self) -> Option<Result<Token>> {
        if self.done || self.left == Some(0) {
            return None;
        }
        let step = (|| {
            let t = self.sampler.sample(&*self.session)?;
            if self.model.is_end_of_generation(t) {
                return Ok(None);
            }
            self.session.decode(&[t])?;
            Ok(Some(t))
        })();
        match step {
            Ok(Some(t)) => {
                self.left = self.left.map(|n| n - 1);
                Some(Ok(t))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Turns token pieces (bytes that may split a UTF-8 character) into text made of
/// complete characters; bytes that can never form one become U+FFFD.
#[derive(Debug, Default)]
pub struct TextDecoder {
    pending: Vec<u8>,
}

impl TextDecoder {
    pub fn new() -> TextDecoder {
        TextDecoder::default()
    }

    /// Adds bytes; returns the text now complete (possibly empty).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(s) => {
                    out.push_str(s);
                    self.pending.clear();
                    return out;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    out.push_str(std::str::from_utf8(&self.pending[..good]).unwrap());
                    match e.error_len() {
                        // Incomplete character at the end: wait for more bytes.
                        None => {
                            self.pending.drain(..good);
                            return out;
                        }
                        Some(bad) => {
                            out.push('\u{FFFD}');
                            self.pending.drain(..good + bad);
                        }
                    }
                }
            }
        }
    }

    /// The rest at the end of a stream (an incomplete character becomes U+FFFD).
    pub fn finish(&mut self) -> String {
        let s = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        s
    }
}
