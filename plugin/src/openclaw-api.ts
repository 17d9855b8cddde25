/**
 * The slice of OpenClaw's plugin SDK (`openclaw/plugin-sdk/plugin-entry`, 2026.9) that this plugin uses, written
 * out structurally so the plugin has no runtime or build-time dependency on the 600 MB host package. The real
 * host is exercised by test/openclaw.
 */

export interface TextContent {
  type: "text";
  text: string;
}

/** `AgentToolResult`: `content` goes to the model, `details` is kept for callers and UIs. */
export interface ToolResult<TDetails> {
  content: TextContent[];
  details: TDetails;
}

/** `AgentTool`; `parameters` is a JSON Schema object (OpenClaw compiles it with TypeBox, which accepts plain JSON Schema). */
export interface AgentTool<TDetails = unknown> {
  name: string;
  label: string;
  description: string;
  parameters: Record<string, unknown>;
  execute(toolCallId: string, params: unknown, signal?: AbortSignal): Promise<ToolResult<TDetails>>;
}

export interface PluginLogger {
  debug?: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
}

/** `OpenClawPluginApi`, reduced to what `register` reads and calls. */
export interface PluginApi {
  id: string;
  pluginConfig?: Record<string, unknown>;
  logger: PluginLogger;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the host's tool type is wider than ours
  registerTool: (tool: AgentTool<any>) => void;
}

/** What `definePluginEntry` returns; OpenClaw imports it as the module's default export. */
export interface PluginEntry {
  id: string;
  name: string;
  description: string;
  register(api: PluginApi): void;
}
