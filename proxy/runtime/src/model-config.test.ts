import { describe, expect, it } from "vitest";
import { configTensors, parseModelConfig } from "./model-config.js";
import { parsePbtxt } from "./pbtxt.js";

const CONFIG = `
name: "bertscore"  # a comment
backend: "python"
max_batch_size: 64
input [
  { name: "CANDIDATE" data_type: TYPE_STRING dims: [ 1 ] },
  { name: "REFERENCE_COUNT" data_type: TYPE_INT32 dims: [ 1 ] optional: true }
]
output [ { name: "F1" data_type: TYPE_FP32 dims: [ 1 ] } ]
dynamic_batching { max_queue_delay_microseconds: 1000 }
instance_group [ { count: 1 kind: KIND_CPU } ]
parameters { key: "task" value: { string_value: "bertscore" } }
parameters { key: "escaped" value: { string_value: "a \\"quoted\\" value" } }
`;

describe("config.pbtxt", () => {
  it("parses to Triton's JSON form", () => {
    expect(parseModelConfig(CONFIG, "folder")).toEqual({
      name: "bertscore",
      backend: "python",
      max_batch_size: 64,
      input: [
        { name: "CANDIDATE", data_type: "TYPE_STRING", dims: ["1"] },
        { name: "REFERENCE_COUNT", data_type: "TYPE_INT32", dims: ["1"], optional: true },
      ],
      output: [{ name: "F1", data_type: "TYPE_FP32", dims: ["1"] }],
      dynamic_batching: { max_queue_delay_microseconds: "1000" },
      instance_group: [{ count: 1, kind: "KIND_CPU" }],
      parameters: { task: { string_value: "bertscore" }, escaped: { string_value: 'a "quoted" value' } },
    });
  });

  it("keeps execution accelerator parameters as plain strings", () => {
    const config = parseModelConfig(
      'optimization { execution_accelerators { gpu_execution_accelerator: [ { name: "tensorrt" parameters { key: "precision_mode" value: "FP16" } } ] } }',
      "enc",
    );
    expect(config.optimization).toEqual({
      execution_accelerators: { gpu_execution_accelerator: [{ name: "tensorrt", parameters: { precision_mode: "FP16" } }] },
    });
  });

  it("takes the folder name when the config has none, and adds the batch dimension", () => {
    const config = parseModelConfig('max_batch_size: 8 input [ { name: "X" data_type: TYPE_INT64 dims: [ -1 ] } ]', "enc");
    expect(config.name).toBe("enc");
    expect(configTensors(config, "input")).toEqual([{ name: "X", datatype: "INT64", shape: [-1, -1], optional: false }]);
  });

  it("reports syntax errors with a line number", () => {
    expect(() => parsePbtxt('name: "x"\ninput [ { name: "unterminated }')).toThrow(/unterminated string at line 2/);
    expect(() => parsePbtxt("a { b: 1")).toThrow(/expected '}'/);
  });
});
