// libFuzzer target: byte-level BPE tokenizer (SmolLM2's vocabulary, loaded vocab-only).
import LlamaSwiftEngine

let bpeTokenizer = Fuzz.load("models/SmolLM2-135M-Instruct.Q4_1.gguf", vocabOnly: true).tokenizer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizeBPE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Fuzz.tokenizeOne(bpeTokenizer, data, size)
    return 0
}
