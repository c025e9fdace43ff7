//! The safe API against the real library. Tests that need the model
//! (models/SmolLM2-135M-Instruct.Q4_1.gguf, `make model`; or LLAMASWIFT_TEST_MODEL) say
//! "skipped" without it — unless LLAMASWIFT_REQUIRE_MODEL=1 (as `make test-rust` sets),
//! which makes a missing model a failure.
use std::path::PathBuf;
use std::sync::Arc;

use llamaswift::*;

fn model_path() -> Option<PathBuf> {
    let p = match std::env::var_os("LLAMASWIFT_TEST_MODEL") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    };
    if p.exists() {
        return Some(p);
    }
    assert!(std::env::var_os("LLAMASWIFT_REQUIRE_MODEL").is_none(), "model {} missing (make model)", p.display());
    println!("skipped: no model at {}", p.display());
    None
}

fn small_session(model: &Model) -> Session {
    Session::with_params(model, &SessionParams::with_n_ctx(512).n_threads(1)).unwrap()
}

fn question(model: &Model, q: &str) -> String {
    model.chat_format(None, &[ChatMessage::user(q)], true).unwrap()
}

// ------------------------------------------------------------------------------------
// Without a model
// ------------------------------------------------------------------------------------

#[test]
fn version_is_the_headers() {
    let header = std::str::from_utf8(sys::LLAMASWIFT_VERSION_STRING).unwrap().trim_end_matches('\0');
    assert_eq!(version(), header);
}

#[test]
fn a_missing_file_is_an_io_error_with_the_path() {
    let e = Model::load("/nonexistent/dir/m.gguf").unwrap_err();
    assert_eq!(e.status(), Status::Io);
    assert_eq!(e.status().code(), sys::LLAMASWIFT_ERR_IO);
    assert!(e.message().contains("/nonexistent/dir/m.gguf"), "{e}");
    let shown = e.to_string();
    assert!(shown.contains("LLAMASWIFT_ERR_IO") && shown.contains("m.gguf"), "{shown}");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
}

#[test]
fn a_file_that_is_not_gguf_is_a_format_error() {
    let path = std::env::temp_dir().join(format!("llamaswift-rs-not-gguf-{}", std::process::id()));
    std::fs::write(&path, b"this is not a GGUF file, only text").unwrap();
    let e = Model::load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(e.status(), Status::Format, "{e}");
}

#[test]
fn a_nul_byte_is_refused_before_the_call() {
    let e = Model::load("a\0b").unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("NUL"), "{e}");
}

#[test]
fn status_codes_round_trip() {
    for code in 1..=9 {
        let s = Status::from_code(code).unwrap();
        assert_eq!(s.code(), code);
        assert!(!matches!(s, Status::Other(_)));
        assert!(s.name().starts_with("LLAMASWIFT_ERR_"), "{}", s.name());
    }
    assert_eq!(Status::from_code(0), None);
    assert_eq!(Status::from_code(77), Some(Status::Other(77)));
}

#[test]
fn builtin_chat_templates_need_no_model() {
    let msgs = [ChatMessage::system("Be brief."), ChatMessage::user("Hi")];
    let text = chat_format("chatml", &msgs, true).unwrap();
    assert_eq!(
        text,
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
    let e = chat_format("no-such-template", &msgs, true).unwrap_err();
    assert_eq!(e.status(), Status::Unsupported);
}

#[test]
fn sampler_parameters_are_checked() {
    let defaults = SamplerParams::default();
    assert_eq!((defaults.temperature, defaults.top_k, defaults.seed), (0.8, 40, None));
    let e = Sampler::new(&SamplerParams { temperature: -1.0, ..SamplerParams::default() }).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("temperature"), "{e}");
    let mut s = Sampler::new(&SamplerParams::seeded(7)).unwrap();
    s.accept(3).unwrap();
    s.reset().unwrap();
    assert_eq!(s.accept(-1).unwrap_err().status(), Status::InvalidArgument);
}

