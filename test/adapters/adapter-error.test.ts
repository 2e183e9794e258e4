// The Linux adapters' error type: ffi's errors become AdapterErrors at the adapter boundary, keeping the errno, its
// C name (`code`, which the driver decides by), the failed call and the kernel's reason.
import { describe, expect, test } from "bun:test";
import { ERRNO, SyscallError } from "../../ffi/errno.ts";
import { NetlinkError } from "../../ffi/netlink.ts";
import { AdapterError, adapterCall, adapterCallAsync, toAdapterError } from "../../src/adapters/adapter-error.ts";
import { linuxVrrpTransports } from "../../src/adapters/linux/vrrp-socket.ts";

describe("toAdapterError", () => {
  test("a SyscallError becomes an AdapterError with its errno, name, call and detail", () => {
    const cause = new SyscallError("if_nametoindex(eth9)", ERRNO.ENODEV, "eth9");
    const e = toAdapterError("open IPv4 vrrp socket on eth9", cause) as AdapterError;
    expect(e).toBeInstanceOf(AdapterError);
    expect([e.code, e.errno, e.operation, e.call, e.detail]).toEqual([
      "ENODEV",
      19,
      "open IPv4 vrrp socket on eth9",
      "if_nametoindex(eth9)",
      "eth9",
    ]);
    expect(e.cause).toBe(cause);
    expect(e.message).toBe("open IPv4 vrrp socket on eth9: if_nametoindex(eth9) failed: ENODEV (errno 19): eth9");
  });

  test("a refused rtnetlink request keeps the kernel's extended ack as detail", () => {
    const cause = new NetlinkError("rtnetlink RTM_NEWADDR", ERRNO.EEXIST, "ipv4: Address already assigned");
    const e = toAdapterError("add address 192.0.2.100/24 on ifindex 3", cause) as AdapterError;
    expect([e.code, e.call, e.detail]).toEqual(["EEXIST", "rtnetlink RTM_NEWADDR", "ipv4: Address already assigned"]);
  });

  test("an errno missing from the table is named E<n>", () => {
    const e = toAdapterError("x", new SyscallError("ioctl", 200)) as AdapterError;
    expect([e.code, e.errno, e.detail]).toEqual(["E200", 200, undefined]);
    expect(e.message).toBe("x: ioctl failed: E200 (errno 200)");
  });

  test("other errors, and AdapterErrors, pass through unchanged", () => {
    const range = new RangeError("address must be 4 or 16 bytes");
    expect(toAdapterError("add address", range)).toBe(range);
    const already = AdapterError.refused("announce on eth0", "EOPNOTSUPP", "link type 772 is not Ethernet");
    expect(toAdapterError("outer", already)).toBe(already);
    expect(already.message).toBe("announce on eth0 failed: EOPNOTSUPP (errno 95): link type 772 is not Ethernet");
    expect([already.code, already.call]).toEqual(["EOPNOTSUPP", ""]);
  });
});

describe("adapterCall", () => {
  test("returns the work's result and converts its failure", async () => {
    expect(adapterCall("op", () => 7)).toBe(7);
    expect(() =>
      adapterCall("delete address", () => {
        throw new NetlinkError("RTM_DELADDR", ERRNO.EADDRNOTAVAIL);
      }),
    ).toThrow(expect.objectContaining({ name: "AdapterError", code: "EADDRNOTAVAIL", operation: "delete address" }));
    await expect(
      adapterCallAsync("announce", async () => {
        throw new SyscallError("sendto", ERRNO.ENETDOWN);
      }),
    ).rejects.toMatchObject({ name: "AdapterError", code: "ENETDOWN", call: "sendto" });
  });
});

test("a real failed syscall leaves the Linux adapter as an AdapterError (no root needed)", () => {
  let thrown: unknown;
  try {
    linuxVrrpTransports.open({ ifname: "vipd-nosuch0", family: 4 }, () => undefined);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(AdapterError);
  expect(thrown).toMatchObject({
    code: "ENODEV",
    call: "if_nametoindex(vipd-nosuch0)",
    operation: "open IPv4 vrrp socket on vipd-nosuch0",
  });
});
