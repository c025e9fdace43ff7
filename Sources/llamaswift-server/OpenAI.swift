import Foundation
import LlamaSwiftEngine

/// A request body as OpenAI's API defines it (chat or text completion), checked: any
/// violation is a RequestError (the server answers 400 with OpenAI's error body).
struct CompletionRequest {
    var messages: [ChatMessage]? = nil  // chat
    var prompt: String? = nil  // text completion
    var stream = false
    var maxTokens = -1
    var temperature: Float = 1
    var topP: Float = 1
    var seed: UInt64 = SamplerOptions.randomSeed
    var stops: [String] = []
    var presencePenalty: Float = 0
    var frequencyPenalty: Float = 0
    /// OpenAI's logit_bias: {"token id": bias in −100 … 100}, added to the logits first.
    var logitBias: [(token: Int32, bias: Float)] = []
    /// Log-probabilities asked for (chat: logprobs true with top_logprobs 0 … 20;
    /// completions: logprobs 0 … 5): the alternatives per token; nil = none asked.
    var topLogprobs: Int? = nil
    /// What the output must match, if anything: llama-server's `grammar` (GBNF text) or
    /// `json_schema`, or OpenAI's `response_format` (json_object, json_schema).
    var constraint: OutputConstraint? = nil

    /// A constraint on the generated text, turned into a grammar by `gbnf`.
    enum OutputConstraint {
        case gbnf(String)
        /// Any JSON object ("JSON mode").
        case jsonObject
        /// A schema, and the parameter it came in (json_schema or response_format).
        case jsonSchema(SchemaJSON, from: String)

        /// The request parameter it came from (named in a 400 answer).
        var param: String {
            switch self {
            case .gbnf: return "grammar"
            case .jsonObject: return "response_format"
            case .jsonSchema(_, let from): return from
            }
        }

        /// GBNF text of the constraint. Throws the converter's error for a schema it
        /// refuses.
        func gbnf() throws -> String {
            switch self {
            case .gbnf(let text): return text
            case .jsonObject: return JSONSchemaToGrammar.anyObjectGrammar
            case .jsonSchema(let schema, _): return try JSONSchemaToGrammar.convert(schema)
            }
        }
    }

    struct RequestError: Error {
        let message: String
        let param: String?
    }

