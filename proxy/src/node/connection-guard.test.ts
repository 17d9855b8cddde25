/** Which addresses count as one client for HTTP_MAX_CONNECTIONS_PER_CLIENT (the guard itself: slow-clients.test.ts). */
import { describe, expect, it } from "vitest";
import { clientKey } from "./connection-guard.js";

describe("clientKey", () => {
  it("keeps IPv4 addresses, also IPv4-mapped ones, as they are", () => {
    expect(clientKey("127.0.0.2")).toBe("127.0.0.2");
    expect(clientKey("::ffff:10.0.0.7")).toBe("::ffff:10.0.0.7");
  });

  it("counts IPv6 addresses by their /64, however they are written", () => {
    const same = ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0:0:0:9", "2001:DB8:1:2::a%eth0"];
    for (const address of same) expect(clientKey(address), address).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("fe80::1")).toBe("fe80:0:0:0::/64");
  });
});
