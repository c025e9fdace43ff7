//! Streams a greedy chat answer: `llamaswift-chat MODEL.gguf "question" [max_tokens]`.
use std::io::Write;

use llamaswift::{ChatMessage, GenerateParams, Model, Sampler, Session};

fn run(model_path: &str, question: &str, max_tokens: u32) -> llamaswift::Result<()> {
    let model = Model::load(model_path)?;
    let prompt = model.chat_format(None, &[ChatMessage::user(question)], true)?;
    let mut session = Session::new(&model)?;
    let mut sampler = Sampler::greedy()?;
    let mut stdout = std::io::stdout();
    let result = session.generate(&mut sampler, &prompt, &GenerateParams::max_tokens(max_tokens), |text| {
        // Stop if stdout is gone (a closed pipe).
        stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()).is_ok()
    })?;
    println!();
    eprintln!(
        "{} tokens at {:.1} tokens/s; stop: {:?}",
        result.n_generated, result.decode_tokens_per_second, result.stop_reason
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max_tokens = args.get(3).map(|n| n.parse::<u32>());
    if args.len() < 3 || args.len() > 4 || matches!(max_tokens, Some(Err(_))) {
        eprintln!("usage: {} MODEL.gguf QUESTION [MAX_TOKENS]", args[0]);
        std::process::exit(2);
    }
    if let Err(e) = run(&args[1], &args[2], max_tokens.and_then(Result::ok).unwrap_or(256)) {
        eprintln!("llamaswift-chat: {e}");
        std::process::exit(1);
    }
}