#[test]
fn generate_params_defaults_are_the_librarys() {
    let g = GenerateParams::default();
    assert_eq!(g.max_tokens, Some(256));
    assert!(g.add_special && g.parse_special && g.reuse_cache && g.stop_strings.is_empty());
}

#[test]
fn text_decoder_waits_for_whole_characters() {
    let mut d = TextDecoder::new();
    let e_acute = "é".as_bytes(); // 2 bytes
    assert_eq!(d.push(b"caf"), "caf");
    assert_eq!(d.push(&e_acute[..1]), "");
    assert_eq!(d.push(&e_acute[1..]), "é");
    assert_eq!(d.push(&[0xff, b'x']), "\u{FFFD}x");
    assert_eq!(d.push(&[0xe2, 0x82]), "");
    assert_eq!(d.finish(), "\u{FFFD}");
}

/// Model: Send + Sync. Session, Sampler: Send, not Sync. CancelHandle: Send + Sync.
#[test]
fn thread_rules_follow_the_header() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Model>();
    sync::<Model>();
    send::<Session>();
    send::<Sampler>();
    send::<CancelHandle>();
    sync::<CancelHandle>();
    send::<Error>();
    sync::<Error>();
    // Not Sync: if Session or Sampler were Sync, both impls below would apply and the
    // calls would be ambiguous, which does not compile.
    trait AmbiguousIfSync<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfSync<()> for T {}
    impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}
    <Session as AmbiguousIfSync<_>>::check();
    <Sampler as AmbiguousIfSync<_>>::check();
}

// ------------------------------------------------------------------------------------
// With the model
// ------------------------------------------------------------------------------------

#[test]
fn model_info_metadata_and_tokens() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let info = m.info();
    assert_eq!((info.n_vocab, info.n_layer, info.n_embd), (49152, 30, 576));
    assert!(!info.vocab_only && info.n_params > 100_000_000);
    assert_eq!(m.meta("general.architecture").unwrap().as_deref(), Some("llama"));
    assert_eq!(m.meta("no.such.key").unwrap(), None);

    let tokens = m.tokenize("Hello, world!", false, false).unwrap();
    assert!(!tokens.is_empty());
    assert_eq!(m.detokenize(&tokens).unwrap(), "Hello, world!");
    assert_eq!(m.detokenize_with(&tokens, false).unwrap(), "Hello, world!");
    let pieces: Vec<u8> = tokens.iter().flat_map(|&t| m.token_to_piece(t).unwrap()).collect();
    assert_eq!(pieces, b"Hello, world!");
    assert!(m.tokenize("", false, false).unwrap().is_empty());

    let eos = m.token_eos().expect("SmolLM2 names its EOS");
    assert!(m.is_end_of_generation(eos));
    assert!(!m.is_end_of_generation(tokens[0]));
    let im_start = m.tokenize("<|im_start|>", false, true).unwrap();
    assert_eq!(im_start.len(), 1);
    assert_eq!(m.token_to_piece(im_start[0]).unwrap(), b"<|im_start|>");
    assert_eq!(m.token_to_piece(-1).unwrap_err().status(), Status::InvalidArgument);

    let prompt = question(&m, "Hi");
    assert!(prompt.contains("<|im_start|>user\nHi<|im_end|>"), "{prompt}");

    let vocab = Model::load_with(&path, &ModelParams::vocab_only()).unwrap();
    assert!(vocab.info().vocab_only);
    assert_eq!(vocab.tokenize("Hello, world!", false, false).unwrap(), tokens);
    assert_eq!(Session::new(&vocab).unwrap_err().status(), Status::InvalidArgument);
}

