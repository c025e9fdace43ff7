import CLlamaSwift
import LlamaSwiftEngine

/// The object behind a `llamaswift_model *`.
final class ModelHandle {
    let model: Model
    init(_ model: Model) { self.model = model }
}

func modelFrom(_ p: OpaquePointer?) throws -> Model {
    try Handles.get(p, .model, "model", as: ModelHandle.self).model
}

let defaultModelParams = llamaswift_model_params(
    struct_size: UInt32(MemoryLayout<llamaswift_model_params>.size), vocab_only: false, progress_callback: nil,
    progress_callback_user_data: nil, use_mlock: false, weight_type: 0)

/// The end of weight_type (0.5): a caller's struct_size must reach it for it to be read.
let weightTypeFieldEnd = MemoryLayout<llamaswift_model_params>.offset(of: \.weight_type)! + 8

/// The end of the params' callback and its user data: a caller's struct_size must reach
/// it for the callback to be used (a struct cut inside a pointer gives no callback).
let progressFieldsEnd =
    MemoryLayout<llamaswift_model_params>.offset(of: \.progress_callback_user_data)!
    + MemoryLayout<UnsafeMutableRawPointer?>.size

@c @implementation
public func llamaswift_model_params_init(
    _ p: UnsafeMutablePointer<llamaswift_model_params>!, _ size: Int
) -> llamaswift_status {
    guarded { try writeParams(p, size: size, value: defaultModelParams) }
}

@c @implementation
public func llamaswift_model_load(
    _ path: UnsafePointer<CChar>!, _ params: UnsafePointer<llamaswift_model_params>!,
    _ out: UnsafeMutablePointer<OpaquePointer?>!
) -> llamaswift_status {
    guarded {
        let out = try required(out, "out")
        out.pointee = nil
        let path = String(cString: try required(path, "path"))
        var p = try readParams(params, defaults: defaultModelParams, name: "params")
        if Int(p.struct_size) < progressFieldsEnd {
            p.progress_callback = nil
            p.progress_callback_user_data = nil
        }
        if Int(p.struct_size) < weightTypeFieldEnd { p.weight_type = 0 }
        var o = LoadOptions()
        switch p.weight_type {
        case 0: o.quantizeTo = nil
        case 1: o.quantizeTo = .q8_0
        case 2: o.quantizeTo = .q4_0
        default:
            throw LlamaError(.invalidArgument, "params->weight_type \(p.weight_type) is not a llamaswift_weight_type")
        }
        o.vocabOnly = p.vocab_only
        o.lockMemory = p.use_mlock
        if let cb = p.progress_callback {
            let user = p.progress_callback_user_data
            o.progress = { cb(Float($0), user) }
        }
        let model = try Model(path: path, options: o)
        out.pointee = try Handles.make(ModelHandle(model), kind: .model)
    }
}

@c @implementation
public func llamaswift_model_free(_ m: OpaquePointer!) {
    Handles.free(m, .model, as: ModelHandle.self)
}

@c @implementation
public func llamaswift_model_get_info(
    _ m: OpaquePointer!, _ out: UnsafeMutablePointer<llamaswift_model_info>!
) -> llamaswift_status {
    guarded {
        let model = try modelFrom(m)
        let out = try required(out, "out")
        var info = llamaswift_model_info()
        info.struct_size = UInt32(MemoryLayout<llamaswift_model_info>.size)
        info.vocab_only = model.vocabOnly
        info.n_vocab = UInt32(model.vocabularySize)
        info.n_params = UInt64(model.parameterCount)
        info.size_bytes = UInt64(model.tensorBytes)
        info.file_type = UInt32.max
        if let c = model.config {
            info.n_ctx_train = UInt32(c.contextLength)
            info.n_embd = UInt32(c.embeddingLength)
            info.n_layer = UInt32(c.blockCount)
            info.n_head = UInt32(c.headCount)
            info.n_head_kv = UInt32(c.headCountKV)
            info.n_ff = UInt32(c.feedForwardLength)
            info.n_rot = UInt32(c.ropeDimensionCount)
            info.rope_freq_base = Float(c.ropeFreqBase)
            info.rope_scaling_type = ropeScalingCode(c.ropeScaling.kind)
            info.rope_scaling_factor = Float(c.ropeScaling.factor)
            info.rope_original_ctx = UInt32(c.ropeOriginalContext)
            info.rms_norm_eps = c.rmsEpsilon
            info.file_type = c.fileType.map { UInt32($0) } ?? UInt32.max
        }
        let size = Int(UnsafeRawPointer(out).loadUnaligned(as: UInt32.self))
        guard size >= 4 else {
            throw LlamaError(.invalidArgument, "out->struct_size is \(size); set it to sizeof(llamaswift_model_info)")
        }
        try writeParams(out, size: size, value: info)
    }
}

@c @implementation
public func llamaswift_model_meta_string(
    _ m: OpaquePointer!, _ key: UnsafePointer<CChar>!, _ buf: UnsafeMutablePointer<CChar>!, _ cap: Int,
    _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        let model = try modelFrom(m)
        let key = String(cString: try required(key, "key"))
        _ = try required(len, "len")
        _ = try sizeArgument(cap, "cap")
        guard let v = model.gguf.metadata[key] else {
            throw LlamaError(.invalidArgument, "the model has no metadata key '\(key)'")
        }
        try copyOut(Array(v.rendered.utf8), buf, cap, len)
    }
}

/// The header's `llamaswift_rope_scaling` number of an engine scaling mode.
func ropeScalingCode(_ kind: RopeScaling.Kind) -> UInt32 {
    switch kind {
    case .none: 1
    case .linear: 2
    case .dynamic: 3
    }
}
