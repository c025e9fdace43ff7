//! 0.3's hooks through the safe API: the logger, load progress (and cancelling a load,
//! and a panic in the callback), use_mlock, and a session's threads changed between
//! calls. One test: the logger is process-wide, so nothing else may run beside it.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use llamaswift::*;

fn model_path() -> Option<PathBuf> {
    let p = match std::env::var_os("LLAMASWIFT_TEST_MODEL") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    };
    if p.exists() {
        return Some(p);
    }
    assert!(std::env::var_os("LLAMASWIFT_REQUIRE_MODEL").is_none(), "no model at {}", p.display());
    eprintln!("skipped: no model at {}", p.display());
    None
}

#[test]
fn logger_progress_mlock_and_threads() {
    let Some(path) = model_path() else { return };
    let seen: Arc<Mutex<Vec<(LogLevel, String)>>> = Arc::default();
    let sink = seen.clone();
    set_logger(Some(Box::new(move |level, text| sink.lock().unwrap().push((level, text.to_owned())))));
    let e = Model::load("/nonexistent/m.gguf").unwrap_err();
    assert_eq!(e.status(), Status::Io);
    let model = Model::load(&path).unwrap();
    set_logger(None);
    {
        let log = seen.lock().unwrap();
        assert!(log.iter().any(|(l, t)| *l == LogLevel::Error && t.contains("/nonexistent/m.gguf")), "{log:?}");
        assert!(log.iter().any(|(l, t)| *l == LogLevel::Info && t.starts_with("loaded '")), "{log:?}");
    }
    let count = seen.lock().unwrap().len();
    let _ = Model::load("/nonexistent/m.gguf");
    assert_eq!(seen.lock().unwrap().len(), count, "logging is off again");

    // Progress: 0 first, 1 last, increasing; false cancels.
    let mut values = Vec::new();
    let m2 = Model::load_with_progress(&path, &ModelParams::default(), |p| {
        values.push(p);
        true
    })
    .unwrap();
    drop(m2);
    assert!(values.len() >= 3 && values[0] == 0.0 && *values.last().unwrap() == 1.0, "{values:?}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    let e = Model::load_with_progress(&path, &ModelParams::default(), |p| p < 0.25).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
    let r = std::panic::catch_unwind(|| Model::load_with_progress(&path, &ModelParams::default(), |_| panic!("boom")));
    assert!(r.is_err(), "the callback's panic is resumed in the caller");

    // use_mlock (root or a large RLIMIT_MEMLOCK here; elsewhere the error names the limit).
    match Model::load_with(&path, &ModelParams { use_mlock: true, ..ModelParams::default() }) {
        Ok(m) => assert_eq!(m.info().n_layer, 30),
        Err(e) => assert!(e.status() == Status::OutOfMemory && e.message().contains("RLIMIT_MEMLOCK"), "{e}"),
    }

    // Threads between calls: the same logits.
    let mut s = Session::with_params(&model, &SessionParams::with_n_ctx(64).n_threads(1)).unwrap();
    assert_eq!(s.threads(), 1);
    let tokens = model.tokenize("The quick brown fox", false, false).unwrap();
    s.decode(&tokens).unwrap();
    let one = s.logits().unwrap().to_vec();
    s.set_threads(2).unwrap();
    assert!(s.threads() >= 1 && s.threads() <= 2);
    s.rewind(0).unwrap();
    s.decode(&tokens).unwrap();
    assert_eq!(s.logits().unwrap(), &one[..]);
    assert_eq!(s.set_threads(513).unwrap_err().status(), Status::InvalidArgument);
}
