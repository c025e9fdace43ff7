#if canImport(Glibc)
    import Glibc
#endif
import CLlamaSwift
import LlamaSwiftEngine

/// Roles and contents may total at most this many bytes (64 MiB, as a tokenized text).
let maxChatBytes = 64 << 20
/// Rendering holds about this many copies of the messages at once (the messages as
/// strings, the prompt being written, the prompt as a string, its bytes, growth slack).
let chatCopies = 6

@c @implementation
public func llamaswift_chat_format(
    _ m: OpaquePointer!, _ templateName: UnsafePointer<CChar>!, _ msgs: UnsafePointer<llamaswift_chat_message>!,
    _ n: Int,
    _ addAssistant: Bool, _ buf: UnsafeMutablePointer<CChar>!, _ cap: Int, _ len: UnsafeMutablePointer<Int>!
) -> llamaswift_status {
    guarded {
        _ = try required(len, "len")
        let n = try sizeArgument(n, "n")
        _ = try sizeArgument(cap, "cap")
        let name = templateName.map { String(cString: $0) }
        var modelTemplate: String? = nil
        if m != nil || name == nil {
            modelTemplate = try modelFrom(m).chatTemplate
        }
        guard msgs != nil || n == 0 else { throw LlamaError(.invalidArgument, "msgs is NULL but n is \(n)") }
        guard n <= 1 << 20 else { throw LlamaError(.invalidArgument, "n = \(n) messages is over the limit") }
        // Sizes first: the total is bounded before anything is copied, and the memory for
        // rendering is tried up front, so that a chat too large for the memory at hand is
        // OUT_OF_MEMORY instead of an abort inside a Swift allocation.
        var total = 0
        for i in 0..<n {
            let msg = msgs[i]
            guard let role = msg.role, let content = msg.content else {
                throw LlamaError(.invalidArgument, "msgs[\(i)] has a NULL role or content")
            }
            total += strlen(role) + strlen(content) + 64  // + what a template adds per turn
            guard total <= maxChatBytes else {
                throw LlamaError(.invalidArgument, "the messages total over \(maxChatBytes) bytes (at msgs[\(i)])")
            }
        }
        // mmap, not malloc: the compiler may delete a malloc whose memory is never used.
        let roomBytes = total * chatCopies + 4096
        let room = mmap(nil, roomBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let room, room != MAP_FAILED else {
            throw LlamaError(.outOfMemory, "cannot allocate \(roomBytes) bytes to render \(total) bytes of chat")
        }
        munmap(room, roomBytes)
        var messages: [ChatMessage] = []
        messages.reserveCapacity(n)
        for i in 0..<n {
            messages.append(ChatMessage(role: String(cString: msgs[i].role), content: String(cString: msgs[i].content)))
        }
        let text = try ChatTemplate.render(
            name: name, modelTemplate: modelTemplate, messages: messages, addAssistant: addAssistant)
        messages = []
        try copyOut(Array(text.utf8), buf, cap, len)
    }
}
