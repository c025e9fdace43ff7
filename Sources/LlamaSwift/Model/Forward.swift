import LlamaSwiftKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The LLaMA 2 decoder, top to bottom, for one chunk of up to `batchSize` tokens at
/// positions start ..< start + n:
///
///     x = embedding(tokens)                                  [n, E]
///     for each block:
///         h = RMSNorm(x) · attn_norm
///         q, k, v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ                      [n, Q], [n, KV], [n, KV]
///         rotate q and k (RoPE); append k, v to the cache
///         a = causal softmax(q·Kᵀ/√d)·V, per head           [n, Q]
///         x = x + a·Woᵀ
///         h = RMSNorm(x) · ffn_norm
///         x = x + (silu(h·W_gateᵀ) ⊙ h·W_upᵀ)·W_downᵀ
///     logits = (RMSNorm(x) · output_norm)·W_outᵀ              [V] (last token) or [n, V]
///
/// Query head h reads key/value head h / (n_head / n_head_kv): one code path for MHA
/// (n_head_kv = n_head), GQA and MQA (n_head_kv = 1).
extension Session {
    func forward(
        tokens: UnsafeBufferPointer<Int32>, start: Int, seqLen: Int, logitsAll: Bool,
        logitsOut: UnsafeMutablePointer<Float>?
    ) throws {
        let c = config
        let n = tokens.count
        let E = c.embeddingLength, Q = c.qWidth, KV = c.kvWidth, F = c.feedForwardLength
        let x = self.x.pointer, xb = self.xb.pointer
        let q = self.q.pointer, k = self.k.pointer, v = self.v.pointer
        let attnOut = self.attnOut.pointer, proj = self.proj.pointer
        let gate = self.gate.pointer, up = self.up.pointer
        let rot = c.ropeDimensionCount
        let table = ropeTable.pointer

        for t in 0..<n { Ops.embedding(weights.tokenEmbedding, token: Int(tokens[t]), into: x + t * E) }
        rope.fillTable(table, start: start, count: n, seqLen: seqLen)

        for (layer, w) in weights.blocks.enumerated() {
            try checkCancel()

            // Attention sub-layer.
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.attnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            Matmul.multiply(w.wq, xb, tokens: n, into: q, acts: acts, pool: pool, reuse: false)
            Matmul.multiply(w.wk, xb, tokens: n, into: k, acts: acts, pool: pool, reuse: true)
            Matmul.multiply(w.wv, xb, tokens: n, into: v, acts: acts, pool: pool, reuse: true)
            perToken(n) { t in
                let tt = UnsafePointer(table + t * rot)
                RoPE.apply(q + t * Q, heads: c.headCount, headDim: c.headDim, dims: rot, table: tt)
                RoPE.apply(k + t * KV, heads: c.headCountKV, headDim: c.headDim, dims: rot, table: tt)
            }
            storeKV(layer: layer, start: start, n: n)
            attention(layer: layer, start: start, n: n)
            Matmul.multiply(w.wo, attnOut, tokens: n, into: proj, acts: acts, pool: pool, reuse: false)
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }

            // Feed-forward sub-layer (SwiGLU).
            perToken(n) { t in Ops.rmsNorm(x + t * E, w.ffnNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            Matmul.multiply(w.wGate, xb, tokens: n, into: gate, acts: acts, pool: pool, reuse: false)
            Matmul.multiply(w.wUp, xb, tokens: n, into: up, acts: acts, pool: pool, reuse: true)
            perToken(n) { t in Ops.swiglu(gate + t * F, up + t * F, F) }
            Matmul.multiply(w.wDown, gate, tokens: n, into: proj, acts: acts, pool: pool, reuse: false)
            perToken(n) { t in Ops.add(x + t * E, proj + t * E, E) }
        }

        guard let out = logitsOut else { return }
        if logitsAll {
            for t in 0..<n { Ops.rmsNorm(x + t * E, weights.outputNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            Matmul.multiply(weights.output, xb, tokens: n, into: out, acts: acts, pool: pool, reuse: false)
        } else {
            Ops.rmsNorm(x + (n - 1) * E, weights.outputNorm, xb, E, eps: c.rmsEpsilon)
            Matmul.multiply(weights.output, xb, tokens: 1, into: out, acts: acts, pool: pool, reuse: false)
        }
    }

    /// Runs `body(t)` for the chunk's tokens, split across the pool when there are
    /// several (element-wise per token, so the split cannot change a result).
    private func perToken(_ n: Int, _ body: (Int) -> Void) {
        if n == 1 {
            body(0)
            return
        }
        pool.parallelFor(n) { range in
            for t in range { body(t) }
        }
    }

    /// Writes the chunk's rotated keys and its values into the cache rows start ..< start+n.
    private func storeKV(layer: Int, start: Int, n: Int) {
        let KV = config.kvWidth
        let kRows = cache.rows(layer: layer, values: false), vRows = cache.rows(layer: layer, values: true)
        perToken(n) { t in
            let off = (start + t) * cache.rowBytes
            switch cache.type {
            case .f16:
                AttentionKernels.storeF16((kRows + off).assumingMemoryBound(to: UInt16.self), k.pointer + t * KV, KV)
                AttentionKernels.storeF16((vRows + off).assumingMemoryBound(to: UInt16.self), v.pointer + t * KV, KV)
            case .f32:
                (kRows + off).assumingMemoryBound(to: Float.self).update(from: k.pointer + t * KV, count: KV)
                (vRows + off).assumingMemoryBound(to: Float.self).update(from: v.pointer + t * KV, count: KV)
            }
        }
    }

    /// Causal attention for every (token, head) of the chunk, split across workers by
    /// (token, head) pairs dealt out in turn (token t attends to start+t+1 keys, so
    /// contiguous shares would give the last worker most of the work); each worker has
    /// its own row of `scores`.
    private func attention(layer: Int, start: Int, n: Int) {
        let c = config
        let hd = c.headDim, Q = c.qWidth, nHead = c.headCount
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let kRows = UnsafeRawPointer(cache.rows(layer: layer, values: false))
        let vRows = UnsafeRawPointer(cache.rows(layer: layer, values: true))
        let rowBytes = cache.rowBytes
        let f16 = cache.type == .f16
        let q = self.q.pointer, out = attnOut.pointer, scores = self.scores.pointer
        let ctx = contextLength
        let items = n * nHead
        let workers = pool.threadCount
        let kernels = KernelSet.active
        pool.run { w in
            let sc = scores + w * ctx
            // AttentionKernels.head: with an F16 cache the query and the attention weights
            // are rounded to F16 before they meet the cached rows, as llama.cpp's F16
            // matmuls do, which keeps our logits within float noise of llama.cpp's.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: hd) { qbuf in
                let qr = qbuf.baseAddress!
                for item in stride(from: w, to: items, by: workers) {
                    let t = item / nHead, h = item % nHead
                    let last = start + t
                    let kvOffset = (h / group) * hd
                    kernels.attendHead(
                        q + t * Q + h * hd, hd, last, kRows, vRows, rowBytes, kvOffset, f16, scale, qr, sc,
                        out + t * Q + h * hd)
                }
            }
        }
    }
}
