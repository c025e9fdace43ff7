//! Samplers: sampling parameters, random state and penalty window.
use std::ptr::{self, NonNull};

use llamaswift_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::model::{Model, Token};
use std::os::raw::c_char;
use crate::session::Session;

/// Where temperature applies in the chain (`llamaswift_temperature_order`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemperatureOrder {
    /// llama.cpp's chain: top-k, top-p, min-p, then temperature.
    #[default]
    Last,
    /// Hugging Face's: temperature, then top-k, top-p, min-p.
    First,
}

/// Sampling parameters (`llamaswift_sampler_params`); `Default` is the library's
/// defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, a clock seed).
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerParams {
    /// ≥ 0; 0 = greedy.
    pub temperature: f32,
    /// ≤ 0 = off.
    pub top_k: i32,
    /// ≥ 1 = off, ≤ 0 = the top token only.
    pub top_p: f32,
    /// ≤ 0 = off.
    pub min_p: f32,
    /// > 0; 1 = off.
    pub repeat_penalty: f32,
    pub frequency_penalty: f32,
    pub presence_penalty: f32,
    /// Penalty window; 0 = off, -1 = 4096.
    pub penalty_last_n: i32,
    /// `None` seeds from the clock; the same seed gives the same tokens on any machine.
    pub seed: Option<u64>,
    pub temperature_order: TemperatureOrder,
}

impl Default for SamplerParams {
    fn default() -> SamplerParams {
        let p = sys::llamaswift_sampler_default_params();
        SamplerParams {
            temperature: p.temperature,
            top_k: p.top_k,
            top_p: p.top_p,
            min_p: p.min_p,
            repeat_penalty: p.repeat_penalty,
            frequency_penalty: p.frequency_penalty,
            presence_penalty: p.presence_penalty,
            penalty_last_n: p.penalty_last_n,
            seed: (p.seed != sys::LLAMASWIFT_SEED_RANDOM).then_some(p.seed),
            temperature_order: match p.temperature_order {
                sys::LLAMASWIFT_TEMPERATURE_FIRST => TemperatureOrder::First,
                _ => TemperatureOrder::Last,
            },
        }
    }
}

impl SamplerParams {
    /// Greedy decoding (temperature 0): the most likely token, lowest id on ties.
    pub fn greedy() -> SamplerParams {
        SamplerParams { temperature: 0.0, ..SamplerParams::default() }
    }

    /// The defaults with a fixed seed.
    pub fn seeded(seed: u64) -> SamplerParams {
        SamplerParams { seed: Some(seed), ..SamplerParams::default() }
    }
}

/// A sampler (`llamaswift_sampler`). `Send` but not `Sync`: one thread at a time.
#[derive(Debug)]
pub struct Sampler {
    raw: NonNull<sys::llamaswift_sampler>,
}

// Safety: the header ties no sampler to a thread, only forbids concurrent use; the raw
// pointer keeps Sampler !Sync and every call takes &mut self or ownership.
unsafe impl Send for Sampler {}

