//! Chat templates: messages rendered as the prompt text a model expects.
use std::ffi::CString;
use std::ptr;

use llamaswift_sys as sys;

use crate::error::{c_string, Result};
use crate::model::{fill_text, Model};

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// "system", "user", "assistant", …
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> ChatMessage {
        ChatMessage { role: role.into(), content: content.into() }
    }
    pub fn system(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("system", content)
    }
    pub fn user(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("user", content)
    }
    pub fn assistant(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("assistant", content)
    }
}

/// Renders `messages` with a built-in template by name ("chatml", "llama3", "gemma", …
/// llama.cpp's names), without a model. With `add_assistant_prefix` the text ends with
/// the opening of an assistant turn. Errors: `Unsupported` for an unknown name.
pub fn chat_format(template: &str, messages: &[ChatMessage], add_assistant_prefix: bool) -> Result<String> {
    format(None, Some(template), messages, add_assistant_prefix)
}

impl Model {
    /// Renders `messages` with the model's own chat template (its
    /// `tokenizer.chat_template`, recognised as llama.cpp does; no Jinja), or with the
    /// built-in one named by `template`.
    pub fn chat_format(
        &self,
        template: Option<&str>,
        messages: &[ChatMessage],
        add_assistant_prefix: bool,
    ) -> Result<String> {
        format(Some(self), template, messages, add_assistant_prefix)
    }
}

fn format(model: Option<&Model>, template: Option<&str>, messages: &[ChatMessage], add: bool) -> Result<String> {
    let name = template.map(|t| c_string("template name", t)).transpose()?;
    let owned: Vec<(CString, CString)> = messages
        .iter()
        .map(|m| Ok((c_string("role", &m.role)?, c_string("content", &m.content)?)))
        .collect::<Result<_>>()?;
    let raw: Vec<sys::llamaswift_chat_message> =
        owned.iter().map(|(r, c)| sys::llamaswift_chat_message { role: r.as_ptr(), content: c.as_ptr() }).collect();
    let model = model.map_or(ptr::null(), |m| m.as_ptr() as *const _);
    let name_ptr = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
    let bytes = fill_text(|buf, cap, len| {
        // Safety: the strings in `owned` outlive the call; raw holds raw.len() messages;
        // model is a live handle or NULL (then a name is given, else INVALID_ARGUMENT).
        unsafe { sys::llamaswift_chat_format(model, name_ptr, raw.as_ptr(), raw.len(), add, buf, cap, len) }
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
