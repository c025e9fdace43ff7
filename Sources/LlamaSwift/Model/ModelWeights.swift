/// A 2-D weight matrix used in place from the mapping: `rows` rows of `cols` elements,
/// each row `rowBytes` bytes of `type` blocks. (ggml stores a matrix with dims
/// [cols, rows]: dims[0] is contiguous.)
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let data: UnsafeRawPointer

    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }
}

/// The tensors of one decoder block.
public struct BlockWeights: @unchecked Sendable {
    public let attnNorm: UnsafePointer<Float>  // [n_embd]
    public let wq: WeightMatrix  // [n_head·d] × n_embd
    public let wk: WeightMatrix  // [n_head_kv·d] × n_embd
    public let wv: WeightMatrix  // [n_head_kv·d] × n_embd
    public let wo: WeightMatrix  // n_embd × [n_head·d]
    public let ffnNorm: UnsafePointer<Float>  // [n_embd]
    public let wGate: WeightMatrix  // n_ff × n_embd
    public let wUp: WeightMatrix  // n_ff × n_embd
    public let wDown: WeightMatrix  // n_embd × n_ff
}

/// All weights of a LLaMA model, looked up by their GGUF names and checked for shape
/// and type. Nothing is copied: every pointer is into the mapped file.
public struct ModelWeights: @unchecked Sendable {
    public let tokenEmbedding: WeightMatrix  // n_vocab × n_embd
    public let outputNorm: UnsafePointer<Float>  // [n_embd]
    /// The output projection; the token embedding when the file has no output.weight.
    public let output: WeightMatrix  // n_vocab × n_embd
    public let blocks: [BlockWeights]

    init(gguf: GGUFFile, config c: ModelConfig) throws {
        func matrix(_ name: String, rows: Int, cols: Int, compute: Bool = true) throws -> WeightMatrix {
            guard let t = gguf.tensor(named: name) else { throw LlamaError.format("missing tensor '\(name)'") }
            guard t.dims.count <= 2, t.dims[0] == cols, (t.dims.count == 2 ? t.dims[1] : 1) == rows else {
                throw LlamaError.format("tensor '\(name)' has shape \(t.dims), expected [\(cols), \(rows)]")
            }
            guard t.type.isSupportedForCompute else {
                throw LlamaError.unsupported("tensor '\(name)' has type \(t.type), which this engine cannot compute with")
            }
            // rowBytes exists: the parser checked cols is a whole number of blocks.
            let rb = t.type.rowBytes(cols) ?? 0
            return WeightMatrix(name: name, type: t.type, rows: rows, cols: cols, rowBytes: rb, data: gguf.data(of: t))
        }
        func vector(_ name: String, _ n: Int) throws -> UnsafePointer<Float> {
            guard let t = gguf.tensor(named: name) else { throw LlamaError.format("missing tensor '\(name)'") }
            guard t.dims == [n] else { throw LlamaError.format("tensor '\(name)' has shape \(t.dims), expected [\(n)]") }
            guard t.type == .f32 else { throw LlamaError.unsupported("tensor '\(name)' has type \(t.type); norms must be F32") }
            guard t.fileOffset % 4 == 0 else { throw LlamaError.format("tensor '\(name)' data is not 4-byte aligned") }
            return gguf.data(of: t).assumingMemoryBound(to: Float.self)
        }
        let e = c.embeddingLength
        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabularySize, cols: e)
        outputNorm = try vector("output_norm.weight", e)
        if gguf.tensor(named: "output.weight") != nil {
            output = try matrix("output.weight", rows: c.vocabularySize, cols: e)
        } else {
            output = tokenEmbedding
        }
        var blocks: [BlockWeights] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            blocks.append(
                BlockWeights(
                    attnNorm: try vector(p + "attn_norm.weight", e),
                    wq: try matrix(p + "attn_q.weight", rows: c.qWidth, cols: e),
                    wk: try matrix(p + "attn_k.weight", rows: c.kvWidth, cols: e),
                    wv: try matrix(p + "attn_v.weight", rows: c.kvWidth, cols: e),
                    wo: try matrix(p + "attn_output.weight", rows: e, cols: c.qWidth),
                    ffnNorm: try vector(p + "ffn_norm.weight", e),
                    wGate: try matrix(p + "ffn_gate.weight", rows: c.feedForwardLength, cols: e),
                    wUp: try matrix(p + "ffn_up.weight", rows: c.feedForwardLength, cols: e),
                    wDown: try matrix(p + "ffn_down.weight", rows: e, cols: c.feedForwardLength)))
        }
        self.blocks = blocks
    }
}
