/** formatAddress: the address as the `listening on` line writes it. */
import { describe, expect, it } from "vitest";
import { formatAddress } from "../src/address.js";

describe("formatAddress", () => {
  it("writes IPv4 hosts plainly and IPv6 hosts in brackets", () => {
    expect(formatAddress("127.0.0.1", 1060)).toBe("127.0.0.1:1060");
    expect(formatAddress("::1", 4000)).toBe("[::1]:4000");
    expect(formatAddress("localhost", 0)).toBe("localhost:0");
  });
});
