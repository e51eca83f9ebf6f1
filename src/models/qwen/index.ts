/**
 * Qwen3.5's own prompt format: render conversations exactly as its chat template does,
 * parse its streamed output (thinking, text, XML tool calls), and constrain tool calls
 * with a grammar built from the tools' JSON schemas. No node-llama-cpp here.
 */
export { renderQwenPrompt, renderQwenPromptSegments, qwenGenerationPrompt, renderToolDefinition, renderToolCallBody, QwenPromptError, type QwenPromptOptions, type PromptSegment } from "./prompt.ts";
export { QwenOutputParser, parseQwenOutput, type QwenOutputParserOptions, type QwenParsedTurn } from "./output-parser.ts";
export { buildQwenToolCallGrammar, buildQwenResponseGrammar, type QwenToolCallGrammarOptions, type QwenResponseGrammarOptions } from "./tool-grammar.ts";
export { checkToolCall, coerceValue } from "./tool-arguments.ts";
