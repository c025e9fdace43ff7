//! The library's log (`llamaswift_log_set`): silent unless a logger is installed.
use std::cell::Cell;
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::sync::Mutex;

use llamaswift_sys as sys;

/// Severity of a log message (`llamaswift_log_level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// A call failed (its status and message).
    Error,
    /// A setting was adjusted (e.g. n_threads capped to the CPUs).
    Warning,
    /// A model loaded, a session created, its threads changed.
    Info,
    Debug,
    /// A value this crate does not know.
    Other(u32),
}

impl LogLevel {
    fn from_raw(v: sys::llamaswift_log_level) -> LogLevel {
        match v {
            sys::LLAMASWIFT_LOG_ERROR => LogLevel::Error,
            sys::LLAMASWIFT_LOG_WARNING => LogLevel::Warning,
            sys::LLAMASWIFT_LOG_INFO => LogLevel::Info,
            sys::LLAMASWIFT_LOG_DEBUG => LogLevel::Debug,
            other => LogLevel::Other(other),
        }
    }
}

/// A logger: called with each message's level and text.
pub type Logger = dyn Fn(LogLevel, &str) + Send + Sync + 'static;

/// The installed logger; the library holds a pointer to the inner box while installed.
static LOGGER: Mutex<Option<Box<Box<Logger>>>> = Mutex::new(None);

thread_local! {
    static IN_LOGGER: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C" fn log_trampoline(level: sys::llamaswift_log_level, message: *const c_char, user: *mut c_void) {
    // Safety: `user` points to the Box<Logger> in LOGGER, which set_logger drops only
    // after the library has stopped delivering to it; message is NUL-terminated.
    let f = unsafe { &*(user as *const Box<Logger>) };
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    IN_LOGGER.with(|c| c.set(true));
    // A panic may not unwind through the library: it is dropped here.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(LogLevel::from_raw(level), &text)));
    IN_LOGGER.with(|c| c.set(false));
}

/// Sends the library's log messages to `logger` (called on the thread that logs, never
/// on two threads at once), or with `None` turns logging off (the default). Called from
/// inside a logger it does nothing.
pub fn set_logger(logger: Option<Box<Logger>>) {
    if IN_LOGGER.with(|c| c.get()) {
        return;
    }
    let mut slot = LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    let new = logger.map(Box::new);
    match &new {
        // Safety: the pointer stays valid until the next set_logger, which replaces it in
        // the library before dropping it (the library then no longer delivers to it).
        Some(b) => unsafe { sys::llamaswift_log_set(Some(log_trampoline), &**b as *const Box<Logger> as *mut c_void) },
        // Safety: NULL turns logging off.
        None => unsafe { sys::llamaswift_log_set(None, std::ptr::null_mut()) },
    }
    *slot = new;
}