    init(json body: [UInt8], chat: Bool) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw RequestError(message: "the request body is not valid JSON", param: nil)
        }
        guard let o = object as? [String: Any] else {
            throw RequestError(message: "the request body must be a JSON object", param: nil)
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let v = o[key], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber, range.contains(n.doubleValue) else {
                throw RequestError(message: "'\(key)' must be a number in \(range)", param: key)
            }
            return n.doubleValue
        }
        if chat {
            guard let list = o["messages"] as? [[String: Any]], !list.isEmpty else {
                throw RequestError(message: "'messages' must be a non-empty array of messages", param: "messages")
            }
            messages = try list.enumerated().map { i, m in
                guard let role = m["role"] as? String else {
                    throw RequestError(message: "messages[\(i)].role must be a string", param: "messages")
                }
                // content: a string, or an array of {"type": "text", "text": ...} parts.
                if let text = m["content"] as? String { return ChatMessage(role: role, content: text) }
                if let parts = m["content"] as? [[String: Any]] {
                    let texts = try parts.map { p -> String in
                        guard p["type"] as? String == "text", let t = p["text"] as? String else {
                            throw RequestError(
                                message: "messages[\(i)]: only text content parts are supported", param: "messages")
                        }
                        return t
                    }
                    return ChatMessage(role: role, content: texts.joined())
                }
                if m["content"] == nil || m["content"] is NSNull { return ChatMessage(role: role, content: "") }
                throw RequestError(message: "messages[\(i)].content must be a string", param: "messages")
            }
        } else {
            if let p = o["prompt"] as? String {
                prompt = p
            } else if let ps = o["prompt"] as? [String], ps.count == 1 {
                prompt = ps[0]
            } else {
                throw RequestError(message: "'prompt' must be a string", param: "prompt")
            }
        }
        if let s = o["stream"], !(s is NSNull) {
            guard let b = s as? Bool else { throw RequestError(message: "'stream' must be a boolean", param: "stream") }
            stream = b
        }
        if let n = try number("n", 1...1) { _ = n }
        let maxKey = o["max_completion_tokens"] != nil ? "max_completion_tokens" : "max_tokens"
        if let n = try number(maxKey, 0...1e9) { maxTokens = Int(n) }
        if let t = try number("temperature", 0...2) { temperature = Float(t) }
        if let p = try number("top_p", 0...1) { topP = Float(p) }
        if let s = try number("seed", -9.2e18...1.8e19) { seed = UInt64(bitPattern: Int64(s)) }
        if let p = try number("presence_penalty", -2...2) { presencePenalty = Float(p) }
        if let f = try number("frequency_penalty", -2...2) { frequencyPenalty = Float(f) }
        if let b = o["logit_bias"], !(b is NSNull) {
            guard let map = b as? [String: Any] else {
                throw RequestError(
                    message: "'logit_bias' must be an object of token ids to biases", param: "logit_bias")
            }
            logitBias = try map.sorted { $0.key < $1.key }.map { key, value in
                guard let token = Int32(key), token >= 0, let n = value as? NSNumber,
                    (-100...100).contains(n.doubleValue)
                else {
                    throw RequestError(
                        message: "'logit_bias': '\(key)' must be a token id with a bias in -100 … 100",
                        param: "logit_bias")
                }
                return (token, n.floatValue)
            }
        }
        if chat {
            if let l = o["logprobs"], !(l is NSNull) {
                guard let b = l as? Bool else {
                    throw RequestError(message: "'logprobs' must be a boolean", param: "logprobs")
                }
                if b { topLogprobs = 0 }
            }
            if let n = try number("top_logprobs", 0...20) {
                guard topLogprobs != nil else {
                    throw RequestError(message: "'top_logprobs' needs 'logprobs': true", param: "top_logprobs")
                }
                topLogprobs = Int(n)
            }
        } else if let n = try number("logprobs", 0...5) {
            topLogprobs = Int(n)
        }
        try readConstraint(o, body)
        if let s = o["stop"], !(s is NSNull) {
            if let one = s as? String {
                stops = [one]
            } else if let many = s as? [String], many.count <= 4 {
                stops = many
            } else {
                throw RequestError(message: "'stop' must be a string or an array of at most 4 strings", param: "stop")
            }
        }
    }

    /// `grammar` (a GBNF string), `json_schema` (a schema), `response_format`
    /// ({"type": "text"}, {"type": "json_object"} with an optional "schema", or
    /// {"type": "json_schema", "json_schema": {"schema": ...}}): at most one. Schemas are
    /// read from the body again by the engine's JSON reader, which keeps the order of
    /// their properties (the order the output writes them in).
    private mutating func readConstraint(_ o: [String: Any], _ body: [UInt8]) throws {
        func present(_ key: String) -> Bool { o[key] != nil && !(o[key] is NSNull) }
        var found: [String] = []
        if present("grammar") {
            guard let g = o["grammar"] as? String else {
                throw RequestError(message: "'grammar' must be a string (GBNF)", param: "grammar")
            }
            if !g.isEmpty {
                constraint = .gbnf(g)
                found.append("grammar")
            }
        }
        guard present("json_schema") || present("response_format") else { return }
        let ordered: SchemaJSON
        do {
            ordered = try SchemaJSON.parse(body)
        } catch {
            throw RequestError(message: (error as? LlamaError)?.message ?? "\(error)", param: nil)
        }
        if present("json_schema") {
            guard let schema = ordered["json_schema"], case .object = schema else {
                throw RequestError(message: "'json_schema' must be a JSON Schema object", param: "json_schema")
            }
            constraint = .jsonSchema(schema, from: "json_schema")
            found.append("json_schema")
        }
        if present("response_format") {
            let bad = RequestError(
                message: "'response_format' must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or "
                    + "{\"type\": \"json_schema\", \"json_schema\": {\"schema\": {...}}}",
                param: "response_format")
            guard let format = ordered["response_format"], case .string(let type)? = format["type"] else { throw bad }
            switch type {
            case "text": break
            case "json_object":
                // llama-server's extension: a "schema" member narrows JSON mode.
                if let schema = format["schema"] {
                    guard case .object = schema else { throw bad }
                    constraint = .jsonSchema(schema, from: "response_format")
                } else {
                    constraint = .jsonObject
                }
                found.append("response_format")
            case "json_schema":
                guard let schema = format["json_schema"]?["schema"], case .object = schema else { throw bad }
                constraint = .jsonSchema(schema, from: "response_format")
                found.append("response_format")
            default: throw bad
            }
        }
        guard found.count <= 1 else {
            throw RequestError(
                message: "only one of \(found.map { "'\($0)'" }.joined(separator: ", ")) may be given",
                param: found.last)
        }
    }

    /// The sampler OpenAI's parameters describe: temperature (0 = greedy), top_p, the
    /// penalties, a seed; no top-k or min-p (OpenAI has none).
    var samplerOptions: SamplerOptions {
        var s = SamplerOptions()
        s.temperature = temperature
        s.topP = topP > 0 ? topP : 1
        s.topK = 0
        s.minP = 0
        s.presencePenalty = presencePenalty
        s.frequencyPenalty = frequencyPenalty
        s.seed = seed
        return s
    }
}

/// JSON bodies of responses, in OpenAI's shapes.
enum OpenAIJSON {
    static func encode(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// {"error": {"message", "type", "param", "code"}}
    static func error(_ message: String, type: String, code: String?, param: String? = nil) -> String {
        encode([
            "error": [
                "message": message, "type": type, "param": param as Any? ?? NSNull(), "code": code as Any? ?? NSNull(),
            ]
        ])
    }

    static func usage(_ prompt: Int, _ completion: Int) -> [String: Any] {
        ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]
    }
}