impl Sampler {
    /// Errors: `InvalidArgument` naming the bad parameter.
    pub fn new(params: &SamplerParams) -> Result<Sampler> {
        let mut p = sys::llamaswift_sampler_default_params();
        p.temperature = params.temperature;
        p.top_k = params.top_k;
        p.top_p = params.top_p;
        p.min_p = params.min_p;
        p.repeat_penalty = params.repeat_penalty;
        p.frequency_penalty = params.frequency_penalty;
        p.presence_penalty = params.presence_penalty;
        p.penalty_last_n = params.penalty_last_n;
        p.seed = params.seed.unwrap_or(sys::LLAMASWIFT_SEED_RANDOM);
        p.temperature_order = match params.temperature_order {
            TemperatureOrder::Last => sys::LLAMASWIFT_TEMPERATURE_LAST,
            TemperatureOrder::First => sys::LLAMASWIFT_TEMPERATURE_FIRST,
        };
        let mut out = ptr::null_mut();
        // Safety: params and out-pointer valid for the call.
        check(unsafe { sys::llamaswift_sampler_create(&p, &mut out) })?;
        let raw = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "sampler_create returned NULL"))?;
        Ok(Sampler { raw })
    }

    /// A greedy sampler.
    pub fn greedy() -> Result<Sampler> {
        Sampler::new(&SamplerParams::greedy())
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::llamaswift_sampler {
        self.raw.as_ptr()
    }

    /// The raw handle, for calls through `llamaswift-sys`. It stays owned by `self`.
    pub fn as_raw(&self) -> *mut sys::llamaswift_sampler {
        self.as_ptr()
    }

    /// Samples a token from the session's last logits and records it in the penalty
    /// window. Errors: `InvalidArgument` (no logits: decode first).
    pub fn sample(&mut self, session: &Session) -> Result<Token> {
        let mut token = -1;
        // Safety: both handles live; the sampler exclusively ours, the session only read
        // (&Session: no &mut call on it can run meanwhile).
        check(unsafe { sys::llamaswift_sampler_sample(self.as_ptr(), session.as_ptr(), &mut token) })?;
        Ok(token)
    }

    /// Records `token` in the penalty window without sampling.
    pub fn accept(&mut self, token: Token) -> Result<()> {
        // Safety: exclusive access.
        check(unsafe { sys::llamaswift_sampler_accept(self.as_ptr(), token) })
    }

    /// Sets the logit bias (`llamaswift_sampler_set_logit_bias`): each `(token, bias)` added
    /// to the token's logit first in the chain (before a grammar's mask); `f32::NEG_INFINITY` bans the token. Replaces
    /// the previous set (an empty slice clears it). Errors: `InvalidArgument` (a negative
    /// token, a NaN bias; the previous set stays).
    pub fn set_logit_bias(&mut self, bias: &[(Token, f32)]) -> Result<()> {
        let raw: Vec<sys::llamaswift_logit_bias> =
            bias.iter().map(|&(token, bias)| sys::llamaswift_logit_bias { token, bias }).collect();
        // Safety: exclusive access to a live handle; the array is read during the call.
        check(unsafe { sys::llamaswift_sampler_set_logit_bias(self.as_ptr(), raw.as_ptr(), raw.len()) })
    }

    /// The last sampled token with its log-probability, and the `n_top` most probable tokens
    /// (descending), from the model's raw logits (before bias, grammar mask, penalties and filters).
    /// Errors: `InvalidArgument` (nothing sampled yet).
    pub fn last_logprobs(&self, n_top: usize) -> Result<((Token, f32), Vec<(Token, f32)>)> {
        let mut chosen = sys::llamaswift_token_logprob { token: 0, logprob: 0.0 };
        let mut top: Vec<sys::llamaswift_token_logprob> =
            (0..n_top).map(|_| sys::llamaswift_token_logprob { token: 0, logprob: 0.0 }).collect();
        let mut written = 0usize;
        // Safety: a live handle; `top` holds n_top entries.
        check(unsafe {
            sys::llamaswift_sampler_last_logprobs(self.as_ptr(), &mut chosen, top.as_mut_ptr(), n_top, &mut written)
        })?;
        top.truncate(written);
        Ok(((chosen.token, chosen.logprob), top.into_iter().map(|t| (t.token, t.logprob)).collect()))
    }

    /// Clears the penalty window and restarts the grammar; the random state continues.
    pub fn reset(&mut self) -> Result<()> {
        // Safety: exclusive access.
        check(unsafe { sys::llamaswift_sampler_reset(self.as_ptr()) })
    }

    /// Constrains sampling to a GBNF grammar (start rule `root`) bound to `model`'s
    /// vocabulary; `None` removes it (`llamaswift_sampler_set_grammar`). Errors:
    /// `InvalidArgument` with "grammar: line L, column C: ..." for a bad grammar.
    pub fn set_grammar(&mut self, model: &Model, gbnf: Option<&str>) -> Result<()> {
        let (p, n) = gbnf.map_or((ptr::null(), 0), |g| (g.as_ptr() as *const c_char, g.len()));
        // Safety: exclusive access to the sampler; the model lives; the text is borrowed
        // for the call (copied by the library).
        check(unsafe { sys::llamaswift_sampler_set_grammar(self.as_ptr(), model.as_ptr(), p, n, ptr::null()) })
    }

    /// Constrains sampling to JSON valid against a JSON Schema (JSON text); `None`
    /// removes it (`llamaswift_sampler_set_json_schema`). Errors: `InvalidArgument` (bad
    /// JSON or schema), `Unsupported` naming a keyword not supported.
    pub fn set_json_schema(&mut self, model: &Model, schema: Option<&str>) -> Result<()> {
        let (p, n) = schema.map_or((ptr::null(), 0), |g| (g.as_ptr() as *const c_char, g.len()));
        // Safety: as set_grammar.
        check(unsafe { sys::llamaswift_sampler_set_json_schema(self.as_ptr(), model.as_ptr(), p, n) })
    }
}

/// The GBNF grammar for a JSON Schema (`llamaswift_json_schema_to_grammar`).
pub fn json_schema_to_grammar(schema: &str) -> Result<String> {
    let bytes = crate::model::fill_text(|buf, cap, len| {
        // Safety: schema borrowed for the call; buf has cap bytes (or is NULL with cap 0).
        unsafe { sys::llamaswift_json_schema_to_grammar(schema.as_ptr() as *const c_char, schema.len(), buf, cap, len) }
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

impl Drop for Sampler {
    fn drop(&mut self) {
        // Safety: owned, no other user.
        unsafe { sys::llamaswift_sampler_free(self.raw.as_ptr()) }
    }
}
