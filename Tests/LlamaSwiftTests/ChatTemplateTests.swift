import Testing

@testable import LlamaSwiftEngine

/// Chat templates against llama.cpp's `llama_chat_apply_template` (llama-cpp-python
/// 0.3.36): every case of Tests/Fixtures/chat-templates.json byte for byte, the other
/// built-in formats on one conversation (expected strings from the same llama.cpp), the
/// detection rules, and edge cases.
@Suite struct ChatTemplateTests {
    struct FixtureCase {
        var index: Int
        var template: String
        var modelTemplate: String?
        var messages: [ChatMessage]
        var addAssistant: Bool
        var output: String?
    }

    static func fixtureCases() throws -> [FixtureCase] {
        let json = try MiniJSON.parse(TestData.read(TestData.fixturesDirectory + "/chat-templates.json"))
        let models = json["model_templates"]
        var out: [FixtureCase] = []
        for (i, c) in (json["cases"]?.array ?? []).enumerated() {
            let template = try #require(c["template"]?.string)
            var modelTemplate: String? = nil
            if template.hasPrefix("model:") { modelTemplate = try #require(models?[template]?.string) }
            let messages = try (c["messages"]?.array ?? []).map { m in
                ChatMessage(role: try #require(m["role"]?.string), content: try #require(m["content"]?.string))
            }
            out.append(
                FixtureCase(
                    index: i, template: template, modelTemplate: modelTemplate, messages: messages,
                    addAssistant: try #require(c["add_assistant"]?.bool as Bool?), output: c["output"]?.string))
        }
        return out
    }

    static func render(_ c: FixtureCase) throws -> String {
        c.modelTemplate != nil
            ? try ChatTemplate.render(
                name: nil, modelTemplate: c.modelTemplate, messages: c.messages, addAssistant: c.addAssistant)
            : try ChatTemplate.render(
                name: c.template, modelTemplate: nil, messages: c.messages, addAssistant: c.addAssistant)
    }

    static func kind(of error: any Error) -> LlamaError.Kind? { (error as? LlamaError)?.kind }

    @Test func everyFixtureCaseMatchesLlamaCpp() throws {
        let cases = try Self.fixtureCases()
        #expect(cases.count == 152)
        var passed = 0
        for c in cases {
            if let expected = c.output {
                let got = try Self.render(c)
                #expect(
                    Array(got.utf8) == Array(expected.utf8), "case \(c.index) (\(c.template), add=\(c.addAssistant))")
                if Array(got.utf8) == Array(expected.utf8) { passed += 1 }
            } else {
                do {
                    _ = try Self.render(c)
                    Issue.record("case \(c.index) (\(c.template)) should be unsupported")
                } catch {
                    #expect(Self.kind(of: error) == .unsupported, "case \(c.index): \(error)")
                    if Self.kind(of: error) == .unsupported { passed += 1 }
                }
            }
        }
        #expect(passed == cases.count)
    }

    /// The built-in formats the fixture does not cover, on system + user + assistant
    /// (with spaces to show trimming) + an unknown-to-many `tool` role + user, with the
    /// assistant opening; expected strings from llama.cpp 0.3.36.
    static let otherFormats: [(String, String)] = [
        (
            "bailing",
            "<role>SYSTEM</role>You are terse.<role>HUMAN</role>Name a prime.<role>ASSISTANT</role> Seven. <role>TOOL</role>tool out<role>HUMAN</role>Another?<role>ASSISTANT</role>"
        ),
        (
            "bailing-think",
            "<role>SYSTEM</role>You are terse.<role>HUMAN</role>Name a prime.<role>ASSISTANT</role> Seven. <role>TOOL</role>tool out<role>HUMAN</role>Another?<role>ASSISTANT</role><think>"
        ),
        (
            "bailing2",
            "<role>SYSTEM</role>You are terse.<|role_end|><role>HUMAN</role>Name a prime.<|role_end|><role>ASSISTANT</role> Seven. <|role_end|><role>TOOL</role>tool out<|role_end|><role>HUMAN</role>Another?<|role_end|><role>ASSISTANT</role>"
        ),
        (
            "chatglm3",
            "[gMASK]sop<|system|>\n You are terse.<|user|>\n Name a prime.<|assistant|>\n  Seven. <|tool|>\n tool out<|user|>\n Another?<|assistant|>"
        ),
        (
            "chatglm4",
            "[gMASK]<sop><|system|>\nYou are terse.<|user|>\nName a prime.<|assistant|>\n Seven. <|tool|>\ntool out<|user|>\nAnother?<|assistant|>\n"
        ),
        (
            "command-r",
            "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are terse.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Name a prime.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Seven.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another?<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"
        ),
        (
            "deepseek",
            "You are terse.### Instruction:\nName a prime.\n### Response:\n Seven. \n<|EOT|>\n### Instruction:\nAnother?\n### Response:\n"
        ),
        ("deepseek-ocr", "You are terse.Name a prime. Seven. tool outAnother?"),
        (
            "deepseek2",
            "You are terse.\n\nUser: Name a prime.\n\nAssistant:  Seven. <｜end▁of▁sentence｜>User: Another?\n\nAssistant:"
        ),
        (
            "deepseek3",
            "You are terse.\n\n<｜User｜>Name a prime.<｜Assistant｜> Seven. <｜end▁of▁sentence｜><｜User｜>Another?<｜Assistant｜>"
        ),
        (
            "exaone-moe",
            "<|system|>\nYou are terse.<|endofturn|>\n<|user|>\nName a prime.<|endofturn|>\n<|assistant|>\nSeven.<|endofturn|>\n<|tool|>\ntool out<|endofturn|>\n<|user|>\nAnother?<|endofturn|>\n<|assistant|>\n"
        ),
        (
            "exaone3",
            "[|system|]You are terse.[|endofturn|]\n[|user|]Name a prime.\n[|assistant|]Seven.[|endofturn|]\n[|user|]Another?\n[|assistant|]"
        ),
        (
            "exaone4",
            "[|system|]You are terse.[|endofturn|]\n[|user|]Name a prime.\n[|assistant|]Seven.[|endofturn|]\n[|tool|]tool out[|endofturn|]\n[|user|]Another?\n[|assistant|]"
        ),
        (
            "falcon3",
            "<|system|>\nYou are terse.\n<|user|>\nName a prime.\n<|assistant|>\n Seven. \n<|tool|>\ntool out\n<|user|>\nAnother?\n<|assistant|>\n"
        ),
        (
            "gigachat",
            "<s>You are terse.<|message_sep|>user<|role_sep|>Name a prime.<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|> Seven. <|message_sep|>user<|role_sep|>Another?<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|>"
        ),
        (
            "glmedge",
            "<|system|>\nYou are terse.<|user|>\nName a prime.<|assistant|>\n Seven. <|tool|>\ntool out<|user|>\nAnother?<|assistant|>"
        ),
        (
            "gpt-oss",
            "<|start|>system<|message|>You are terse.<|end|><|start|>user<|message|>Name a prime.<|end|><|start|>assistant<|message|> Seven. <|return|><|start|>tool<|message|>tool out<|end|><|start|>user<|message|>Another?<|end|><|start|>assistant"
        ),
        (
            "granite",
            "<|start_of_role|>system<|end_of_role|>You are terse.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Name a prime.<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|> Seven. <|end_of_text|>\n<|start_of_role|>tool<|end_of_role|>tool out<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Another?<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>"
        ),
        (
            "granite-4.0",
            "<|start_of_role|>system<|end_of_role|>You are terse.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Name a prime.<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|> Seven. <|end_of_text|>\n<|start_of_role|>tool<|end_of_role|>tool out<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Another?<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>"
        ),
        (
            "granite-4.1",
            "<|start_of_role|>system<|end_of_role|>You are terse.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Name a prime.<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|> Seven. <|end_of_text|>\n<|start_of_role|>tool<|end_of_role|>tool out<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Another?<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>"
        ),
        (
            "grok-2",
            "System: You are terse.<|separator|>\n\nHuman: Name a prime.<|separator|>\n\nAssistant:  Seven. <|separator|>\n\nHuman: Another?<|separator|>\n\nAssistant:"
        ),
        (
            "hunyuan-dense",
            "You are terse.<｜hy_place▁holder▁no▁3｜><｜hy_User｜>Name a prime.<｜hy_Assistant｜><｜hy_Assistant｜> Seven. <｜hy_place▁holder▁no▁2｜><｜hy_User｜>Another?<｜hy_Assistant｜>"
        ),
        (
            "hunyuan-moe",
            "<|startoftext|>You are terse.<|extra_4|><|startoftext|>Name a prime.<|extra_0|> Seven. <|eos|><|startoftext|>tool out<|extra_0|><|startoftext|>Another?<|extra_0|>"
        ),
        (
            "hunyuan-vl",
            "<｜hy_begin▁of▁sentence｜>You are terse.<｜hy_place▁holder▁no▁3｜>Name a prime.<｜hy_User｜> Seven. <｜hy_Assistant｜>Another?<｜hy_User｜>"
        ),
        (
            "kimi-k2",
            "<|im_system|>system<|im_middle|>You are terse.<|im_end|><|im_user|>user<|im_middle|>Name a prime.<|im_end|><|im_assistant|>assistant<|im_middle|> Seven. <|im_end|><|im_system|>tool<|im_middle|>tool out<|im_end|><|im_user|>user<|im_middle|>Another?<|im_end|><|im_assistant|>assistant<|im_middle|>"
        ),
        (
            "llama4",
            "<|header_start|>system<|header_end|>\n\nYou are terse.<|eot|><|header_start|>user<|header_end|>\n\nName a prime.<|eot|><|header_start|>assistant<|header_end|>\n\nSeven.<|eot|><|header_start|>tool<|header_end|>\n\ntool out<|eot|><|header_start|>user<|header_end|>\n\nAnother?<|eot|><|header_start|>assistant<|header_end|>\n\n"
        ),
        (
            "megrez",
            "<|role_start|>system<|role_end|>You are terse.<|turn_end|><|role_start|>user<|role_end|>Name a prime.<|turn_end|><|role_start|>assistant<|role_end|> Seven. <|turn_end|><|role_start|>tool<|role_end|>tool out<|turn_end|><|role_start|>user<|role_end|>Another?<|turn_end|><|role_start|>assistant<|role_end|>"
        ),
        ("minicpm", "You are terse.<用户>Name a prime.<AI>Seven.tool out<用户>Another?<AI>"),
        (
            "monarch",
            "system\nYou are terse.</s>\n<s>user\nName a prime.</s>\n<s>assistant\n Seven. </s>\n<s>tool\ntool out</s>\n<s>user\nAnother?</s>\n<s>assistant\n"
        ),
        (
            "openchat",
            "You are terse.<|end_of_turn|>GPT4 Correct User: Name a prime.<|end_of_turn|>GPT4 Correct Assistant:  Seven. <|end_of_turn|>GPT4 Correct Tool: tool out<|end_of_turn|>GPT4 Correct User: Another?<|end_of_turn|>GPT4 Correct Assistant:"
        ),
        (
            "orion",
            "Human: You are terse.\n\nName a prime.\n\nAssistant: </s> Seven. </s>tool out</s>Human: Another?\n\nAssistant: </s>"
        ),
        (
            "pangu-embedded",
            "[unused9]系统：You are terse.[unused10][unused9]用户：Name a prime.[unused10][unused9]助手： Seven. [unused10][unused9]工具：tool out[unused10][unused9]用户：Another?[unused10][unused9]助手："
        ),
        (
            "phi4",
            "<|im_start|>system<|im_sep|>You are terse.<|im_end|><|im_start|>user<|im_sep|>Name a prime.<|im_end|><|im_start|>assistant<|im_sep|> Seven. <|im_end|><|im_start|>tool<|im_sep|>tool out<|im_end|><|im_start|>user<|im_sep|>Another?<|im_end|><|im_start|>assistant<|im_sep|>"
        ),
        (
            "rwkv-world",
            "System: You are terse.\n\nUser: Name a prime.\n\nAssistant: Seven.\n\nUser: Another?\n\nAssistant:"
        ),
        (
            "seed_oss",
            "<seed:bos>system\nYou are terse.<seed:eos><seed:bos>user\nName a prime.<seed:eos><seed:bos>assistant\nSeven.<seed:eos><seed:bos>tool\ntool out<seed:eos><seed:bos>user\nAnother?<seed:eos><seed:bos>assistant\n"
        ),
        (
            "smolvlm",
            "<|im_start|>You are terse.\n\nUser: Name a prime.<end_of_utterance>\nAssistant:  Seven. <end_of_utterance>\nAssistant: tool out<end_of_utterance>\nUser: Another?<end_of_utterance>\nAssistant:"
        ),
        (
            "solar-open",
            "<|begin|>system<|content|>You are terse.<|end|><|begin|>user<|content|>Name a prime.<|end|><|begin|>assistant<|content|> Seven. <|end|><|begin|>tool<|content|>tool out<|end|><|begin|>user<|content|>Another?<|end|><|begin|>assistant"
        ),
        (
            "vicuna-orca",
            "SYSTEM: You are terse.\nUSER: Name a prime.\nASSISTANT:  Seven. </s>\nUSER: Another?\nASSISTANT:"
        ),
        (
            "yandex",
            " Пользователь: Name a prime.\n\n Ассистент:  Seven. \n\n Пользователь: Another?\n\n Ассистент:[SEP]"
        ),
    ]

    static let toolConversation = [
        ChatMessage(role: "system", content: "You are terse."), ChatMessage(role: "user", content: "Name a prime."),
        ChatMessage(role: "assistant", content: " Seven. "), ChatMessage(role: "tool", content: "tool out"),
        ChatMessage(role: "user", content: "Another?"),
    ]

    @Test func otherBuiltInFormatsMatchLlamaCpp() throws {
        for (name, expected) in Self.otherFormats {
            let got = try ChatTemplate.render(
                name: name, modelTemplate: nil, messages: Self.toolConversation, addAssistant: true)
            #expect(Array(got.utf8) == Array(expected.utf8), "\(name)")
        }
    }

    @Test func builtInNamesAreLlamaCppsList() throws {
        let names = ChatTemplate.builtInNames
        #expect(names.count == 54)
        #expect(names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let fixtureNames = Set(
            try Self.fixtureCases().map(\.template).filter { !$0.hasPrefix("model:") && $0 != "no-such-template" })
        #expect(fixtureNames.isSubset(of: Set(names)))
        let covered = fixtureNames.union(Self.otherFormats.map(\.0))
        #expect(covered == Set(names), "every built-in name is checked against llama.cpp")
        for name in names {
            #expect(try ChatTemplate.resolvedName(name: name, modelTemplate: nil) == name)
        }
    }

    @Test func detectionFollowsLlamaCppsMarkers() throws {
        let json = try MiniJSON.parse(TestData.read(TestData.fixturesDirectory + "/chat-templates.json"))
        func detected(_ template: String) throws -> String? {
            try ChatTemplate.resolvedName(name: nil, modelTemplate: template)
        }
        #expect(try detected(try #require(json["model_templates"]?["model:smollm2"]?.string)) == "chatml")
        #expect(try detected(try #require(json["model_templates"]?["model:qwen2"]?.string)) == "chatml")
        #expect(try detected(try #require(json["model_templates"]?["model:phi-3"]?.string)) == "phi3")
        let probes: [(String, String?)] = [
            ("{{ '<|im_start|>' + m + '<|im_sep|>' }}", "phi4"),
            ("<|im_start|>{{ x }}<end_of_utterance>", "smolvlm"),
            ("<|im_start|>[INST]", "chatml"),
            ("mistral-foo", "llama2"),
            ("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}<<SYS>>", "llama2-sys-strip"),
            ("{{ bos_token + '[INST] ' }}<<SYS>>", "llama2-sys-bos"),
            ("[INST] <<SYS>>", "llama2-sys"),
            ("[INST] [SYSTEM_PROMPT]", "mistral-v7"),
            ("[INST]' [INST] ' + system_message", "mistral-v1"),
            ("[AVAILABLE_TOOLS]\"[INST]\"", "mistral-v3-tekken"),
            ("[AVAILABLE_TOOLS][INST]", "mistral-v3"),
            ("<|start_header_id|>{{ r }}<|end_header_id|>", "llama3"),
            ("<|header_start|><|header_end|>", "llama4"),
            ("<start_of_turn>", "gemma"),
            ("<|user|>{{ c }}<|endoftext|>", "zephyr"),
            ("<|assistant|><|user|></s>", "falcon3"),
            ("<|assistant|><|user|>", "glmedge"),
            ("USER: x ASSISTANT: y", "vicuna"),
            ("SYSTEM: USER: x ASSISTANT: y", "vicuna-orca"),
            ("<｜Assistant｜><｜User｜><｜end▁of▁sentence｜>", "deepseek3"),
            ("<|endofuserprompt|>", nil),  // dots1: detected, but it has no name
        ]
        for (template, name) in probes {
            #expect(try detected(template) == name, "\(template)")
        }
        // Names match exactly; anything else goes through detection, as in llama.cpp.
        for bad in ["", "CHATML", " chatml", "llama3 ", "no-such-template", "{{ messages }}"] {
            #expect(throws: LlamaError.self) { try ChatTemplate.resolvedName(name: bad, modelTemplate: nil) }
            #expect(throws: LlamaError.self) { try ChatTemplate.resolvedName(name: nil, modelTemplate: bad) }
        }
    }

    @Test func unknownTemplatesAreUnsupported() {
        let hi = [ChatMessage(role: "user", content: "Hi")]
        do {
            _ = try ChatTemplate.render(name: "no-such-template", modelTemplate: nil, messages: hi, addAssistant: true)
            Issue.record("expected an error")
        } catch {
            #expect(Self.kind(of: error) == .unsupported)
            let message = String(describing: error)
            #expect(message.hasPrefix("chat template 'no-such-template' is not supported; built-in names: bailing, "))
            #expect(message.contains("chatml") && message.contains("zephyr"))
        }
        // A model template that is not recognised: one line, excerpted.
        let jinja =
            "{% for m in messages %}\n{{ m.role }}: {{ m.content }}\n{% endfor %}" + String(repeating: "x", count: 200)
        do {
            _ = try ChatTemplate.render(name: nil, modelTemplate: jinja, messages: hi, addAssistant: true)
            Issue.record("expected an error")
        } catch {
            #expect(Self.kind(of: error) == .unsupported)
            let message = String(describing: error)
            #expect(!message.contains("\n") && message.contains("tokenizer.chat_template") && message.count < 1200)
        }
        // The name wins over the model's template.
        #expect(throws: LlamaError.self) {
            try ChatTemplate.render(name: "nope", modelTemplate: "<|im_start|>", messages: hi, addAssistant: true)
        }
    }

    @Test func noTemplateAtAllIsChatML() throws {
        let got = try ChatTemplate.render(
            name: nil, modelTemplate: nil, messages: [ChatMessage(role: "user", content: "Hi")], addAssistant: true)
        #expect(got == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func emptyMessageList() throws {
        for name in ChatTemplate.builtInNames {
            for add in [false, true] {
                _ = try ChatTemplate.render(name: name, modelTemplate: nil, messages: [], addAssistant: add)
            }
        }
        #expect(try ChatTemplate.render(name: "chatml", modelTemplate: nil, messages: [], addAssistant: false) == "")
        #expect(
            try ChatTemplate.render(name: "chatml", modelTemplate: nil, messages: [], addAssistant: true)
                == "<|im_start|>assistant\n")
        #expect(
            try ChatTemplate.render(name: "llama2", modelTemplate: nil, messages: [], addAssistant: true) == "[INST] ")
        #expect(
            try ChatTemplate.render(name: "bailing2", modelTemplate: nil, messages: [], addAssistant: false)
                == "<role>SYSTEM</role>detailed thinking off<|role_end|>")
        #expect(
            try ChatTemplate.render(name: "hunyuan-vl", modelTemplate: nil, messages: [], addAssistant: true)
                == "<｜hy_begin▁of▁sentence｜>")
    }

    @Test func emptyContentAndEmptyRole() throws {
        let m = [ChatMessage(role: "user", content: ""), ChatMessage(role: "", content: "")]
        #expect(
            try ChatTemplate.render(name: "chatml", modelTemplate: nil, messages: m, addAssistant: false)
                == "<|im_start|>user\n<|im_end|>\n<|im_start|>\n<|im_end|>\n")
        #expect(
            try ChatTemplate.render(name: "llama3", modelTemplate: nil, messages: m, addAssistant: false)
                == "<|start_header_id|>user<|end_header_id|>\n\n<|eot_id|><|start_header_id|><|end_header_id|>\n\n<|eot_id|>"
        )
        #expect(
            try ChatTemplate.render(name: "openchat", modelTemplate: nil, messages: m, addAssistant: false)
                == "GPT4 Correct User: <|end_of_turn|>GPT4 Correct : <|end_of_turn|>")
        // Whitespace-only content trims to nothing.
        #expect(
            try ChatTemplate.render(
                name: "gemma", modelTemplate: nil,
                messages: [ChatMessage(role: "user", content: " \t\n\u{0B}\u{0C}\r ")], addAssistant: false)
                == "<start_of_turn>user\n<end_of_turn>\n")
    }

    /// A role llama.cpp's template does not know: written as is, dropped, or treated as
    /// the assistant's, depending on the format (as in llama.cpp).
    @Test func unknownRole() throws {
        let m = [ChatMessage(role: "tool", content: "42"), ChatMessage(role: "user", content: "Hi")]
        func r(_ name: String) throws -> String {
            try ChatTemplate.render(name: name, modelTemplate: nil, messages: m, addAssistant: true)
        }
        #expect(
            try r("chatml") == "<|im_start|>tool\n42<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
        #expect(try r("vicuna") == "USER: Hi\nASSISTANT:")
        #expect(try r("llama2") == "[INST] 42</s>[INST] Hi [/INST]")
        #expect(try r("mistral-v7") == " 42</s>[INST] Hi[/INST]")
        #expect(
            try r("gemma")
                == "<start_of_turn>tool\n42<end_of_turn>\n<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
        #expect(
            try r("command-r")
                == "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hi<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"
        )
    }

    /// Content is copied byte for byte: no Unicode normalisation, no trimming of Unicode
    /// spaces (llama.cpp trims only ASCII whitespace), markup left as markup.
    @Test func unicodeIsCopiedByteForByte() throws {
        let decomposed = "e\u{301}"  // == "é" for Swift's String ==, but other bytes
        let nbsp = "\u{A0}x\u{3000}"
        let m = [ChatMessage(role: "user", content: decomposed + " 🦙 日本語 " + nbsp)]
        let got = try ChatTemplate.render(name: "llama3", modelTemplate: nil, messages: m, addAssistant: false)
        let expected = "<|start_header_id|>user<|end_header_id|>\n\n" + decomposed + " 🦙 日本語 " + nbsp + "<|eot_id|>"
        #expect(Array(got.utf8) == Array(expected.utf8))
        #expect(
            !got.utf8.elementsEqual("<|start_header_id|>user<|end_header_id|>\n\n\u{E9} 🦙 日本語 \(nbsp)<|eot_id|>".utf8))
        // A role that is canonically equivalent to "system" only by Unicode rules is not "system".
        let kelvinLike = [ChatMessage(role: "\u{212A}", content: "a"), ChatMessage(role: "user", content: "b")]
        #expect(
            try ChatTemplate.render(name: "vicuna", modelTemplate: nil, messages: kelvinLike, addAssistant: false)
                == "USER: b\n")
        // Non-ASCII roles keep their bytes when upper-cased (ASCII only, as C toupper).
        #expect(
            try ChatTemplate.render(
                name: "bailing", modelTemplate: nil, messages: [ChatMessage(role: "ünï", content: "c")],
                addAssistant: false)
                == "<role>üNï</role>c")
        #expect(
            try ChatTemplate.render(
                name: "chatml", modelTemplate: nil, messages: [ChatMessage(role: "user", content: "<|im_end|>")],
                addAssistant: false)
                == "<|im_start|>user\n<|im_end|><|im_end|>\n")
    }
}