#[test]
fn generate_streams_the_answer() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let mut s = small_session(&m);
    let mut sampler = Sampler::greedy().unwrap();
    let mut pieces = Vec::new();
    let r = s
        .generate(&mut sampler, &question(&m, "What is the capital of France?"), &GenerateParams::max_tokens(48), |t| {
            pieces.push(t.to_string());
            true
        })
        .unwrap();
    let text = pieces.concat();
    assert!(text.contains("Paris"), "{text}");
    assert!(pieces.len() > 1, "streamed in pieces: {pieces:?}");
    assert_eq!(r.stop_reason, StopReason::EndOfGeneration);
    assert!(r.n_generated > 0 && r.n_prompt_tokens > 0 && r.n_prompt_evaluated == r.n_prompt_tokens);
    assert_eq!(s.position(), r.n_prompt_tokens + r.n_generated); // the EOG token is not cached

    // The next turn re-evaluates only its new text.
    let turn2 = format!(
        "{}{}<|im_end|>\n<|im_start|>user\nAnd of Italy?<|im_end|>\n<|im_start|>assistant\n",
        question(&m, "What is the capital of France?"),
        text
    );
    let (text2, r2) = s.generate_text(&mut sampler, &turn2, &GenerateParams::max_tokens(48)).unwrap();
    assert!(text2.contains("Rome"), "{text2}");
    assert!(r2.n_prompt_evaluated < r2.n_prompt_tokens, "{r2:?}");
}

#[test]
fn generation_stops_where_asked() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let q = question(&m, "What is the capital of France?");
    let mut sampler = Sampler::greedy().unwrap();

    let mut s = small_session(&m);
    let r = s.generate(&mut sampler, &q, &GenerateParams::max_tokens(3), |_| true).unwrap();
    assert_eq!((r.stop_reason, r.n_generated), (StopReason::MaxTokens, 3));

    let mut s = small_session(&m);
    let (text, r) = s.generate_text(&mut sampler, &q, &GenerateParams::max_tokens(48).stop("Paris")).unwrap();
    assert_eq!(r.stop_reason, StopReason::StopString);
    assert!(!text.contains("Paris"), "{text}");

    let mut s = small_session(&m);
    let mut calls = 0;
    let r = s
        .generate(&mut sampler, &q, &GenerateParams::default(), |_| {
            calls += 1;
            false
        })
        .unwrap();
    assert_eq!((r.stop_reason, calls), (StopReason::Callback, 1));

    let e = s.generate(&mut sampler, "", &GenerateParams::default(), |_| true).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);

    let mut tiny = Session::with_params(&m, &SessionParams::with_n_ctx(8).n_threads(1)).unwrap();
    let e = tiny.generate(&mut sampler, &q, &GenerateParams::default(), |_| true).unwrap_err();
    assert_eq!(e.status(), Status::ContextFull, "{e}");
}

#[test]
fn a_cancel_handle_stops_generation_and_the_session_stays_usable() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let mut s = small_session(&m);
    let mut sampler = Sampler::greedy().unwrap();
    let q = question(&m, "Write a long story about a dragon.");

    // From the callback (the header allows it on the generating thread).
    let cancel = s.cancel_handle();
    let mut pieces = 0;
    let e = s
        .generate(&mut sampler, &q, &GenerateParams::max_tokens(200), |_| {
            pieces += 1;
            if pieces == 2 {
                cancel.cancel();
            }
            true
        })
        .unwrap_err();
    assert_eq!(e.status(), Status::Cancelled);
    assert!(pieces >= 2);

    // From another thread, while generating.
    let cancel = s.cancel_handle();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let canceller = std::thread::spawn(move || {
        rx.recv().unwrap();
        cancel.cancel();
    });
    let mut tx = Some(tx);
    let res = s.generate(&mut sampler, &q, &GenerateParams { max_tokens: None, ..GenerateParams::default() }, |_| {
        if let Some(tx) = tx.take() {
            tx.send(()).unwrap();
        }
        true
    });
    canceller.join().unwrap();
    assert_eq!(res.unwrap_err().status(), Status::Cancelled);

    // Still usable; a handle may outlive its session.
    let late = s.cancel_handle();
    s.rewind(0).unwrap();
    let (text, _) = s
        .generate_text(&mut sampler, &question(&m, "What is the capital of France?"), &GenerateParams::max_tokens(32))
        .unwrap();
    assert!(text.contains("Paris"), "{text}");
    drop(s);
    late.cancel();
}

