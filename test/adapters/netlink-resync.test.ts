// The rtnetlink monitor's recovery without root or a namespace (#12 item 11): a dump the kernel flags interrupted
// (NLM_F_DUMP_INTR) is redone, a resync that still fails is told and retried with backoff (never an unhandled
// rejection), and an event that does not decode leads to a resync. The kernel is faked: the event socket is a
// FIFO this test writes to and closes, the dumps are functions.
import { afterAll, afterEach, expect, test } from "bun:test";
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as C from "../../ffi/constants.ts";
import { ERRNO } from "../../ffi/index.ts";
import { NetlinkError } from "../../ffi/netlink.ts";
import { ifinfomsg, nlmsghdr, rtattr } from "../../ffi/structs/index.ts";
import type { LinkEvent, LinkMonitor } from "../../src/adapters/address-manager.ts";
import { type HostState, linuxLinkMonitors, type MonitorKernel, RESYNC_RETRY_FIRST_MS } from "../../src/adapters/linux/netlink-adapter.ts";
import { DUMP_ATTEMPTS, type DumpSocket, dumpLinks } from "../../src/adapters/linux/rtnl-messages.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-netlink-resync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An RTM_NEWLINK message for `name` at `ifindex`, as the kernel sends it. */
function newLinkMessage(ifindex: number, name: string): Uint8Array {
  const b = new Uint8Array(64);
  nlmsghdr.encode(b, { len: 0, type: C.RTM_NEWLINK, flags: 0, seq: 0, pid: 0 });
  ifinfomsg.encode(b, { family: 0, type: 1, index: ifindex, flags: C.IFF_UP, change: 0 }, nlmsghdr.NLMSG_HDRLEN);
  const end = rtattr.putString(b, nlmsghdr.NLMSG_HDRLEN + ifinfomsg.SIZE, C.IFLA_IFNAME, name);
  nlmsghdr.setLen(b, end);
  return b.slice(0, end);
}

/** A socket whose dumps fail with EINTR (an interrupted dump) `interrupted` times, then answer with one link. */
function interruptedSocket(interrupted: number) {
  const calls = { begin: 0, dump: 0 };
  const sock: DumpSocket = {
    tx: new Uint8Array(64),
    begin: () => {
      calls.begin++;
      return nlmsghdr.NLMSG_HDRLEN;
    },
    dump: (_end, onMessage) => {
      calls.dump++;
      const message = newLinkMessage(2, `eth${calls.dump}`);
      // Part of the answer arrives before the kernel says the table changed under it: it must not be kept.
      onMessage(C.RTM_NEWLINK, message, nlmsghdr.NLMSG_HDRLEN, message.length);
      if (calls.dump <= interrupted) throw new NetlinkError("RTM_GETLINK", ERRNO.EINTR, "dump interrupted by a concurrent change");
    },
  };
  return { sock, calls };
}

test("an interrupted dump is redone, and only the consistent answer is kept", () => {
  const { sock, calls } = interruptedSocket(2);
  expect(dumpLinks(sock).map((l) => l.name)).toEqual(["eth3"]);
  expect(calls).toEqual({ begin: 3, dump: 3 });
});

test(`a dump still interrupted after ${DUMP_ATTEMPTS} attempts fails with EINTR; other errors are not retried`, () => {
  const { sock, calls } = interruptedSocket(DUMP_ATTEMPTS);
  expect(() => dumpLinks(sock)).toThrow(/EINTR|interrupted/);
  expect(calls.dump).toBe(DUMP_ATTEMPTS);
  let dumps = 0;
  const refusing: DumpSocket = {
    tx: new Uint8Array(64),
    begin: () => nlmsghdr.NLMSG_HDRLEN,
    dump: () => {
      dumps++;
      throw new NetlinkError("RTM_GETLINK", ERRNO.EPERM);
    },
  };
  expect(() => dumpLinks(refusing)).toThrow();
  expect(dumps).toBe(1);
});

let fifoCount = 0;

/** A fake kernel: each event socket is a fresh FIFO (the test holds its write end); dumps fail while `failing` > 0. */
class FakeKernel implements MonitorKernel {
  failing = 0;
  dumps = 0;
  readonly writers: number[] = [];
  state: HostState = { links: [{ ifindex: 1, name: "lo", mac: new Uint8Array(6), mtu: 65536, up: true, carrier: true }], addresses: [] };

