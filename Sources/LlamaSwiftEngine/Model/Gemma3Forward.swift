/// The Gemma 3 decoder (text), top to bottom, for one chunk of up to `batchSize` tokens,
/// each at its own position in its own session's cache (Chunk) (llama.cpp's models/gemma3.cpp, Hugging Face's
/// Gemma3ForCausalLM):
///
///     x = embedding(tokens) · √E                             [n, E]
///     for each block (local: sliding window W, RoPE base freq_base_swa, no scaling;
///                     global: every position, RoPE base freq_base and its scaling):
///         h = RMSNorm(x) · attn_norm
///         q, k, v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ                      [n, Q], [n, KV], [n, KV]
///         q, k = RMSNorm per head · attn_q_norm, attn_k_norm  (width d = key_length)
///         rotate q and k (RoPE, rotate-half pairs); append k, v to the cache
///         a = causal softmax(q·Kᵀ·scale)·V, per head         [n, Q]  (scale = 1/√d)
///         x = x + RMSNorm(a·Woᵀ) · post_attention_norm
///         h = RMSNorm(x) · ffn_norm
///         x = x + RMSNorm((gelu(h·W_gateᵀ) ⊙ h·W_upᵀ)·W_downᵀ) · post_ffw_norm
///     logits = (RMSNorm(x) · output_norm)·W_outᵀ              (W_out = the embedding when tied)
///
/// Gemma's RMSNorm multiplies by (1 + w); llama.cpp's converter stores 1 + w in the
/// GGUF, so every norm here is a plain RMSNorm. gelu is the tanh approximation
/// (Hugging Face's gelu_pytorch_tanh), computed exactly with an F32 KV cache and with
/// llama.cpp's F16 table with an F16 cache (Ops.geglu). Which layers are local:
/// ModelConfig.isLocalLayer.
///
/// Every matmul input is quantized once, in a visible line, for the matrices it feeds
/// (`matmul.quantize(h, n, for: …)`: the 8-bit formats their layouts read); the value
/// it returns is what those matrices multiply, and is valid until the next quantize.
extension Session {
    func gemma3Forward(_ chunk: Chunk, logitsOut: UnsafeMutablePointer<Float>?) throws {
        let c = config
        let n = chunk.count
        let E = c.embeddingLength, F = c.feedForwardLength
        let x = self.x.pointer, xb = self.xb.pointer
        let q = self.q.pointer, k = self.k.pointer, v = self.v.pointer
        let attnOut = self.attnOut.pointer, proj = self.proj.pointer
        let gate = self.gate.pointer, up = self.up.pointer
        let globalTable = ropeTable.pointer
        let localTable = (ropeTableLocal ?? ropeTable).pointer

        let embeddingScale = Float(E).squareRoot()
        for t in 0..<n {
            Ops.embedding(weights.tokenEmbedding, token: Int(chunk.tokens[t]), into: x + t * E)
            Ops.scale(x + t * E, embeddingScale, E)
        }
        fillRopeTable(globalTable, chunk, local: false)
        if ropeLocal != nil { fillRopeTable(localTable, chunk, local: true) }

        for (layer, w) in weights.blocks.enumerated() {
            try checkLayer(layer, chunk)
            let local = c.slidingWindow > 0 && c.isLocalLayer[layer]

            // Attention sub-layer.
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.attnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            let h = matmul.quantize(xb, n, for: w.wq, w.wk, w.wv)
            matmul.multiply(w.wq, h, into: q)
            matmul.multiply(w.wk, h, into: k)
            matmul.multiply(w.wv, h, into: v)
            if let qn = w.qNorm { normalizeHeads(q, qn, heads: c.headCount, n: n) }
            if let kn = w.kNorm { normalizeHeads(k, kn, heads: c.headCountKV, n: n) }
            rotate(table: local ? localTable : globalTable, n: n)
            storeKV(layer: layer, chunk)
            attention(layer: layer, chunk, window: local ? c.slidingWindow : 0)
            matmul.multiply(w.wo, matmul.quantize(attnOut, n, for: w.wo), into: proj)
            if let pn = w.postAttnNorm {
                perToken(n) { t in Ops.rmsNorm(proj + t * E, pn, proj + t * E, E, eps: c.rmsEpsilon) }
            }
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }

            // Feed-forward sub-layer (GELU-gated).
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.ffnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            let hf = matmul.quantize(xb, n, for: w.wGate, w.wUp)
            matmul.multiply(w.wGate, hf, into: gate)
            matmul.multiply(w.wUp, hf, into: up)
            let f16 = !cache.isF32
            perToken(n) { t in Ops.geglu(gate + t * F, up + t * F, F, f16Table: f16) }
            matmul.multiply(w.wDown, matmul.quantize(gate, n, for: w.wDown), into: proj)
            if let pn = w.postFfnNorm {
                perToken(n) { t in Ops.rmsNorm(proj + t * E, pn, proj + t * E, E, eps: c.rmsEpsilon) }
            }
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }
        }

        guard let out = logitsOut else { return }
        outputLogits(chunk, into: out)
    }
}
