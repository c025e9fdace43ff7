import CLlamaSwift
import LlamaSwiftEngine

/// A C callback and its user data, called with each engine log message.
private struct CLogTarget: @unchecked Sendable {
    let callback: llamaswift_log_callback
    let user: UnsafeMutableRawPointer?
}

@c @implementation
public func llamaswift_log_set(_ callback: llamaswift_log_callback!, _ user: UnsafeMutableRawPointer!) {
    guard let callback else {
        Log.setHandler(nil)
        return
    }
    let target = CLogTarget(callback: callback, user: user)
    Log.setHandler { level, message in
        message.withCString { target.callback(llamaswift_log_level(rawValue: UInt32(level.rawValue)), $0, target.user) }
    }
}
