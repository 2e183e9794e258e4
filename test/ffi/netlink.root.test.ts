// The rtnetlink command socket (ffi/netlink.ts) against the real kernel, carrying the adapters' codec's messages
// (src/adapters/linux/rtnl-messages.ts). Writes happen only inside a namespace this
// test creates (per-run name, deleted in afterAll); in the current namespace it only reads (dumps).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { RtnlSocket } from "../../ffi/netlink.ts";
import { dumpAddresses, dumpLinks } from "../../src/adapters/linux/rtnl-messages.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";

const NS = `vf${process.pid}-nl`;
const IFNAME = "vf0";
const CHILD = join(import.meta.dir, "fixtures/netlink-ns-child.ts");

function run(argv: string[], timeoutMs = 10_000): { code: number; out: string; err: string } {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  return { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() };
}
function must(argv: string[]): string {
  const r = run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.err}`);
  return r.out;
}

let created = false;
beforeAll(() => {
  // Fails loudly (never skips) without root or iproute2: these are required for the netns tests.
  if (process.getuid?.() !== 0) throw new Error("netlink tests need root (they create a network namespace)");
  if (!Bun.which("ip")) throw new Error("netlink tests need iproute2 (`ip`): apt-get install -y iproute2");
  must(["ip", "netns", "add", NS]);
  created = true;
  // veth (no dummy module on every kernel); both ends stay inside the namespace.
  must(["ip", "-n", NS, "link", "add", IFNAME, "type", "veth", "peer", "name", "vf1"]);
  must(["ip", "-n", NS, "link", "set", IFNAME, "up"]);
});

afterAll(() => {
  if (created) run(["ip", "netns", "del", NS]);
});

describe("in the current namespace (read-only)", () => {
  test("link and address dumps find lo and 127.0.0.1", () => {
    const sock = RtnlSocket.open();
    try {
      const links = dumpLinks(sock);
      Bun.gc(true);
      const lo = links.find((l) => l.name === "lo");
      expect(lo?.ifindex).toBe(1);
      const addrs = dumpAddresses(sock, 4, 1);
      expect(addrs.map((a) => formatIp(a.address))).toContain("127.0.0.1");
      // Many requests on one socket: sequence numbers and buffers are reused correctly.
      for (let i = 0; i < 200; i++) {
        if (i % 50 === 0) Bun.gc(true);
        expect(dumpLinks(sock).length).toBe(links.length);
      }
    } finally {
      sock.close();
    }
  });
});

describe(`inside namespace ${NS}`, () => {
  let result: { links: { name: string }[]; addSecond: { extack: string } } & Record<string, unknown>;

  beforeAll(() => {
    const r = run(["ip", "netns", "exec", NS, process.execPath, CHILD, IFNAME], 30_000);
    if (r.code !== 0) throw new Error(`child failed (${r.code}): ${r.err}${r.out}`);
    result = JSON.parse(r.out.trim().split("\n").at(-1) ?? "{}");
  });

  test("a link dump (RTM_GETLINK, NLM_F_DUMP) finds lo and the veth", () => {
    const names = result.links.map((l) => l.name);
    expect(names).toContain("lo");
    expect(names).toContain(IFNAME);
  });

  test("adding 192.0.2.1/24 is acked and visible to `ip addr`", () => {
    expect(result.addFirst).toEqual({ ok: true });
    expect(result.v4Addresses).toContain("192.0.2.1/24");
    expect(must(["ip", "-n", NS, "-4", "addr", "show", "dev", IFNAME])).toContain("inet 192.0.2.1/24");
  });

  test("adding it twice fails with EEXIST and the kernel's extended-ack message", () => {
    expect(result.addSecond).toMatchObject({ ok: false, syscall: "rtnetlink RTM_NEWADDR", code: "EEXIST", errno: 17 });
    // Kernel 6.x says "ipv4: Address already assigned"; the exact wording is the kernel's, not ours.
    expect(result.addSecond.extack).toContain("already");
  });

  test("other kernel refusals decode too: unknown ifindex, deleting an absent address", () => {
    expect(result.addNoLink).toMatchObject({ ok: false, code: "ENODEV" });
    expect(result.delMissing).toMatchObject({ ok: false, syscall: "rtnetlink RTM_DELADDR", code: "EADDRNOTAVAIL" });
  });

  test("a train of 20 requests in one sendto: each refusal by its index, the others carried out, the socket reusable", () => {
    expect(result.trainRefusals).toEqual(["7 rtnetlink RTM_NEWADDR EEXIST", "19 rtnetlink RTM_NEWADDR ENODEV"]);
    const added = Array.from({ length: 19 }, (_, i) => `198.51.100.${i + 1}/24`).filter((a) => a !== "198.51.100.8/24");
    expect(result.afterTrain).toEqual({ ok: true });
    expect([...(result.v4Addresses as string[])].sort()).toEqual(["192.0.2.1/24", ...added, "203.0.113.1/24"].sort());
  });

  test("an IPv6 documentation address with IFA_F_NODAD", () => {
    expect(result.addV6).toEqual({ ok: true });
    expect(result.v6Count).toBeGreaterThanOrEqual(1);
    expect(must(["ip", "-n", NS, "-6", "addr", "show", "dev", IFNAME])).toContain("2001:db8::1/64");
  });

  test("the current namespace was not touched", () => {
    expect(must(["ip", "-4", "addr", "show"])).not.toContain("192.0.2.1/");
    expect(must(["ip", "link", "show"])).not.toContain(`${IFNAME}@`);
  });
});
