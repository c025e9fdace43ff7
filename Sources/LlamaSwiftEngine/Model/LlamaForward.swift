/// The LLaMA decoder, top to bottom, for one chunk of up to `batchSize` tokens, each
/// at its own position in its own session's cache (Chunk: one session's consecutive
/// tokens, or runs of several sessions in a batched decode). It runs the `llama` (LLaMA 1/2/3.x, Mistral, SmolLM),
/// `qwen2` and `phi3` families: they differ only in what the loader finds (Architecture,
/// ModelWeights) — Q/K/V biases (Qwen2), a fused QKV and gate·up split into views
/// (Phi-3), LLaMA 3 frequency factors in the RoPE table, and which dimensions RoPE pairs.
///
///     x = embedding(tokens)                                  [n, E]
///     for each block:
///         h = RMSNorm(x) · attn_norm
///         q, k, v = h·Wqᵀ + bq, h·Wkᵀ + bk, h·Wvᵀ + bv       [n, Q], [n, KV], [n, KV]
///         rotate q and k (RoPE); append k, v to the cache
///         a = causal softmax(q·Kᵀ/√d)·V, per head           [n, Q]
///         x = x + a·Woᵀ + bo
///         h = RMSNorm(x) · ffn_norm
///         x = x + (silu(h·W_gateᵀ) ⊙ h·W_upᵀ)·W_downᵀ
///     logits = (RMSNorm(x) · output_norm)·W_outᵀ              [rows, V] (chunk.logitRows)
///
/// Biases are absent (nil) in most files. Query head h reads key/value head
/// h / (n_head / n_head_kv): one code path for MHA (n_head_kv = n_head), GQA and MQA
/// (n_head_kv = 1). Mistral files carry no sliding window (llama.cpp's converter writes
/// none and llama.cpp attends to the whole context), so neither do we.
///
/// Every matmul input is quantized once, in a visible line, for the matrices it feeds
/// (`matmul.quantize(h, n, for: …)`: the 8-bit formats their layouts read); the value
/// it returns is what those matrices multiply, and is valid until the next quantize.
extension Session {
    func llamaForward(_ chunk: Chunk, logitsOut: UnsafeMutablePointer<Float>?) throws {
        let c = config
        let n = chunk.count
        let E = c.embeddingLength, Q = c.qWidth, KV = c.kvWidth, F = c.feedForwardLength
        let x = self.x.pointer, xb = self.xb.pointer
        let q = self.q.pointer, k = self.k.pointer, v = self.v.pointer
        let attnOut = self.attnOut.pointer, proj = self.proj.pointer
        let gate = self.gate.pointer, up = self.up.pointer
        let table = ropeTable.pointer

        for t in 0..<n { Ops.embedding(weights.tokenEmbedding, token: Int(chunk.tokens[t]), into: x + t * E) }
        fillRopeTable(table, chunk, local: false)

        for (layer, w) in weights.blocks.enumerated() {
            try checkLayer(layer, chunk)

            // Attention sub-layer.
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.attnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            let h = matmul.quantize(xb, n, for: w.wq, w.wk, w.wv)
            matmul.multiply(w.wq, h, into: q)
            matmul.multiply(w.wk, h, into: k)
            matmul.multiply(w.wv, h, into: v)
            addBias(q, w.bq, width: Q, n: n)
            addBias(k, w.bk, width: KV, n: n)
            addBias(v, w.bv, width: KV, n: n)
            rotate(table: table, n: n)
            storeKV(layer: layer, chunk)
            attention(layer: layer, chunk)
            matmul.multiply(w.wo, matmul.quantize(attnOut, n, for: w.wo), into: proj)
            addBias(proj, w.bo, width: E, n: n)
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }

            // Feed-forward sub-layer (SwiGLU).
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.ffnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            let hf = matmul.quantize(xb, n, for: w.wGate, w.wUp)
            matmul.multiply(w.wGate, hf, into: gate)
            matmul.multiply(w.wUp, hf, into: up)
            perToken(n) { t in Ops.swiglu(gate + t * F, up + t * F, F) }
            matmul.multiply(w.wDown, matmul.quantize(gate, n, for: w.wDown), into: proj)
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }
        }

        guard let out = logitsOut else { return }
        outputLogits(chunk, into: out)
    }
}
