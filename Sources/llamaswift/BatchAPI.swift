import CLlamaSwift
import LlamaSwiftEngine

let defaultBatchParams = llamaswift_batch_params(
    struct_size: UInt32(MemoryLayout<llamaswift_batch_params>.size), n_batch: 0)

@c @implementation
public func llamaswift_batch_params_init(
    _ p: UnsafeMutablePointer<llamaswift_batch_params>!, _ size: Int
)
    -> llamaswift_status
{
    guarded { try writeParams(p, size: size, value: defaultBatchParams) }
}

@c @implementation
public func llamaswift_batch_decode(
    _ items: UnsafePointer<llamaswift_batch_item>!, _ nItems: Int, _ params: UnsafePointer<llamaswift_batch_params>!
) -> llamaswift_status {
    guarded {
        let items = try required(items, "items")
        let count = try sizeArgument(nItems, "n_items")
        guard count > 0 else { throw LlamaError(.invalidArgument, "n_items must be > 0") }
        guard count <= 1 << 16 else { throw LlamaError(.invalidArgument, "n_items \(count) is over 65,536") }
        let p = try readParams(params, defaults: defaultBatchParams, name: "params")
        var batch: [Session.BatchItem] = []
        batch.reserveCapacity(count)
        for i in 0..<count {
            let item = items[i]
            let session = try sessionFrom(item.session, "items[\(i)].session")
            let tokens = try required(item.tokens, "items[\(i)].tokens")
            let n = try sizeArgument(item.n_tokens, "items[\(i)].n_tokens")
            guard n > 0 else { throw LlamaError(.invalidArgument, "items[\(i)].n_tokens must be > 0") }
            guard n <= 1 << 24 else {
                throw LlamaError(.contextFull, "items[\(i)]: \(n) tokens cannot fit any context")
            }
            batch.append(Session.BatchItem(session: session, tokens: UnsafeBufferPointer(start: tokens, count: n)))
        }
        try Session.decode(batch: batch, maxTokensPerPass: Int(p.n_batch))
    }
}
