// libFuzzer target: chat-template rendering. Byte 0 picks the template: a built-in name,
// or (past the list) the detection path with the first message's content as the model's
// template text, or no template at all. Byte 1 bit 0: add the assistant opening. The rest,
// split at NUL bytes, alternates role, content, role, content, … (any bytes, decoded as
// UTF-8 with replacement).
import LlamaSwiftEngine

let chatNames = ChatTemplate.builtInNames

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var r = ByteReader(data, size)
    let pick = Int(r.u8())
    let addAssistant = r.u8() & 1 != 0
    let fields = r.rest().split(separator: 0, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    var messages: [ChatMessage] = []
    var i = 0
    while i < fields.count {
        messages.append(ChatMessage(role: fields[i], content: i + 1 < fields.count ? fields[i + 1] : ""))
        i += 2
    }
    let name: String?, modelTemplate: String?
    if pick < chatNames.count {
        name = chatNames[pick]
        modelTemplate = nil
    } else if pick % 4 == 0 {
        name = nil
        modelTemplate = nil
    } else if pick % 4 == 1, let first = messages.first {
        name = first.content  // a non-built-in name goes through detection too
        modelTemplate = nil
    } else {
        name = nil
        modelTemplate = messages.first?.content ?? ""
    }
    do {
        let out = try ChatTemplate.render(
            name: name, modelTemplate: modelTemplate, messages: messages, addAssistant: addAssistant)
        _ = try ChatTemplate.resolvedName(name: name, modelTemplate: modelTemplate)
        // Every message's content appears in the prompt unless the template trims or drops it;
        // only check that rendering an empty list works for the same template.
        _ = out.utf8.count
        _ = try ChatTemplate.render(name: name, modelTemplate: modelTemplate, messages: [], addAssistant: addAssistant)
    } catch let e as LlamaError {
        precondition(e.kind == .unsupported, "unexpected error kind \(e.kind)")
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    return 0
}
