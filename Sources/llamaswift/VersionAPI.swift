import CLlamaSwift
import LlamaSwiftEngine

@c @implementation
public func llamaswift_version() -> UnsafePointer<CChar>! {
    cString("0.6.0")
}

@c @implementation
public func llamaswift_status_string(_ s: llamaswift_status) -> UnsafePointer<CChar>! {
    switch s {
    case LLAMASWIFT_OK: return cString("LLAMASWIFT_OK: success")
    case LLAMASWIFT_ERR_INVALID_ARGUMENT: return cString("LLAMASWIFT_ERR_INVALID_ARGUMENT: invalid argument")
    case LLAMASWIFT_ERR_IO: return cString("LLAMASWIFT_ERR_IO: input/output error")
    case LLAMASWIFT_ERR_FORMAT: return cString("LLAMASWIFT_ERR_FORMAT: malformed model file")
    case LLAMASWIFT_ERR_UNSUPPORTED: return cString("LLAMASWIFT_ERR_UNSUPPORTED: not supported")
    case LLAMASWIFT_ERR_BUFFER_TOO_SMALL: return cString("LLAMASWIFT_ERR_BUFFER_TOO_SMALL: buffer too small")
    case LLAMASWIFT_ERR_CONTEXT_FULL: return cString("LLAMASWIFT_ERR_CONTEXT_FULL: context full")
    case LLAMASWIFT_ERR_CANCELLED: return cString("LLAMASWIFT_ERR_CANCELLED: cancelled")
    case LLAMASWIFT_ERR_OUT_OF_MEMORY: return cString("LLAMASWIFT_ERR_OUT_OF_MEMORY: out of memory")
    case LLAMASWIFT_ERR_INTERNAL: return cString("LLAMASWIFT_ERR_INTERNAL: internal error")
    default: return cString("unknown status")
    }
}

@c @implementation
public func llamaswift_last_error() -> UnsafePointer<CChar>! {
    ErrorState.current()
}
