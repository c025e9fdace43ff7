//! The program answers "Paris" (needs the model: `make model`, or LLAMASWIFT_TEST_MODEL),
//! and reports errors with the library's message.
use std::path::PathBuf;
use std::process::Command;

const PROGRAM: &str = env!("CARGO_BIN_EXE_llamaswift-chat");

#[test]
fn answers_paris() {
    let model = match std::env::var_os("LLAMASWIFT_TEST_MODEL") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    };
    if !model.exists() {
        assert!(std::env::var_os("LLAMASWIFT_REQUIRE_MODEL").is_none(), "no model at {}", model.display());
        println!("skipped: no model at {}", model.display());
        return;
    }
    let out = Command::new(PROGRAM).arg(&model).arg("What is the capital of France?").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer = String::from_utf8(out.stdout).unwrap();
    assert!(answer.contains("Paris"), "{answer}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("stop: EndOfGeneration"));
}

#[test]
fn a_missing_model_is_reported() {
    let out = Command::new(PROGRAM).args(["/nonexistent.gguf", "Hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent.gguf") && err.contains("LLAMASWIFT_ERR_IO"), "{err}");
    let usage = Command::new(PROGRAM).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
