/// One turn of a conversation: who speaks (`role`: usually "system", "user" or
/// "assistant") and what they say. Roles are free text, as in llama.cpp: each template
/// decides what it does with a role it does not know (most write it as is, some drop
/// the message, some treat it as the assistant's).
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
