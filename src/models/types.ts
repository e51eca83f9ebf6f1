/**
 * Backend-neutral chat model vocabulary (messages, tools, stream events). Defined once in
 * src/protocol/chat.ts because the same shapes cross the wire; re-exported here so the
 * model libraries and their callers import from src/models.
 */
export type {
  AssistantMessage,
  ChatMessage,
  ChatStreamEvent,
  JsonSchema,
  JsonSchemaType,
  JsonValue,
  StopReason,
  SystemMessage,
  TokenUsage,
  ToolCall,
  ToolDefinition,
  ToolResultMessage,
  UserMessage,
} from "../protocol/chat.ts";
