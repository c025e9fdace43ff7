import CLlamaSwift
import LlamaSwiftEngine

/// Most entries one llamaswift_sampler_set_logit_bias call accepts (the header's limit).
let maxLogitBiasEntries = 1 << 20

@c @implementation
public func llamaswift_sampler_set_logit_bias(
    _ smp: OpaquePointer!, _ bias: UnsafePointer<llamaswift_logit_bias>!, _ n: Int
) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        let n = try sizeArgument(n, "n")
        guard n <= maxLogitBiasEntries else {
            throw LlamaError(
                .invalidArgument, "n = \(n) logit bias entries is over the limit of \(maxLogitBiasEntries)")
        }
        guard bias != nil || n == 0 else { throw LlamaError(.invalidArgument, "bias is NULL but n is \(n)") }
        let entries = (0..<n).map { (token: bias[$0].token, bias: bias[$0].bias) }
        try sampler.setLogitBias(entries)
    }
}

@c @implementation
public func llamaswift_sampler_last_logprobs(
    _ smp: OpaquePointer!, _ chosen: UnsafeMutablePointer<llamaswift_token_logprob>!,
    _ top: UnsafeMutablePointer<llamaswift_token_logprob>!, _ nTop: Int, _ nWritten: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        let nTop = try sizeArgument(nTop, "n_top")
        guard top != nil || nTop == 0 else { throw LlamaError(.invalidArgument, "top is NULL but n_top is \(nTop)") }
        guard let lp = sampler.lastLogProbs(top: nTop) else {
            throw LlamaError(.invalidArgument, "the sampler has sampled no token yet")
        }
        chosen?.pointee = llamaswift_token_logprob(token: lp.token, logprob: lp.logProb)
        for (i, t) in lp.top.enumerated() { top[i] = llamaswift_token_logprob(token: t.token, logprob: t.logProb) }
        nWritten?.pointee = lp.top.count
    }
}

@c @implementation
public func llamaswift_session_embeddings(
    _ s: OpaquePointer!, _ nRows: UnsafeMutablePointer<Int>!
) -> UnsafePointer<Float>! {
    let e = Handles.peek(s, .session, as: SessionHandle.self)?.session.currentEmbeddings
    nRows?.pointee = e?.rows ?? 0
    return e?.pointer
}
