import CLlamaSwift
import LlamaSwiftEngine

/// The object behind a `llamaswift_session *`.
final class SessionHandle {
    let session: Session
    init(_ s: Session) { session = s }
}

func sessionFrom(_ p: OpaquePointer?, _ name: String = "session") throws -> Session {
    try Handles.get(p, .session, name, as: SessionHandle.self).session
}

let defaultSessionParams = llamaswift_session_params(
    struct_size: UInt32(MemoryLayout<llamaswift_session_params>.size), n_ctx: 0, n_batch: 0, n_threads: 0,
    logits_all: false, kv_type: 0, rope_scaling_type: 0, rope_freq_base: 0, rope_scaling_factor: 0,
    rope_original_ctx: 0,
    embeddings: false, pooling_type: LLAMASWIFT_POOLING_TYPE_UNSPECIFIED.rawValue, embd_normalize: -1,
    kv_type_v: 0
)

@c @implementation
public func llamaswift_session_params_init(
    _ p: UnsafeMutablePointer<llamaswift_session_params>!, _ size: Int
) -> llamaswift_status {
    guarded { try writeParams(p, size: size, value: defaultSessionParams) }
}

func sessionOptions(_ p: llamaswift_session_params, model: Model) throws -> SessionOptions {
    var o = SessionOptions()
    o.contextLength = Int(p.n_ctx)
    o.batchSize = Int(p.n_batch)
    o.threads = Int(p.n_threads)
    o.logitsAll = p.logits_all
    func cacheType(_ v: UInt32, _ name: String) throws -> KVCacheType? {
        switch v {
        case 0: return nil
        case 1: return .f32
        case 2: return .f16
        case 3: return .q8_0
        default: throw LlamaError(.invalidArgument, "\(name) \(v) is not a llamaswift_kv_type (0 … 3)")
        }
    }
    o.kvType = try cacheType(p.kv_type, "kv_type")
    o.kvTypeV = try cacheType(p.kv_type_v, "kv_type_v")
    switch p.rope_scaling_type {
    case 0: o.ropeScaling = nil
    case 1: o.ropeScaling = RopeScaling.Kind.none
    case 2: o.ropeScaling = .linear
    case 3: o.ropeScaling = .dynamic
    default:
        throw LlamaError(.invalidArgument, "rope_scaling_type \(p.rope_scaling_type) is not a llamaswift_rope_scaling")
    }
    for (name, v) in [("rope_freq_base", p.rope_freq_base), ("rope_scaling_factor", p.rope_scaling_factor)] {
        guard v.isFinite, v >= 0 else {
            throw LlamaError(.invalidArgument, "\(name) \(v) must be ≥ 0 (0 = the model's)")
        }
    }
    o.ropeFreqBase = Double(p.rope_freq_base)
    o.ropeScalingFactor = Double(p.rope_scaling_factor)
    o.ropeOriginalContext = Int(p.rope_original_ctx)
    if p.embeddings {
        let pooling: Pooling?
        if p.pooling_type == LLAMASWIFT_POOLING_TYPE_UNSPECIFIED.rawValue {
            pooling = model.config?.poolingType ?? Pooling.none
        } else {
            pooling = Pooling(rawValue: p.pooling_type)
        }
        guard let pooling else {
            throw LlamaError(
                .invalidArgument, "pooling_type \(p.pooling_type) is not a llamaswift_pooling_type (-1 … 3)")
        }
        o.embeddings = EmbeddingOptions(pooling: pooling, normalize: Int(p.embd_normalize))
    }
    return o
}

@c @implementation
public func llamaswift_session_create(
    _ m: OpaquePointer!, _ params: UnsafePointer<llamaswift_session_params>!,
    _ out: UnsafeMutablePointer<OpaquePointer?>!
) -> llamaswift_status {
    guarded {
        let out = try required(out, "out")
        out.pointee = nil
        let model = try modelFrom(m)
        let p = try readParams(params, defaults: defaultSessionParams, name: "params")
        let session = try Session(model: model, options: try sessionOptions(p, model: model))
        out.pointee = try Handles.make(SessionHandle(session), kind: .session)
    }
}

@c @implementation
public func llamaswift_session_free(_ s: OpaquePointer!) {
    Handles.free(s, .session, as: SessionHandle.self)
}

@c @implementation
public func llamaswift_session_decode(
    _ s: OpaquePointer!, _ tokens: UnsafePointer<Int32>!, _ n: Int
) -> llamaswift_status {
    guarded {
        let session = try sessionFrom(s)
        let tokens = try required(tokens, "tokens")
        let n = try sizeArgument(n, "n")
        guard n > 0 else { throw LlamaError(.invalidArgument, "n must be > 0") }
        guard n <= 1 << 24 else { throw LlamaError(.contextFull, "\(n) tokens cannot fit any context") }
        try session.decode(UnsafeBufferPointer(start: tokens, count: n))
    }
}

@c @implementation
public func llamaswift_session_logits(_ s: OpaquePointer!) -> UnsafePointer<Float>! {
    Handles.peek(s, .session, as: SessionHandle.self)?.session.currentLogits
}

@c @implementation
public func llamaswift_session_position(_ s: OpaquePointer!) -> UInt32 {
    UInt32(Handles.peek(s, .session, as: SessionHandle.self)?.session.position ?? 0)
}

@c @implementation
public func llamaswift_session_rewind(_ s: OpaquePointer!, _ position: UInt32) -> llamaswift_status {
    guarded { try sessionFrom(s).rewind(to: Int(position)) }
}

@c @implementation
public func llamaswift_session_cancel(_ s: OpaquePointer!) {
    Handles.peek(s, .session, as: SessionHandle.self)?.session.cancel()
}

@c @implementation
public func llamaswift_session_set_threads(_ s: OpaquePointer!, _ n: UInt32) -> llamaswift_status {
    guarded {
        let session = try sessionFrom(s)
        guard n <= 512 else { throw LlamaError(.invalidArgument, "n_threads \(n) is out of range (0 … 512)") }
        try session.setThreads(Int(n))
    }
}

@c @implementation
public func llamaswift_session_get_threads(_ s: OpaquePointer!) -> UInt32 {
    UInt32(Handles.peek(s, .session, as: SessionHandle.self)?.session.threadCount ?? 0)
}

@c @implementation
public func llamaswift_session_shift(_ s: OpaquePointer!, _ nKeep: UInt32, _ nDiscard: UInt32) -> llamaswift_status {
    guarded { try sessionFrom(s).shiftContext(keep: Int(nKeep), discard: Int(nDiscard)) }
}

@c @implementation
public func llamaswift_session_copy_prefix(
    _ dst: OpaquePointer!, _ src: OpaquePointer!, _ n: UInt32
)
    -> llamaswift_status
{
    guarded { try sessionFrom(dst, "dst").copyPrefix(from: try sessionFrom(src, "src"), count: Int(n)) }
}
