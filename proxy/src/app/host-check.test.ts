/** Which Host names pass the allow-list (the middleware itself runs in request-limits.suite.ts on both hosts). */
import { describe, expect, it } from "vitest";
import { hostAllowed } from "./host-check.js";

describe("hostAllowed", () => {
  it("by default lets IP addresses and localhost through, never another name", () => {
    for (const host of ["127.0.0.1", "10.0.0.7", "[::1]", "[fe80::1]", "localhost", "app.localhost", "LOCALHOST"]) {
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
