import CLlamaSwift
import LlamaSwift

@c @implementation
public func llamaswift_chat_format(
    _ m: OpaquePointer!, _ templateName: UnsafePointer<CChar>!, _ msgs: UnsafePointer<llamaswift_chat_message>!, _ n: Int,
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
        var messages: [ChatMessage] = []
        for i in 0..<n {
            let msg = msgs[i]
            guard let role = msg.role, let content = msg.content else {
                throw LlamaError(.invalidArgument, "msgs[\(i)] has a NULL role or content")
            }
            messages.append(ChatMessage(role: String(cString: role), content: String(cString: content)))
        }
        let text = try ChatTemplate.render(name: name, modelTemplate: modelTemplate, messages: messages, addAssistant: addAssistant)
        try copyOut(Array(text.utf8), buf, cap, len)
    }
}
