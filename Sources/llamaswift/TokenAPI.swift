import CLlamaSwift
import LlamaSwiftEngine

/// Checks a token id against the vocabulary (INVALID_ARGUMENT naming it).
func checkedToken(_ token: Int32, _ model: Model) throws -> Int32 {
    guard token >= 0, Int(token) < model.vocabularySize else {
        throw LlamaError(.invalidArgument, "token \(token) is out of range (vocabulary \(model.vocabularySize))")
    }
    return token
}

@c @implementation
public func llamaswift_tokenize(
    _ m: OpaquePointer!, _ text: UnsafePointer<CChar>!, _ len: Int, _ flags: UInt32,
    _ tokens: UnsafeMutablePointer<Int32>!, _ cap: Int, _ n: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        let model = try modelFrom(m)
        let n = try required(n, "n")
        let len = try sizeArgument(len, "len")
        let cap = try sizeArgument(cap, "cap")
        guard text != nil || len == 0 else { throw LlamaError(.invalidArgument, "text is NULL but len is \(len)") }
        guard flags & ~UInt32(3) == 0 else {
            throw LlamaError(.invalidArgument, "unknown tokenize flags 0x\(String(flags, radix: 16))")
        }
        let ids = try model.tokenizer.tokenizeChecked(
            UnsafeRawBufferPointer(start: text.map { UnsafeRawPointer($0) }, count: len),
            addSpecial: flags & LLAMASWIFT_TOKENIZE_ADD_SPECIAL != 0,
            parseSpecial: flags & LLAMASWIFT_TOKENIZE_PARSE_SPECIAL != 0)
        n.pointee = ids.count
        guard cap >= ids.count, ids.count == 0 || tokens != nil else {
            throw LlamaError(.bufferTooSmall, "room for \(cap) tokens, \(ids.count) needed")
        }
        if let tokens { ids.copy(to: tokens) }
    }
}

@c @implementation
public func llamaswift_token_to_piece(
    _ m: OpaquePointer!, _ token: Int32, _ buf: UnsafeMutablePointer<CChar>!, _ cap: Int,
    _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        let model = try modelFrom(m)
        _ = try required(len, "len")
        _ = try sizeArgument(cap, "cap")
        let bytes = model.tokenizer.piece(for: try checkedToken(token, model), renderSpecial: true) ?? []
        try copyOut(bytes, buf, cap, len)
    }
}

/// The checks and the call shared by both detokenize functions (`clean`: nil = the
/// vocabulary's setting).
private func detokenize(
    _ m: OpaquePointer?, _ tokens: UnsafePointer<Int32>?, _ n: Int, _ clean: Bool?, _ buf: UnsafeMutablePointer<CChar>?,
    _ cap: Int, _ len: UnsafeMutablePointer<Int>?
) throws {
    let model = try modelFrom(m)
    _ = try required(len, "len")
    let n = try sizeArgument(n, "n")
    _ = try sizeArgument(cap, "cap")
    guard tokens != nil || n == 0 else { throw LlamaError(.invalidArgument, "tokens is NULL but n is \(n)") }
    guard n <= 512 << 20 else { throw LlamaError(.invalidArgument, "n = \(n) tokens is over the limit") }
    let ids = n == 0 ? [] : Array(UnsafeBufferPointer(start: tokens, count: n))
    for (i, t) in ids.enumerated() where t < 0 || Int(t) >= model.vocabularySize {
        throw LlamaError(
            .invalidArgument, "token \(t) at index \(i) is out of range (vocabulary \(model.vocabularySize))")
    }
    try copyOut(try model.tokenizer.detokenize(ids, cleanSpaces: clean), buf, cap, len)
}

@c @implementation
public func llamaswift_detokenize(
    _ m: OpaquePointer!, _ tokens: UnsafePointer<Int32>!, _ n: Int, _ buf: UnsafeMutablePointer<CChar>!, _ cap: Int,
    _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded { try detokenize(m, tokens, n, nil, buf, cap, len) }
}

@c @implementation
public func llamaswift_detokenize_ex(
    _ m: OpaquePointer!, _ tokens: UnsafePointer<Int32>!, _ n: Int, _ flags: UInt32,
    _ buf: UnsafeMutablePointer<CChar>!,
    _ cap: Int, _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        guard flags & ~LLAMASWIFT_DETOKENIZE_CLEAN_SPACES == 0 else {
            throw LlamaError(.invalidArgument, "unknown detokenize flags 0x\(String(flags, radix: 16))")
        }
        try detokenize(m, tokens, n, flags & LLAMASWIFT_DETOKENIZE_CLEAN_SPACES != 0, buf, cap, len)
    }
}

@c @implementation
public func llamaswift_token_bos(_ m: OpaquePointer!) -> Int32 {
    Handles.peek(m, .model, as: ModelHandle.self)?.model.tokenizer.bos ?? -1
}

@c @implementation
public func llamaswift_token_eos(_ m: OpaquePointer!) -> Int32 {
    Handles.peek(m, .model, as: ModelHandle.self)?.model.tokenizer.eos ?? -1
}

@c @implementation
public func llamaswift_token_eot(_ m: OpaquePointer!) -> Int32 {
    Handles.peek(m, .model, as: ModelHandle.self)?.model.tokenizer.eot ?? -1
}

@c @implementation
public func llamaswift_token_is_end_of_generation(_ m: OpaquePointer!, _ token: Int32) -> Bool {
    guard let model = Handles.peek(m, .model, as: ModelHandle.self)?.model,
        token >= 0, Int(token) < model.vocabularySize
    else { return false }
    return model.tokenizer.isEndOfGeneration(token)
}
