// The control socket probe against real Unix sockets in a temporary directory: no root needed.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AF_UNIX,
  closeFd,
  connectSocket,
  ERRNO,
  openSocket,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SyscallError,
  sockaddrUn,
} from "../../ffi/index.ts";
import { linuxControlSocketProbe } from "../../src/adapters/linux/socket-probe.ts";

let dir: string;
const children: Bun.Subprocess[] = [];
const clients: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-probe-"));
});
afterEach(() => {
  for (const fd of clients.splice(0)) closeFd(fd);
  for (const child of children.splice(0)) {
    // Ours: spawned by this test and not yet reaped, so the PID cannot have been reused.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A process listening on `path` (Bun.listen), once the socket file is there. */
async function listenerProcess(path: string): Promise<Bun.Subprocess> {
  const script = `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); setInterval(() => {}, 1000);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "inherit" });
  children.push(child);
  for (let i = 0; i < 200 && !existsSync(path); i++) await Bun.sleep(10);
  if (!existsSync(path)) throw new Error(`the listener did not create ${path} within 2 s`);
  return child;
}

test("nothing at the path, or a file that is not a socket: free", () => {
  expect(linuxControlSocketProbe(join(dir, "none.sock"))).toBe("free");
  writeFileSync(join(dir, "file.sock"), "not a socket");
  expect(linuxControlSocketProbe(join(dir, "file.sock"))).toBe("free");
});

test("a listening daemon answers; its socket file left by a crash (the listener killed) is free", async () => {
  const path = join(dir, "vipd.sock");
  const child = await listenerProcess(path);
  expect(linuxControlSocketProbe(path)).toBe("answers");
  child.kill("SIGKILL");
  await child.exited;
  expect(existsSync(path)).toBe(true);
  expect(linuxControlSocketProbe(path)).toBe("free");
});

test("a listener whose queue is full (it is stopped, not accepting) still answers", async () => {
  const path = join(dir, "vipd.sock");
  const child = await listenerProcess(path);
  child.kill("SIGSTOP");
  // Fill its queue: connections wait in it until the kernel refuses one with EAGAIN.
  const address = sockaddrUn.encode(path);
  if (!address.ok) throw new Error(address.reason);
  let full = false;
  for (let i = 0; i < 10_000 && !full; i++) {
    const fd = openSocket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    clients.push(fd);
    try {
      connectSocket(fd, address.bytes);
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === ERRNO.EAGAIN)) throw e;
      full = true;
    }
  }
  expect(full).toBe(true);
  expect(linuxControlSocketProbe(path)).toBe("answers");
});

test("a path too long for a Unix socket address is an error naming it", () => {
  const path = join(dir, "x".repeat(120));
  expect(() => linuxControlSocketProbe(path)).toThrow(`ask whether a daemon answers on ${path} failed: EINVAL`);
});
