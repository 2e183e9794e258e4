// Generic netlink family lookup (ffi/genetlink.ts) against the host's kernel: read-only controller queries.
// IPVS itself is exercised in the test VM (test/vm/ipvs-kernel.test.ts); this kernel has no IPVS.
import { expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { openGenl, resolveFamily } from "../../ffi/genetlink.ts";
import { NetlinkError } from "../../ffi/netlink.ts";

test("the controller resolves its own family: nlctrl is GENL_ID_CTRL", () => {
  const sock = openGenl((cmd) => `cmd ${cmd}`);
  try {
    const family = resolveFamily(sock, "nlctrl");
    expect(family).toMatchObject({ name: "nlctrl", id: C.GENL_ID_CTRL });
    expect(family.version).toBeGreaterThan(0);
    expect(Number.isInteger(family.maxAttr)).toBe(true);
  } finally {
    sock.close();
  }
});

test("an unknown family is ENOENT with a hint about its module, and the socket stays usable", () => {
  const sock = openGenl((cmd) => `cmd ${cmd}`);
  try {
    let error: unknown;
    try {
      resolveFamily(sock, "vipd-nosuch");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({ code: "ENOENT", syscall: "genetlink family vipd-nosuch" });
    expect(String(error)).toContain("is its module loaded?");
    expect(resolveFamily(sock, "nlctrl").id).toBe(C.GENL_ID_CTRL);
  } finally {
    sock.close();
  }
});