  openEventSocket(): number {
    const path = join(dir, `events${fifoCount++}`);
    if (Bun.spawnSync(["mkfifo", path]).exitCode !== 0) throw new Error(`mkfifo ${path} failed`);
    const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.writers.push(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return reader;
  }

  dump(): HostState {
    this.dumps++;
    if (this.failing > 0) {
      this.failing--;
      throw new NetlinkError("RTM_GETLINK", ERRNO.EINTR, "dump interrupted by a concurrent change (NLM_F_DUMP_INTR); retry");
    }
    return this.state;
  }

  /** The current event socket "overflows": its stream ends, as ENOBUFS ends it. */
  endStream(): void {
    closeSync(this.writers.at(-1)!);
  }

  send(bytes: Uint8Array): void {
    writeSync(this.writers.at(-1)!, bytes);
  }
}

let monitor: LinkMonitor | null = null;
let kernel: FakeKernel | null = null;
afterEach(async () => {
  await monitor?.close();
  monitor = null;
  for (const fd of kernel?.writers ?? []) {
    try {
      closeSync(fd);
    } catch {
      // already closed by endStream()
    }
  }
  kernel = null;
});

function start(): { events: LinkEvent[]; trouble: string[]; kernel: FakeKernel } {
  kernel = new FakeKernel();
  const events: LinkEvent[] = [];
  const trouble: string[] = [];
  monitor = linuxLinkMonitors({ kernel }).start(
    (e) => events.push(e),
    (m) => trouble.push(m),
  );
  return { events, trouble, kernel };
}

test("events are read from the socket and decoded", async () => {
  const { events, kernel } = start();
  kernel.send(newLinkMessage(7, "veth7"));
  expect(await waitFor(() => events.length === 1, 2000)).toBe(true);
  expect(events[0]).toMatchObject({ type: "link", change: "new", link: { ifindex: 7, name: "veth7", up: true } });
});

test("lost events and a resync that keeps failing: told each time, retried with backoff, then the state arrives", async () => {
  const { events, trouble, kernel } = start();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    kernel.failing = 3;
    const dumpsBefore = kernel.dumps;
    kernel.endStream();
    expect(await waitFor(() => events.some((e) => e.type === "resync"), 3000)).toBe(true);
    expect(kernel.dumps - dumpsBefore).toBe(4);
    expect(kernel.writers.length).toBe(2); // the event socket was reopened before the dumps
    expect(trouble).toEqual([
      "link monitor: events lost (stream ended); reopening the event socket and resynchronising",
      ...[1, 2, 4].map((k) => expect.stringMatching(new RegExp(`EINTR.*; retrying in ${k * RESYNC_RETRY_FIRST_MS} ms$`))),
    ]);
    expect(trouble[1]).toContain("resynchronise the link monitor");
    expect(monitor!.resyncs).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: "resync", links: [{ name: "lo" }] });
    expect(unhandled).toEqual([]);

    // The reopened socket delivers events, and the backoff starts afresh after a success.
    kernel.send(newLinkMessage(9, "veth9"));
    expect(await waitFor(() => events.at(-1)?.type === "link", 2000)).toBe(true);
    kernel.failing = 1;
    kernel.endStream();
    expect(await waitFor(() => monitor!.resyncs === 2, 3000)).toBe(true);
    expect(trouble.at(-1)).toMatch(new RegExp(`retrying in ${RESYNC_RETRY_FIRST_MS} ms$`));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("an event that does not decode is counted and the state resynchronised (it may have been a change)", async () => {
  const { events, trouble, kernel } = start();
  const truncated = newLinkMessage(5, "veth5");
  nlmsghdr.setLen(truncated, nlmsghdr.NLMSG_HDRLEN + 2); // claims less than an ifinfomsg
  kernel.send(truncated.subarray(0, nlmsghdr.NLMSG_ALIGN(nlmsghdr.NLMSG_HDRLEN + 2)));
  expect(await waitFor(() => events.some((e) => e.type === "resync"), 2000)).toBe(true);
  expect(trouble).toEqual([expect.stringMatching(/1 event\(s\) did not decode; resynchronising; retrying in \d+ ms$/)]);
  expect(monitor!.resyncs).toBe(1);
});

test("closing the monitor stops a pending retry", async () => {
  const { kernel } = start();
  kernel.failing = 100;
  kernel.endStream();
  expect(await waitFor(() => kernel.dumps >= 3, 2000)).toBe(true);
  await monitor!.close();
  const dumps = kernel.dumps;
  await Bun.sleep(10 * RESYNC_RETRY_FIRST_MS);
  expect(kernel.dumps).toBe(dumps);
});
