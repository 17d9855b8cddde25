import { describe, expect, it } from "vitest";
import { BertscoreParams, createTools, EmbedParams, TOOL_NAMES, validate } from "./tools.js";

const tools = createTools({ problem: "not configured" });
const byName = (name: string) => {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
};

describe("tool parameters", () => {
  it("are plain top-level object JSON Schemas that refuse unknown keys", () => {
    expect(tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    for (const tool of tools) {
      expect(tool.parameters.type).toBe("object");
      expect(tool.parameters.additionalProperties).toBe(false);
      expect(tool.parameters).not.toHaveProperty("$schema");
      expect(tool.parameters).not.toHaveProperty("$ref");
      expect(tool.description.length).toBeGreaterThan(20);
    }
  });

  it("describe gpu_bertscore's arguments with the API's defaults", () => {
    const schema = byName("gpu_bertscore").parameters as { properties: Record<string, { default?: unknown }>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(
      ["candidates", "idf", "lang", "model", "model_type", "references", "rescale_with_baseline", "use_fast_tokenizer"].sort(),
    );
    expect(schema.required.sort()).toEqual(["candidates", "references"]);
    expect(schema.properties.lang?.default).toBe("en");
    expect(schema.properties.idf?.default).toBe(false);
  });

  it("describe gpu_embed's arguments", () => {
    const schema = byName("gpu_embed").parameters as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(["include_vectors", "model", "texts"]);
    expect(schema.required).toEqual(["texts"]);
    expect((schema.properties.include_vectors as { default?: unknown }).default).toBe(false);
  });
});

describe("validate", () => {
  it("fills defaults", () => {
    expect(validate("gpu_bertscore", BertscoreParams, { candidates: ["a"], references: [["b", "c"]] })).toEqual({
      candidates: ["a"],
      references: [["b", "c"]],
      lang: "en",
      idf: false,
      rescale_with_baseline: false,
      use_fast_tokenizer: false,
    });
  });

  it.each([
    ["gpu_embed", EmbedParams, { texts: ["a"], include_vectors: "yes" }, /include_vectors: Invalid input: expected boolean/],
    ["gpu_embed", EmbedParams, { texts: "hello" }, /texts: Invalid input: expected array, received string/],
    ["gpu_embed", EmbedParams, { text: ["a"] }, /texts: .*expected array.*Unrecognized key: "text"/],
    ["gpu_bertscore", BertscoreParams, { candidates: ["a", "b"], references: ["a"] }, /references: candidates and references must have equal length \(2 vs 1\)/],
    ["gpu_bertscore", BertscoreParams, { candidates: ["a"], references: ["a"], idf: "yes" }, /idf: Invalid input: expected boolean/],
  ] as const)("%s rejects %j with a ToolInputError", (tool, schema, args, message) => {
    let error: unknown;
    try {
      validate(tool, schema, args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("ToolInputError");
    expect((error as { status?: number }).status).toBe(400);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid arguments for ${tool}: `));
    expect((error as Error).message).toMatch(message);
  });
});

describe("execute", () => {
  it("checks arguments before anything else, then reports a config problem as a failed-tool result", async () => {
    await expect(byName("gpu_embed").execute("call-1", { texts: [1] })).rejects.toMatchObject({ name: "ToolInputError" });
    expect(await byName("gpu_embed").execute("call-1", { texts: ["a"] })).toEqual({
      content: [{ type: "text", text: "not configured" }],
      details: { status: "error", error: "not configured" },
    });
    await expect(byName("gpu_health").execute("call-1", { extra: 1 })).rejects.toMatchObject({ name: "ToolInputError" });
  });
});
