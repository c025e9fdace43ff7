import CLlamaSwift
import LlamaSwiftEngine

let defaultGenerateParams = llamaswift_generate_params(
    struct_size: UInt32(MemoryLayout<llamaswift_generate_params>.size), max_tokens: 256,
    tokenize_flags: LLAMASWIFT_TOKENIZE_ADD_SPECIAL | LLAMASWIFT_TOKENIZE_PARSE_SPECIAL,
    stop_strings: nil, n_stop_strings: 0, reuse_cache: true, n_keep: 0, context_shift: true, append: false,
    token_callback: nil, token_callback_user_data: nil, n_probs: 0)

/// The first struct_size that covers n_keep, context_shift and append: a smaller one is
/// a caller built before them, whose bytes there are padding, not fields.
let generateParamsShiftSize = MemoryLayout<llamaswift_generate_params>.offset(of: \.append)! + 1

/// The first struct_size that covers token_callback, its user data and n_probs (0.5).
let generateParamsTokenSize = MemoryLayout<llamaswift_generate_params>.offset(of: \.n_probs)! + 4

/// Most top tokens a generate reports per token (params.n_probs).
let maxProbs = 1 << 20

@c @implementation
public func llamaswift_generate_params_init(
    _ p: UnsafeMutablePointer<llamaswift_generate_params>!, _ size: Int
) -> llamaswift_status {
    guarded { try writeParams(p, size: size, value: defaultGenerateParams) }
}

@c @implementation
public func llamaswift_generate(
    _ s: OpaquePointer!, _ smp: OpaquePointer!, _ prompt: UnsafePointer<CChar>!, _ len: Int,
    _ params: UnsafePointer<llamaswift_generate_params>!, _ callback: llamaswift_piece_callback!,
    _ user: UnsafeMutableRawPointer!, _ resultOut: UnsafeMutablePointer<llamaswift_generate_result>!
) -> llamaswift_status {
    var result = GenerateResult()
    let status = guarded {
        let session = try sessionFrom(s)
        let sampler = try samplerFrom(smp)
        let len = try sizeArgument(len, "len")
        guard prompt != nil || len == 0 else { throw LlamaError(.invalidArgument, "prompt is NULL but len is \(len)") }
        if let r = resultOut {
            let size = UnsafeRawPointer(r).loadUnaligned(as: UInt32.self)
            guard size >= 4 else {
                throw LlamaError(
                    .invalidArgument, "result->struct_size is \(size); set it to sizeof(llamaswift_generate_result)")
            }
        }
        let p = try readParams(params, defaults: defaultGenerateParams, name: "params")
        guard p.max_tokens >= -1 else { throw LlamaError(.invalidArgument, "max_tokens \(p.max_tokens) must be ≥ -1") }
        guard p.tokenize_flags & ~UInt32(3) == 0 else { throw LlamaError(.invalidArgument, "unknown tokenize_flags") }
        var o = GenerateOptions()
        o.maxTokens = Int(p.max_tokens)
        o.addSpecial = p.tokenize_flags & LLAMASWIFT_TOKENIZE_ADD_SPECIAL != 0
        o.parseSpecial = p.tokenize_flags & LLAMASWIFT_TOKENIZE_PARSE_SPECIAL != 0
        o.reuseCache = p.reuse_cache
        if p.struct_size >= generateParamsShiftSize {
            o.keep = Int(p.n_keep)
            o.contextShift = p.context_shift
            o.append = p.append
        }
        var tokenCallback: llamaswift_token_callback? = nil
        var tokenUser: UnsafeMutableRawPointer? = nil
        if p.struct_size >= generateParamsTokenSize {
            guard p.n_probs <= maxProbs else {
                throw LlamaError(.invalidArgument, "n_probs \(p.n_probs) is over the limit of \(maxProbs)")
            }
            o.nProbs = Int(p.n_probs)
            tokenCallback = p.token_callback
            tokenUser = p.token_callback_user_data
        }
        let nStops = try sizeArgument(p.n_stop_strings, "params->n_stop_strings")
        if nStops > 0 {
            guard let list = p.stop_strings else {
                throw LlamaError(.invalidArgument, "stop_strings is NULL but n_stop_strings is \(p.n_stop_strings)")
            }
            guard p.n_stop_strings <= 1024 else { throw LlamaError(.invalidArgument, "at most 1024 stop strings") }
            for i in 0..<p.n_stop_strings {
                guard let sp = list[i] else { throw LlamaError(.invalidArgument, "stop_strings[\(i)] is NULL") }
                o.stopStrings.append(Array(String(cString: sp).utf8))
            }
        }
        try Generator.generate(
            session: session, sampler: sampler,
            prompt: UnsafeRawBufferPointer(start: prompt.map { UnsafeRawPointer($0) }, count: len),
            options: o, result: &result,
            onToken: tokenCallback.map { cb in
                { (g: GeneratedToken) -> Bool in
                    let top = g.top.map { llamaswift_token_logprob(token: $0.token, logprob: $0.logProb) }
                    return g.piece.withUnsafeBytes { piece in
                        top.withUnsafeBufferPointer { tp in
                            var info = llamaswift_generated_token(
                                token: g.token, logprob: g.logProb,
                                piece: piece.baseAddress?.assumingMemoryBound(to: CChar.self), piece_len: piece.count,
                                top: tp.isEmpty ? nil : tp.baseAddress, n_top: tp.count)
                            return cb(&info, tokenUser)
                        }
                    }
                }
            }
        ) { bytes in
            guard let callback else { return true }
            return bytes.withUnsafeBytes {
                callback($0.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, user)
            }
        }
    }
    if let r = resultOut, UnsafeRawPointer(r).loadUnaligned(as: UInt32.self) >= 4 {
        var out = llamaswift_generate_result()
        out.struct_size = UInt32(MemoryLayout<llamaswift_generate_result>.size)
        out.stop_reason =
            status == LLAMASWIFT_OK || status == LLAMASWIFT_ERR_CANCELLED ? stopReasonCode(result.stopReason) : 0
        out.n_prompt_tokens = UInt32(result.promptTokens)
        out.n_prompt_evaluated = UInt32(result.promptTokensEvaluated)
        out.n_generated = UInt32(result.generatedTokens)
        out.n_context_shifts = UInt32(result.contextShifts)
        out.prefill_seconds = result.prefillSeconds
        out.decode_seconds = result.decodeSeconds
        out.prefill_tokens_per_second = result.prefillTokensPerSecond
        out.decode_tokens_per_second = result.decodeTokensPerSecond
        let size = Int(UnsafeRawPointer(r).loadUnaligned(as: UInt32.self))
        try? writeParams(r, size: size, value: out)
    }
    return status
}

/// The header's `llamaswift_stop_reason` number of an engine stop reason.
func stopReasonCode(_ reason: StopReason) -> UInt32 {
    switch reason {
    case .endOfGeneration: UInt32(LLAMASWIFT_STOP_END_OF_GENERATION.rawValue)
    case .maxTokens: UInt32(LLAMASWIFT_STOP_MAX_TOKENS.rawValue)
    case .stopString: UInt32(LLAMASWIFT_STOP_STRING.rawValue)
    case .callback: UInt32(LLAMASWIFT_STOP_CALLBACK.rawValue)
    case .cancelled: UInt32(LLAMASWIFT_STOP_CANCELLED.rawValue)
    case .contextFull: UInt32(LLAMASWIFT_STOP_CONTEXT_FULL.rawValue)
    case .grammarComplete: UInt32(LLAMASWIFT_STOP_GRAMMAR_COMPLETE.rawValue)
    }
}
