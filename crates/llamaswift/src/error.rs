//! Errors: the library's status with its message, copied at once (the library's text is
//! only valid until the next call on the same thread).
use std::ffi::CStr;
use std::fmt;

use llamaswift_sys as sys;

/// The library's status codes (`llamaswift_status`), less `LLAMASWIFT_OK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// A NULL or out-of-range argument, bad parameters, a string with a NUL byte.
    InvalidArgument,
    /// A file is missing or unreadable (the message has the path and the errno text).
    Io,
    /// Not GGUF, a bad version, a truncated or corrupt file or state.
    Format,
    /// An architecture, tensor type, tokenizer or template the engine does not support.
    Unsupported,
    /// A buffer was too small (the wrapper sizes its buffers: not seen in practice).
    BufferTooSmall,
    /// The session's context has no room: rewind it.
    ContextFull,
    /// [`CancelHandle::cancel`](crate::CancelHandle::cancel) stopped the call.
    Cancelled,
    /// An allocation failed.
    OutOfMemory,
    /// A bug in the library.
    Internal,
    /// A status this crate does not know (a newer library).
    Other(u32),
}

impl Status {
    /// The status for a C code; `None` for `LLAMASWIFT_OK`.
    pub fn from_code(code: sys::llamaswift_status) -> Option<Status> {
        Some(match code {
            sys::LLAMASWIFT_OK => return None,
            sys::LLAMASWIFT_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::LLAMASWIFT_ERR_IO => Status::Io,
            sys::LLAMASWIFT_ERR_FORMAT => Status::Format,
            sys::LLAMASWIFT_ERR_UNSUPPORTED => Status::Unsupported,
            sys::LLAMASWIFT_ERR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::LLAMASWIFT_ERR_CONTEXT_FULL => Status::ContextFull,
            sys::LLAMASWIFT_ERR_CANCELLED => Status::Cancelled,
            sys::LLAMASWIFT_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::LLAMASWIFT_ERR_INTERNAL => Status::Internal,
            other => Status::Other(other),
        })
    }

    /// The C code (`LLAMASWIFT_ERR_*`).
    pub fn code(self) -> sys::llamaswift_status {
        match self {
            Status::InvalidArgument => sys::LLAMASWIFT_ERR_INVALID_ARGUMENT,
            Status::Io => sys::LLAMASWIFT_ERR_IO,
            Status::Format => sys::LLAMASWIFT_ERR_FORMAT,
            Status::Unsupported => sys::LLAMASWIFT_ERR_UNSUPPORTED,
            Status::BufferTooSmall => sys::LLAMASWIFT_ERR_BUFFER_TOO_SMALL,
            Status::ContextFull => sys::LLAMASWIFT_ERR_CONTEXT_FULL,
            Status::Cancelled => sys::LLAMASWIFT_ERR_CANCELLED,
            Status::OutOfMemory => sys::LLAMASWIFT_ERR_OUT_OF_MEMORY,
            Status::Internal => sys::LLAMASWIFT_ERR_INTERNAL,
            Status::Other(code) => code,
        }
    }

    /// The library's name for the status ("LLAMASWIFT_ERR_IO: input/output error").
    pub fn name(self) -> &'static str {
        // Safety: llamaswift_status_string returns static NUL-terminated text for any value.
        let text = unsafe { CStr::from_ptr(sys::llamaswift_status_string(self.code())) };
        text.to_str().unwrap_or("unknown status")
    }
}

/// A failed call: its status and the library's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    /// What kind of failure.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The library's message: what and where ("cannot open /x.gguf: No such file…").
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.status.name())
        } else {
            write!(f, "{} ({})", self.message, self.status.name())
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a status into a `Result`, copying the thread's message on failure. Must be
/// called right after the C call, on the same thread, before any other llamaswift call.
pub(crate) fn check(code: sys::llamaswift_status) -> Result<()> {
    match Status::from_code(code) {
        None => Ok(()),
        Some(status) => {
            // Safety: llamaswift_last_error never returns NULL; the text is NUL-terminated
            // and valid until the next call on this thread, and we copy it now.
            let message = unsafe { CStr::from_ptr(sys::llamaswift_last_error()) };
            Err(Error::new(status, message.to_string_lossy().into_owned()))
        }
    }
}

/// A Rust string with a NUL byte cannot reach C: refused before the call.
pub(crate) fn c_string(what: &str, s: &str) -> Result<std::ffi::CString> {
    std::ffi::CString::new(s).map_err(|_| Error::new(Status::InvalidArgument, format!("{what} contains a NUL byte")))
}
