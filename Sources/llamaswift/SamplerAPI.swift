import CLlamaSwift
import LlamaSwift

/// The object behind a `llamaswift_sampler *`.
final class SamplerHandle {
    let sampler: Sampler
    init(_ s: Sampler) { sampler = s }
}

func samplerFrom(_ p: OpaquePointer?) throws -> Sampler {
    try Handles.get(p, .sampler, "sampler", as: SamplerHandle.self).sampler
}

let defaultSamplerParams: llamaswift_sampler_params = {
    let d = SamplerOptions()
    return llamaswift_sampler_params(
        struct_size: UInt32(MemoryLayout<llamaswift_sampler_params>.size), temperature: d.temperature,
        top_k: Int32(d.topK), top_p: d.topP, min_p: d.minP, repeat_penalty: d.repeatPenalty,
        frequency_penalty: d.frequencyPenalty, presence_penalty: d.presencePenalty,
        penalty_last_n: Int32(d.penaltyLastN), seed: d.seed,
        temperature_order: temperatureOrderCode(d.temperatureOrder))
}()

@c @implementation
public func llamaswift_sampler_params_init(
    _ p: UnsafeMutablePointer<llamaswift_sampler_params>!, _ size: Int
) -> llamaswift_status {
    guarded { try writeParams(p, size: size, value: defaultSamplerParams) }
}

@c @implementation
public func llamaswift_sampler_create(
    _ params: UnsafePointer<llamaswift_sampler_params>!, _ out: UnsafeMutablePointer<OpaquePointer?>!
) -> llamaswift_status {
    guarded {
        let out = try required(out, "out")
        out.pointee = nil
        let p = try readParams(params, defaults: defaultSamplerParams, name: "params")
        var o = SamplerOptions()
        o.temperature = p.temperature
        o.topK = Int(p.top_k)
        o.topP = p.top_p
        o.minP = p.min_p
        o.repeatPenalty = p.repeat_penalty
        o.frequencyPenalty = p.frequency_penalty
        o.presencePenalty = p.presence_penalty
        o.penaltyLastN = Int(p.penalty_last_n)
        o.seed = p.seed
        o.temperatureOrder = try temperatureOrder(p.temperature_order)
        out.pointee = try Handles.make(SamplerHandle(try Sampler(options: o)), kind: .sampler)
    }
}

@c @implementation
public func llamaswift_sampler_free(_ s: OpaquePointer!) {
    Handles.free(s, .sampler, as: SamplerHandle.self)
}

@c @implementation
public func llamaswift_sampler_sample(
    _ smp: OpaquePointer!, _ s: OpaquePointer!, _ token: UnsafeMutablePointer<Int32>!
) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        let session = try sessionFrom(s)
        let token = try required(token, "token")
        guard session.embeddingOptions == nil else {
            throw LlamaError(.invalidArgument, "the session computes embeddings, not logits: nothing to sample")
        }
        guard let logits = session.lastLogits else {
            throw LlamaError(.invalidArgument, "the session has no logits: decode tokens first")
        }
        token.pointee = try sampler.sample(logits)
    }
}

@c @implementation
public func llamaswift_sampler_accept(_ smp: OpaquePointer!, _ token: Int32) -> llamaswift_status {
    guarded {
        let sampler = try samplerFrom(smp)
        guard token >= 0 else { throw LlamaError(.invalidArgument, "token \(token) is negative") }
        sampler.accept(token)
    }
}

@c @implementation
public func llamaswift_sampler_reset(_ smp: OpaquePointer!) -> llamaswift_status {
    guarded { try samplerFrom(smp).reset() }
}

/// The header's `llamaswift_temperature_order` number of an engine order.
func temperatureOrderCode(_ order: TemperatureOrder) -> UInt32 {
    switch order {
    case .last: LLAMASWIFT_TEMPERATURE_LAST.rawValue
    case .first: LLAMASWIFT_TEMPERATURE_FIRST.rawValue
    }
}

/// The engine order of a header `llamaswift_temperature_order` number (INVALID_ARGUMENT
/// for any other number).
func temperatureOrder(_ code: UInt32) throws -> TemperatureOrder {
    switch code {
    case LLAMASWIFT_TEMPERATURE_LAST.rawValue: .last
    case LLAMASWIFT_TEMPERATURE_FIRST.rawValue: .first
    default: throw LlamaError(.invalidArgument, "temperature_order \(code) is not a llamaswift_temperature_order")
    }
}
