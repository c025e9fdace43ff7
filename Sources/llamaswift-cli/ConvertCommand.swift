import ArgumentParser
import LlamaSwiftEngine
import LlamaSwiftFormats

#if canImport(Glibc)
    import Glibc
#endif

/// `llamaswift convert IN -o OUT.gguf [--outtype T] [--kv-heads G]` (Converter).
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a GGUF file from a Hugging Face checkpoint folder or a GGUF file (retype, pool KV heads).",
        discussion: """
            IN is a folder (config.json, model.safetensors or sharded with model.safetensors.index.json, \
            tokenizer.json) or a GGUF file; OUT is a GGUF file llama.cpp loads. --outtype retypes every matrix \
            (vectors stay F32); without it matrices keep their type. --kv-heads G mean-pools each group of \
            H_kv/G key/value heads into one (the GQA paper's conversion; G = 1 is multi-query attention); G \
            must divide the model's KV head count. LLaMA folders get llama.cpp's Q/K row order.
            """)

    @Argument(help: ArgumentHelp("Checkpoint folder or GGUF file.", valueName: "in"))
    var input: String

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The GGUF file to write.", valueName: "file"))
    var output: String

    @Option(name: .customLong("outtype"), help: ArgumentHelp("f32, f16, bf16, q8_0 or q4_0.", valueName: "type"))
    var outType: String?

    @Option(
        name: .customLong("kv-heads"), parsing: .unconditional,
        help: ArgumentHelp("Key/value heads after mean-pooling (must divide the model's).", valueName: "G"))
    var kvHeads: Int?

    func validate() throws {
        if let t = outType, Self.types[t.lowercased()] == nil {
            throw ValidationError("--outtype \(t): use f32, f16, bf16, q8_0 or q4_0")
        }
        if let g = kvHeads { try inRange("--kv-heads", g, 1...(1 << 17)) }
    }

    static let types: [String: WeightType] = ["f32": .f32, "f16": .f16, "bf16": .bf16, "q8_0": .q8_0, "q4_0": .q4_0]

    func run() throws {
        try reportingErrors {
            let r = try Converter.convert(
                input: input, output: output, outType: outType.flatMap { Self.types[$0.lowercased()] }, kvHeads: kvHeads
            )
            let pooled =
                r.pooledFrom == r.headCountKV ? "\(r.headCountKV)" : "\(r.pooledFrom) → \(r.headCountKV) (mean-pooled)"
            print("wrote '\(output)': \(r.tensors) tensors, \(r.bytes) bytes of data; KV heads \(pooled)")
            for (name, change) in r.retyped.sorted(by: { $0.key < $1.key }).prefix(8) { print("  \(name): \(change)") }
            if r.retyped.count > 8 { print("  … \(r.retyped.count - 8) more retyped") }
        }
    }
}
