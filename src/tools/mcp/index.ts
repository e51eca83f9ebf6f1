/**
 * MCP (Model Context Protocol) servers as agent tools: configuration (VS Code's mcp.json
 * format), connections made with the official SDK, and the conversion of each server tool
 * into a Hearth `Tool`. See src/tools/README.md, "MCP".
 */
export { McpConfigError, type McpConfig, type McpConfigContext, type McpServerConfig, parseMcpConfig } from "./config.ts";
export { McpConnection, type McpConnectOptions, type McpListedTool, describeServer } from "./connection.ts";
export { mcpTools, type McpToolSet } from "./mcp-tool.ts";
export { type McpConsent, McpServers, type McpServersOptions, type McpSyncResult } from "./servers.ts";