#[test]
fn a_shared_model_serves_sessions_on_several_threads() {
    let Some(path) = model_path() else { return };
    let m = Arc::new(Model::load(&path).unwrap());
    let handles: Vec<_> = ["France", "Italy"]
        .into_iter()
        .map(|country| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                let mut s = small_session(&m);
                let mut sampler = Sampler::greedy().unwrap();
                let q = question(&m, &format!("What is the capital of {country}?"));
                s.generate_text(&mut sampler, &q, &GenerateParams::max_tokens(32)).unwrap().0
            })
        })
        .collect();
    let answers: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(answers[0].contains("Paris") && answers[1].contains("Rome"), "{answers:?}");
    // A session moved to another thread and back.
    let mut s = small_session(&m);
    s = std::thread::spawn(move || {
        s.decode(&[1, 2, 3]).unwrap();
        s
    })
    .join()
    .unwrap();
    assert_eq!(s.position(), 3);
}

#[test]
fn tokens_iterator_decode_logits_and_state() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let prompt = m.tokenize(question(&m, "What is the capital of France?"), true, true).unwrap();

    let mut s = small_session(&m);
    let mut sampler = Sampler::greedy().unwrap();
    let mut decoder = TextDecoder::new();
    let mut text = String::new();
    for t in s.tokens(&m, &mut sampler, &prompt, Some(48)).unwrap() {
        text += &decoder.push(&m.token_to_piece(t.unwrap()).unwrap());
    }
    text += &decoder.finish();
    assert!(text.contains("Paris"), "{text}");

    // decode, logits, state round trip, rewind.
    let mut a = small_session(&m);
    assert!(a.logits().is_none());
    a.decode(&prompt).unwrap();
    let logits = a.logits().unwrap().to_vec();
    assert_eq!(logits.len(), 49152);
    let state = a.state().unwrap();
    let mut b = small_session(&m);
    b.set_state(&state).unwrap();
    assert_eq!(b.position(), prompt.len() as u32);
    assert_eq!(b.logits().unwrap(), &logits[..]);
    let file = std::env::temp_dir().join(format!("llamaswift-rs-state-{}", std::process::id()));
    a.save_state(&file).unwrap();
    let mut c = small_session(&m);
    c.load_state(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(c.logits().unwrap(), &logits[..]);
    assert_eq!(c.set_state(b"not a state").unwrap_err().status(), Status::Format);
    // Continuing the restored session equals continuing the original.
    let mut sa = Sampler::greedy().unwrap();
    let mut sc = Sampler::greedy().unwrap();
    let ta = sa.sample(&a).unwrap();
    assert_eq!(sc.sample(&c).unwrap(), ta);
    a.decode(&[ta]).unwrap();
    c.decode(&[ta]).unwrap();
    assert_eq!(a.logits(), c.logits());
    c.rewind(2).unwrap();
    assert_eq!(c.position(), 2);
    assert!(c.logits().is_none());
    assert_eq!(c.rewind(5).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(c.decode(&[]).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(c.decode(&[1 << 30]).unwrap_err().status(), Status::InvalidArgument);

    let mut all =
        Session::with_params(&m, &SessionParams { logits_all: true, ..SessionParams::with_n_ctx(64).n_threads(1) })
            .unwrap();
    all.decode(&prompt[..4]).unwrap();
    assert_eq!(all.all_logits().unwrap().len(), 4 * 49152);
    assert_eq!(all.logits().unwrap().len(), 49152);
}

#[test]
fn a_panic_in_the_callback_reaches_the_caller() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let mut s = small_session(&m);
    let mut sampler = Sampler::greedy().unwrap();
    let q = question(&m, "What is the capital of France?");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.generate(&mut sampler, &q, &GenerateParams::max_tokens(8), |_| panic!("from the callback"));
    }));
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"from the callback"));
    let (text, _) = s.generate_text(&mut sampler, &q, &GenerateParams::max_tokens(32)).unwrap();
    assert!(text.contains("Paris"), "{text}");
}

// ------------------------------------------------------------------------------------
// Grammars (0.5)
// ------------------------------------------------------------------------------------

