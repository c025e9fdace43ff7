//! Safe wrappers over the C API and a program that streams a greedy chat answer:
//! `llamaswift-chat MODEL.gguf "question"`.
mod ffi;

use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::raw::{c_char, c_void};
use std::ptr::{self, NonNull};

/// An error from the library: the status and its message, copied at once (the library's
/// buffer is only valid until the next call on this thread).
#[derive(Debug)]
pub struct Error {
    pub status: u32,
    pub message: String,
}

fn check(status: ffi::llamaswift_status) -> Result<(), Error> {
    if status == ffi::LLAMASWIFT_OK {
        return Ok(());
    }
    // Safety: llamaswift_last_error never returns NULL and the text is NUL-terminated.
    let message = unsafe { CStr::from_ptr(ffi::llamaswift_last_error()) }.to_string_lossy().into_owned();
    Err(Error { status, message })
}

pub struct Model(NonNull<ffi::llamaswift_model>);
// Safety: a model is immutable after load; the header allows sharing it across threads.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    pub fn load(path: &str) -> Result<Model, Error> {
        let c = CString::new(path).map_err(|_| Error { status: 1, message: "path contains NUL".into() })?;
        let mut out = ptr::null_mut();
        // Safety: valid C string and out-pointer.
        check(unsafe { ffi::llamaswift_model_load(c.as_ptr(), ptr::null(), &mut out) })?;
        Ok(Model(NonNull::new(out).expect("library returned OK with a NULL model")))
    }

    /// The one-turn chat prompt in the model's template (size, then fill).
    pub fn chat_prompt(&self, question: &str) -> Result<Vec<u8>, Error> {
        let role = CString::new("user").unwrap();
        let content = CString::new(question).map_err(|_| Error { status: 1, message: "NUL in question".into() })?;
        let msg = ffi::llamaswift_chat_message { role: role.as_ptr(), content: content.as_ptr() };
        let mut len = 0usize;
        // Safety: pointers live for the calls; buf NULL with cap 0 is a size query.
        let st = unsafe { ffi::llamaswift_chat_format(self.0.as_ptr(), ptr::null(), &msg, 1, true, ptr::null_mut(), 0, &mut len) };
        if st != ffi::LLAMASWIFT_ERR_BUFFER_TOO_SMALL {
            check(st)?;
        }
        let mut buf = vec![0u8; len + 1];
        check(unsafe {
            ffi::llamaswift_chat_format(self.0.as_ptr(), ptr::null(), &msg, 1, true, buf.as_mut_ptr() as *mut c_char, buf.len(), &mut len)
        })?;
        buf.truncate(len);
        Ok(buf)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // Safety: we own this reference; sessions keep their own.
        unsafe { ffi::llamaswift_model_free(self.0.as_ptr()) }
    }
}

pub struct Session(NonNull<ffi::llamaswift_session>);
// Safety: a session may move between threads; it is used by one at a time (&mut self).
unsafe impl Send for Session {}

impl Session {
    pub fn new(model: &Model) -> Result<Session, Error> {
        let mut out = ptr::null_mut();
        check(unsafe { ffi::llamaswift_session_create(model.0.as_ptr(), ptr::null(), &mut out) })?;
        Ok(Session(NonNull::new(out).expect("NULL session")))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        unsafe { ffi::llamaswift_session_free(self.0.as_ptr()) }
    }
}

pub struct Sampler(NonNull<ffi::llamaswift_sampler>);

impl Sampler {
    pub fn greedy() -> Result<Sampler, Error> {
        let mut p = ffi::llamaswift_sampler_params::default();
        check(unsafe { ffi::llamaswift_sampler_params_init(&mut p, std::mem::size_of_val(&p)) })?;
        p.temperature = 0.0;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::llamaswift_sampler_create(&p, &mut out) })?;
        Ok(Sampler(NonNull::new(out).expect("NULL sampler")))
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        unsafe { ffi::llamaswift_sampler_free(self.0.as_ptr()) }
    }
}

unsafe extern "C" fn forward_piece(text: *const c_char, len: usize, user: *mut c_void) -> bool {
    // Safety: `user` is the &mut dyn FnMut we passed; text/len describe valid bytes.
    let f = &mut *(user as *mut &mut dyn FnMut(&str) -> bool);
    let bytes = std::slice::from_raw_parts(text as *const u8, len);
    f(std::str::from_utf8(bytes).unwrap_or("\u{FFFD}"))
}

/// Streams generated text (whole UTF-8 characters) to `on_text`; returns the result.
pub fn generate(
    session: &mut Session, sampler: &mut Sampler, prompt: &[u8], mut on_text: impl FnMut(&str) -> bool,
) -> Result<ffi::llamaswift_generate_result, Error> {
    let mut result = ffi::llamaswift_generate_result {
        struct_size: std::mem::size_of::<ffi::llamaswift_generate_result>() as u32,
        ..Default::default()
    };
    let mut f: &mut dyn FnMut(&str) -> bool = &mut on_text;
    check(unsafe {
        ffi::llamaswift_generate(
            session.0.as_ptr(), sampler.0.as_ptr(), prompt.as_ptr() as *const c_char, prompt.len(), ptr::null(),
            Some(forward_piece), &mut f as *mut _ as *mut c_void, &mut result,
        )
    })?;
    Ok(result)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {} MODEL.gguf QUESTION", args[0]);
        std::process::exit(2);
    }
    let run = || -> Result<(), Error> {
        let model = Model::load(&args[1])?;
        let prompt = model.chat_prompt(&args[2])?;
        let mut session = Session::new(&model)?;
        let mut sampler = Sampler::greedy()?;
        let r = generate(&mut session, &mut sampler, &prompt, |t| {
            print!("{t}");
            std::io::stdout().flush().ok();
            true
        })?;
        println!();
        eprintln!("{} tokens at {:.1} tokens/s", r.n_generated, r.decode_tokens_per_second);
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("llamaswift error {}: {}", e.status, e.message);
        std::process::exit(1);
    }
}
