//! Safe Rust API of libllamaswift, a LLaMA-family LLM inference engine (GGUF models, CPU).
//!
//! ```no_run
//! use llamaswift::{ChatMessage, GenerateParams, Model, Sampler, Session};
//!
//! fn main() -> llamaswift::Result<()> {
//!     let model = Model::load("models/SmolLM2-135M-Instruct.Q4_1.gguf")?;
//!     let prompt = model.chat_format(None, &[ChatMessage::user("What is the capital of France?")], true)?;
//!     let mut session = Session::new(&model)?;
//!     let mut sampler = Sampler::greedy()?;
//!     let result = session.generate(&mut sampler, &prompt, &GenerateParams::max_tokens(64), |text| {
//!         print!("{text}");
//!         true // false stops
//!     })?;
//!     println!("\n{} tokens, stop: {:?}", result.n_generated, result.stop_reason);
//!     Ok(())
//! }
//! ```
//!
//! Handles own their C object and free it on drop. Threads follow the header:
//! [`Model`] is `Send + Sync` (share it with `Arc`); [`Session`] and [`Sampler`] are
//! `Send` but not `Sync` (one thread at a time); a [`CancelHandle`] stops a session's
//! running call from any thread. Every failure is an [`Error`] with the library's
//! [`Status`] and message. Raw calls: the `llamaswift-sys` crate, re-exported as [`sys`],
//! and `as_raw()` on each handle.
mod chat;
mod error;
mod generate;
mod log;
mod model;
mod sampler;
mod session;

pub use llamaswift_sys as sys;

pub use chat::{chat_format, ChatMessage};
pub use error::{Error, Result, Status};
pub use generate::{GenerateParams, GenerateResult, StopReason, TextDecoder, Tokens};
pub use log::{set_logger, LogLevel, Logger};
pub use model::{Model, ModelInfo, ModelParams, RopeScaling, Token};
pub use sampler::{json_schema_to_grammar, Sampler, SamplerParams, TemperatureOrder};
pub use session::{CancelHandle, KvType, Session, SessionParams};

/// The library's version ("0.6.0"); the version of the header this crate was made from
/// is [`sys::LLAMASWIFT_VERSION_STRING`].
pub fn version() -> &'static str {
    // Safety: static NUL-terminated text.
    unsafe { std::ffi::CStr::from_ptr(sys::llamaswift_version()) }.to_str().unwrap_or("")
}