#[test]
fn a_yes_no_grammar_answers_yes_or_no() {
    let Some(p) = model_path() else { return };
    let m = Model::load(&p).unwrap();
    let mut s = small_session(&m);
    let mut sampler = Sampler::new(&SamplerParams::seeded(5)).unwrap();
    let e = sampler.set_grammar(&m, Some("root ::= \"a\"\nb ::= c")).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("line 2, column 7"), "{e}");
    sampler.set_grammar(&m, Some("root ::= \"yes\" | \"no\"")).unwrap();
    let (text, r) = s.generate_text(&mut sampler, &question(&m, "Is snow cold?"), &GenerateParams::max_tokens(8)).unwrap();
    assert!(text == "yes" || text == "no", "{text}");
    assert_eq!(r.stop_reason, StopReason::EndOfGeneration);
}

#[test]
fn json_schema_to_grammar_converts_and_refuses_unsupported_keywords() {
    let g = json_schema_to_grammar(r#"{"type":"boolean"}"#).unwrap();
    assert!(g.starts_with("root ::= "), "{g}");
    let e = json_schema_to_grammar(r#"{"type":"array","uniqueItems":true}"#).unwrap_err();
    assert_eq!(e.status(), Status::Unsupported);
    assert!(e.message().contains("uniqueItems"), "{e}");
}

/// Logit bias and log-probabilities (0.5): a ban is never sampled, and the reported
/// log-probabilities are a log-softmax of the session's logits computed here.
#[test]
fn logit_bias_and_logprobs() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let mut s = small_session(&m);
    let toks = m.tokenize("The capital of France is", true, false).unwrap();
    s.decode(&toks).unwrap();
    let logits = s.logits().unwrap().to_vec();
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, |a, b| a.max(b as f64));
    let lse = max + logits.iter().map(|&l| (l as f64 - max).exp()).sum::<f64>().ln();
    let best = (0..logits.len()).max_by(|&a, &b| logits[a].partial_cmp(&logits[b]).unwrap().then(b.cmp(&a))).unwrap();
    for seed in 0..10 {
        let mut smp = Sampler::new(&SamplerParams { temperature: 1.0, ..SamplerParams::seeded(seed) }).unwrap();
        smp.set_logit_bias(&[(best as Token, f32::NEG_INFINITY)]).unwrap();
        let t = smp.sample(&s).unwrap();
        assert_ne!(t, best as Token);
        let ((chosen, lp), top) = smp.last_logprobs(3).unwrap();
        assert_eq!(chosen, t);
        assert!((lp as f64 - (logits[t as usize] as f64 - lse)).abs() < 1e-4);
        assert_eq!(top[0].0, best as Token);
        assert!((top[0].1 as f64 - (logits[best] as f64 - lse)).abs() < 1e-4);
    }
    let mut smp = Sampler::greedy().unwrap();
    assert!(smp.set_logit_bias(&[(-1, 1.0)]).is_err());
}

/// Embeddings (0.5): the mean-pooled vector equals the mean of the per-token rows.
#[test]
fn embeddings_mean_pooling() {
    let Some(path) = model_path() else { return };
    let m = Model::load(&path).unwrap();
    let toks = m.tokenize("Hello world", true, false).unwrap();
    let params = |pooling| SessionParams { embeddings: true, pooling_type: pooling, ..SessionParams::with_n_ctx(64) };
    let mut none = Session::with_params(&m, &params(0)).unwrap();
    let mut mean = Session::with_params(&m, &params(1)).unwrap();
    none.decode(&toks).unwrap();
    mean.decode(&toks).unwrap();
    assert!(none.logits().is_none());
    let (rows, n) = none.embeddings().unwrap();
    let (pooled, one) = mean.embeddings().unwrap();
    let e = m.info().n_embd as usize;
    assert_eq!((n, one, pooled.len()), (toks.len(), 1, e));
    for j in 0..e {
        let want = (0..n).map(|r| rows[r * e + j] as f64).sum::<f64>() / n as f64;
        assert!((pooled[j] as f64 - want).abs() < 1e-5);
    }
}
