// libFuzzer target: SentencePiece tokenizer (llama.cpp's LLaMA SPM test vocabulary).
import LlamaSwiftEngine

let spmTokenizer = Fuzz.load("testdata/vocab/ggml-vocab-llama-spm.gguf", vocabOnly: true).tokenizer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizeSPM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Fuzz.tokenizeOne(spmTokenizer, data, size)
    return 0
}
