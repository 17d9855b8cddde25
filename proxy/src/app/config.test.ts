import { describe, expect, it } from "vitest";
import { parseRuntimeConfig } from "@gpu-bridge/runtime/config";
import { ConfigError, parseConfig } from "./config.js";

describe("parseConfig", () => {
  it("applies the original service's defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      TRITON_URL: [],
      GPU_MAX_TEXTS_IN_FLIGHT: 128,
      GPU_RESERVED_TEXTS: 16,
      HEALTH_PROBE_CACHE_MS: 1000,
      GPU_MAX_BATCH_SIZE: 100,
      GPU_MAX_TEXT_LENGTH: 10000,
      MODEL_EMBED: "all-MiniLM-L6-v2",
      MODEL_BERTSCORE: "roberta-large",
      UPSTREAM_TIMEOUT_MS: 65000,
      HOST: "127.0.0.1",
      PORT: 8765,
      UPSTREAM_BINARY: true,
    });
    expect(config.API_KEY).toBeUndefined();
    expect(config.GPU_MAX_CONCURRENT).toBeUndefined();
  });

  it("admits a request of GPU_MAX_BATCH_SIZE texts beside the small requests' reserve at default settings", () => {
    const config = parseConfig({});
    expect(config.GPU_MAX_BATCH_SIZE + config.GPU_RESERVED_TEXTS).toBeLessThanOrEqual(config.GPU_MAX_TEXTS_IN_FLIGHT);
  });

  it("reads the admission settings: requests only when set, texts in flight validated", () => {
    expect(parseConfig({ GPU_MAX_CONCURRENT: "2", GPU_MAX_TEXTS_IN_FLIGHT: "128" })).toMatchObject({
      GPU_MAX_CONCURRENT: 2,
      GPU_MAX_TEXTS_IN_FLIGHT: 128,
    });
    for (const [name, value] of [
      ["GPU_MAX_TEXTS_IN_FLIGHT", "0"],
      ["GPU_MAX_TEXTS_IN_FLIGHT", "many"],
      ["GPU_MAX_CONCURRENT", "1.5"],
    ] as const) {
      expect(() => parseConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: `));
    }
  });

  it("reads a comma-separated TRITON_URL list and treats empty values as unset", () => {
    const config = parseConfig({ TRITON_URL: " https://a.example/ ,http://10.0.0.2:8000,, ", API_KEY: "", PORT: "" });
    expect(config.TRITON_URL).toEqual(["https://a.example", "http://10.0.0.2:8000"]);
    expect(config.API_KEY).toBeUndefined();
    expect(config.PORT).toBe(8765);
  });

  it("refuses a TRITON_URL with user:password@, pointing to UPSTREAM_HEADERS, without echoing the password", () => {
    for (const url of ["http://triton:s3cret-pw@10.0.0.2:8000", "https://a.example,https://user:s3cret-pw@b.example/v2", "http://:s3cret-pw@x"]) {
      let message = "";
      try {
        parseConfig({ TRITON_URL: url });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, url).toMatch(/^invalid configuration: TRITON_URL: .*no user:password@ in the URL; send credentials as a header with UPSTREAM_HEADERS/);
      expect(message, url).not.toContain("s3cret-pw");
    }
    expect(() => parseConfig({ TRITON_URL: "ftp://user:s3cret-pw@x" })).toThrow(/^(?!.*s3cret-pw).*not an http\(s\) URL: ftp:\/\/…@x/);
  });

  it("reads UPSTREAM_HEADERS as a JSON object of header names to strings", () => {
    expect(parseConfig({}).UPSTREAM_HEADERS).toEqual({});
    const headers = { "CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "s3cret" };
    expect(parseConfig({ UPSTREAM_HEADERS: JSON.stringify(headers) }).UPSTREAM_HEADERS).toEqual(headers);
    for (const bad of ["not json", "[1]", '{"x": 1}', '{"bad name": "v"}']) {
      expect(() => parseConfig({ UPSTREAM_HEADERS: bad }), bad).toThrow(/UPSTREAM_HEADERS: must be a JSON object/);
    }
  });

  it("names every bad setting", () => {
    expect(() => parseConfig({ TRITON_URL: "ftp://x", GPU_MAX_CONCURRENT: "0", PORT: "http" })).toThrow(ConfigError);
    const bad = () => parseConfig({ TRITON_URL: "ftp://x", GPU_MAX_CONCURRENT: "0" });
    expect(bad).toThrow("TRITON_URL: not an http(s) URL: ftp://x");
    expect(bad).toThrow(/GPU_MAX_CONCURRENT: /);
  });

  it("reads the Node server's deadlines and connection cap, headers no later than the whole request", () => {
    expect(parseConfig({})).toMatchObject({
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
      HTTP_MAX_CONNECTIONS: 1024,
    });
    expect(() => parseConfig({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "1000" })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => parseConfig({ HTTP_MAX_CONNECTIONS: "0" })).toThrow(/HTTP_MAX_CONNECTIONS/);
  });

  it("reads ALLOWED_HOSTS as lower-cased host names, and refuses URLs and ports", () => {
    expect(parseConfig({}).ALLOWED_HOSTS).toBeUndefined();
    expect(parseConfig({ ALLOWED_HOSTS: " GPU.example.com, .corp.example ,*,[::1]" }).ALLOWED_HOSTS).toEqual([
      "gpu.example.com",
      ".corp.example",
      "*",
      "[::1]",
    ]);
    for (const bad of ["http://gpu.example.com", "gpu.example.com:8765", "a b"]) {
      expect(() => parseConfig({ ALLOWED_HOSTS: bad }), bad).toThrow(/ALLOWED_HOSTS: not a host name/);
    }
  });

  it("caps GPU_MAX_BATCH_SIZE, so that a list of wrong elements is checked in milliseconds", () => {
    expect(parseConfig({ GPU_MAX_BATCH_SIZE: "10000" }).GPU_MAX_BATCH_SIZE).toBe(10_000);
    expect(() => parseConfig({ GPU_MAX_BATCH_SIZE: "10001" })).toThrow(/GPU_MAX_BATCH_SIZE/);
  });

  it("accepts Worker bindings that are not strings", () => {
    expect(parseConfig({ GPU_MAX_CONCURRENT: 4, UPSTREAM_BINARY: false }).GPU_MAX_CONCURRENT).toBe(4);
    expect(parseConfig({ UPSTREAM_BINARY: "false" }).UPSTREAM_BINARY).toBe(false);
  });

  it("reads the embedded runtime's settings, and refuses bad ones by name instead of ignoring them", () => {
    expect(parseConfig({})).toMatchObject({ RUNTIME_EXECUTION_PROVIDER: "cpu", RUNTIME_WORKERS: 1 });
    expect(parseConfig({}).RUNTIME_INTRA_OP_THREADS).toBeUndefined();
    expect(parseConfig({ RUNTIME_EXECUTION_PROVIDER: " CUDA ", RUNTIME_WORKERS: "2", RUNTIME_INTRA_OP_THREADS: "3" })).toMatchObject({
      RUNTIME_EXECUTION_PROVIDER: "cuda",
      RUNTIME_WORKERS: 2,
      RUNTIME_INTRA_OP_THREADS: 3,
    });
    const bad: [string, string][] = [
      ["RUNTIME_EXECUTION_PROVIDER", "gpu"],
      ["RUNTIME_WORKERS", "0"],
      ["RUNTIME_WORKERS", "two"],
      ["RUNTIME_INTRA_OP_THREADS", "0"],
      ["RUNTIME_INTRA_OP_THREADS", "1.5"],
    ];
    for (const [name, value] of bad) {
      expect(() => parseConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: `));
      expect(() => parseRuntimeConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError);
    }
    // the standalone runtime server reads only its own settings
    expect(parseRuntimeConfig({ GPU_MAX_CONCURRENT: "0", MODEL_REPOSITORY: "/models" })).toEqual({
      MODEL_REPOSITORY: "/models",
      RUNTIME_EXECUTION_PROVIDER: "cpu",
      RUNTIME_WORKERS: 1,
    });
  });
});
