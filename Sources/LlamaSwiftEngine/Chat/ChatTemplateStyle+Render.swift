/// Dispatch from a format to its renderer (the renderers live in `ChatTemplate+*.swift`,
/// grouped by family).
extension ChatTemplateStyle {
    func render(_ messages: [ChatMessage], addAssistant add: Bool, into w: inout ChatPromptWriter) {
        switch self {
        case .chatml: ChatML.chatml(messages, add, &w)
        case .phi4: ChatML.phi4(messages, add, &w)
        case .smolvlm: ChatML.smolvlm(messages, add, &w)
        case .llama2, .llama2Sys, .llama2SysBos, .llama2SysStrip: Llama2Chat.render(self, messages, &w)
        case .mistralV1, .mistralV3, .mistralV3Tekken: MistralChat.v1v3(self, messages, &w)
        case .mistralV7, .mistralV7Tekken: MistralChat.v7(self, messages, &w)
        case .llama3, .llama4: HeaderChat.render(self, messages, add, &w)
        case .phi3, .falcon3, .zephyr, .glmedge, .chatglm3, .chatglm4: RoleTagChat.render(self, messages, add, &w)
        case .gemma: GemmaChat.render(messages, add, &w)
        case .vicuna, .vicunaOrca, .orion, .openchat, .monarch: ClassicChat.render(self, messages, add, &w)
        case .deepseek, .deepseek2, .deepseek3, .deepseekOCR: DeepSeekChat.render(self, messages, add, &w)
        case .commandR, .exaone3, .exaone4, .exaoneMoE, .granite3, .granite40, .granite41:
            TurnTokenChat.render(self, messages, add, &w)
        case .minicpm, .rwkvWorld, .yandex, .grok2, .gigachat, .seedOSS:
            PlainTextChat.render(self, messages, add, &w)
        case .megrez, .bailing, .bailingThink, .bailing2, .dots1, .gptOSS, .kimiK2, .solarOpen:
            MarkupChat.render(self, messages, add, &w)
        case .hunyuanMoE, .hunyuanDense, .hunyuanVL, .panguEmbedded:
            CJKChat.render(self, messages, add, &w)
        }
    }
}
