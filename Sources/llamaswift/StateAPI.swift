import CLlamaSwift
import LlamaSwiftEngine

// Session state save/load: thin wrappers over Session.saveState / loadState
// (Sources/LlamaSwiftEngine/Model/SessionState.swift holds the format and the checks).

@c @implementation
public func llamaswift_session_state_save(
    _ s: OpaquePointer!, _ buf: UnsafeMutableRawPointer!, _ cap: Int, _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        let session = try sessionFrom(s)
        let len = try required(len, "len")
        let cap = try sizeArgument(cap, "cap")
        let need = session.stateSize
        len.pointee = need
        guard let buf, cap >= need else {
            throw LlamaError(.bufferTooSmall, "buffer of \(cap) bytes is too small: the state needs \(need)")
        }
        len.pointee = try session.saveState(into: UnsafeMutableRawBufferPointer(start: buf, count: need))
    }
}

@c @implementation
public func llamaswift_session_state_load(
    _ s: OpaquePointer!, _ buf: UnsafeRawPointer!, _ len: Int
) -> llamaswift_status {
    guarded {
        let session = try sessionFrom(s)
        let len = try sizeArgument(len, "len")
        guard buf != nil || len == 0 else { throw LlamaError(.invalidArgument, "buf must not be NULL") }
        try session.loadState(from: UnsafeRawBufferPointer(start: buf, count: len))
    }
}

@c @implementation
public func llamaswift_session_state_save_file(_ s: OpaquePointer!, _ path: UnsafePointer<CChar>!) -> llamaswift_status
{
    guarded {
        let session = try sessionFrom(s)
        let path = String(cString: try required(path, "path"))
        try session.saveState(toFile: path)
    }
}

@c @implementation
public func llamaswift_session_state_load_file(_ s: OpaquePointer!, _ path: UnsafePointer<CChar>!) -> llamaswift_status
{
    guarded {
        let session = try sessionFrom(s)
        let path = String(cString: try required(path, "path"))
        try session.loadState(fromFile: path)
    }
}
