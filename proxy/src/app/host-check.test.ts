/** Which Host names pass the allow-list, and that the middleware refuses the others by Host and by Origin
 * (request-limits.suite.ts runs it again inside the whole app on both hosts). */
import { describe, expect, it } from "vitest";
import { middlewareApp, outcome } from "../../test/support/middleware-app.js";
import { hostAllowed, hostCheck } from "./host-check.js";

describe("hostAllowed", () => {
  it("by default lets IP addresses and localhost through, never another name", () => {
    for (const host of ["127.0.0.1", "10.0.0.7", "192.168.100.200", "[::1]", "[fe80::1]", "localhost", "app.localhost", "LOCALHOST"]) {
      expect(hostAllowed("local", host), host).toBe(true);
    }
    for (const host of ["rebound.example", "127.0.0.1.nip.io", "localhost.example", "proxy"]) {
      expect(hostAllowed("local", host), host).toBe(false);
    }
  });

  it("with ALLOWED_HOSTS matches names exactly, `.domain` with its subdomains, and `*` anything", () => {
    const list = ["gpu.example.com", ".corp.example"];
    expect(hostAllowed(list, "gpu.example.com")).toBe(true);
    expect(hostAllowed(list, "GPU.example.com.")).toBe(true);
    expect(hostAllowed(list, "a.b.corp.example")).toBe(true);
    expect(hostAllowed(list, "corp.example")).toBe(true);
    expect(hostAllowed(list, "evilcorp.example")).toBe(false);
    // IP addresses and localhost pass whatever the list: a rebinding page never sends one, probes always do
    expect(hostAllowed(list, "127.0.0.1")).toBe(true);
    expect(hostAllowed(list, "localhost")).toBe(true);
    expect(hostAllowed(list, "proxy")).toBe(false);
    expect(hostAllowed(["*"], "anything.example")).toBe(true);
  });
});

describe("hostCheck", () => {
  const ask = (policy: Parameters<typeof hostCheck>[0], url: string, headers: Record<string, string> = {}) =>
    outcome(middlewareApp(hostCheck(policy)).request(url, { headers }));
  const refused = { status: 403, code: "host_not_allowed" };
  const passed = { status: 200, code: undefined };

  it("by default refuses a request to a name that is not local, by its Host or by its Origin", async () => {
    expect(await ask("local", "http://rebound.example/echo")).toEqual(refused);
    expect(await ask("local", "http://127.0.0.1.nip.io:8080/echo")).toEqual(refused);
    expect(await ask("local", "http://127.0.0.1/echo", { origin: "http://rebound.example" })).toEqual(refused);
    expect(await ask("local", "http://127.0.0.1/echo", { origin: "not a url" })).toEqual(refused);
  });

  it("by default serves IP addresses and localhost, with or without a local Origin", async () => {
    expect(await ask("local", "http://127.0.0.1:8080/echo")).toEqual(passed);
    expect(await ask("local", "http://[::1]/echo")).toEqual(passed);
    expect(await ask("local", "http://localhost/echo", { origin: "http://localhost:3000" })).toEqual(passed);
  });

  it("with ALLOWED_HOSTS serves the names listed and IP addresses (health probes), and refuses other names, Host and Origin alike", async () => {
    const list = ["gpu.example.com"];
    expect(await ask(list, "http://gpu.example.com/echo")).toEqual(passed);
    expect(await ask(list, "http://10.1.2.3:8765/echo")).toEqual(passed);
    expect(await ask(list, "http://proxy:8765/echo")).toEqual(refused);
    expect(await ask(list, "http://gpu.example.com/echo", { origin: "http://evil.example" })).toEqual(refused);
  });
});
