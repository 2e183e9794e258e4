// The control socket on a real Unix socket: who sent a command is read from the accepted connection itself
// (SO_PEERCRED), a state-changing command from anyone but root or the daemon's user is refused and logged, status
// stays open, and a large answer arrives whole.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linuxPeerCredentials } from "../../src/adapters/linux/peer-credentials.ts";
import type { PeerCredentials, PeerCredentialsReader } from "../../src/adapters/peer-credentials.ts";
import { ControlSocket } from "../../src/daemon/control-socket.ts";
import { type Log, memoryLogs } from "../../src/daemon/log.ts";
import type { StatusSnapshot } from "../../src/daemon/status.ts";

let dir = "";
let server: ControlSocket | null = null;
afterEach(() => {
  server?.stop();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface World {
  path: string;
  lines: string[];
  handovers: { instance: string | null; undo: boolean }[];
}

function serve(reader: PeerCredentialsReader, daemonUid = 0, status: () => unknown = () => ({ format: 2, instances: [] })): World {
  dir = mkdtempSync(join(tmpdir(), "vipd-control-"));
  const world: World = { path: join(dir, "vipd.sock"), lines: [], handovers: [] };
  const log: Log = memoryLogs(world.lines)("control");
  server = new ControlSocket(
    world.path,
    {
      status: () => status() as StatusSnapshot,
      handover: (instance, undo) => {
        world.handovers.push({ instance, undo });
        return instance === "VI_9" ? "no instance VI_9" : null;
      },
    },
    reader,
    log,
    daemonUid,
  );
  server.start();
  return world;
}

const as =
  (creds: PeerCredentials): PeerCredentialsReader =>
  () =>
    creds;

async function post(path: string, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://vipd/handover?${query}`, { method: "POST", unix: path, signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("the credentials are those of the process that connected: a child's pid and uid, read from its own connection", async () => {
  const seen: PeerCredentials[] = [];
  const w = serve((fd) => {
    const peer = linuxPeerCredentials(fd);
    seen.push(peer);
    return peer;
  }, process.getuid!());
  const script = `const r = await fetch("http://vipd/handover?instance=VI_1", { method: "POST", unix: ${JSON.stringify(w.path)} }); console.log(r.status);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const exited = await Promise.race([child.exited, Bun.sleep(10_000).then(() => "timeout")]);
  if (exited === "timeout") child.kill();
  expect(exited, await new Response(child.stderr).text()).toBe(0);
  expect((await new Response(child.stdout).text()).trim()).toBe("200");
  expect(seen).toEqual([{ pid: child.pid, uid: process.getuid!(), gid: process.getgid!() }]);
  expect(w.handovers).toEqual([{ instance: "VI_1", undo: false }]);
});

test("another user's handover and undo are refused with the reason, logged with uid and pid, and never run", async () => {
  const w = serve(as({ pid: 777, uid: 65534, gid: 65534 }));
  for (const query of ["instance=VI_1", "instance=VI_1&undo=1"]) {
    const answer = await post(w.path, query);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ ok: false, refused: true, problem: "uid 65534 (pid 777) may not change state; only root may" });
  }
  expect(w.handovers).toEqual([]);
  expect(w.lines).toEqual([
    "warn control: control socket: refused 'handover' from uid 65534 pid 777: uid 65534 (pid 777) may not change state; only root may",
    "warn control: control socket: refused 'handover --undo' from uid 65534 pid 777: uid 65534 (pid 777) may not change state; only root may",
  ]);
  // Reading is still allowed.
  const status = await fetch("http://vipd/status", { unix: w.path, signal: AbortSignal.timeout(3000) });
  expect(status.status).toBe(200);
  expect(await status.json()).toEqual({ format: 2, instances: [] });
});

test("root and the daemon's own user are obeyed; the daemon's problem comes back as a conflict", async () => {
  const w = serve(as({ pid: 778, uid: 998, gid: 998 }), 998);
  expect(await post(w.path, "instance=VI_1&undo=1")).toEqual({ status: 200, body: { ok: true } });
  expect(await post(w.path, "instance=VI_9")).toEqual({ status: 409, body: { ok: false, problem: "no instance VI_9" } });
  expect(w.handovers).toEqual([
    { instance: "VI_1", undo: true },
    { instance: "VI_9", undo: false },
  ]);
  expect(w.lines).toEqual([]);
});

test("credentials that cannot be read: status answers, a handover is refused and the failure logged", async () => {
  const w = serve(() => {
    throw new Error("getsockopt(SO_PEERCRED) failed: EBADF");
  });
  expect((await fetch("http://vipd/status", { unix: w.path, signal: AbortSignal.timeout(3000) })).status).toBe(200);
  const answer = await post(w.path, "instance=VI_1");
  expect(answer.status).toBe(403);
  expect(answer.body.problem).toBe("the daemon could not tell who sent it; only root may change state");
  expect(w.handovers).toEqual([]);
  expect(w.lines).toContain(
    "error control: control socket: cannot read a client's credentials, its commands that change state are refused: getsockopt(SO_PEERCRED) failed: EBADF",
  );
});

test("a status larger than the socket's buffer arrives whole", async () => {
  const big = {
    format: 2,
    instances: Array.from({ length: 40_000 }, (_, i) => ({ name: `VI_${i}`, state: "BACKUP", pad: "x".repeat(64) })),
  };
  const w = serve(as({ pid: 1, uid: 0, gid: 0 }), 0, () => big);
  const response = await fetch("http://vipd/status", { unix: w.path, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  expect(text.length).toBeGreaterThan(4_000_000);
  expect(JSON.parse(text)).toEqual(big);
});

test("a malformed request gets 400 with the reason; an unknown path 404; stop removes the socket", async () => {
  const w = serve(as({ pid: 1, uid: 0, gid: 0 }));
  const { promise, resolve } = Promise.withResolvers<string>();
  let answer = "";
  const client = await Bun.connect({
    unix: w.path,
    socket: {
      open: (s) => {
        s.write("hello\r\n\r\n");
      },
      data: (_s, chunk) => {
        answer += chunk.toString();
      },
      close: () => resolve(answer),
    },
  });
  const text = await Promise.race([promise, Bun.sleep(3000).then(() => "no answer in 3 s")]);
  client.end();
  expect(text).toStartWith("HTTP/1.1 400 Bad Request\r\n");
  expect(text).toEndWith("\r\n\r\nnot an HTTP/1.x request line\n");
  expect((await fetch("http://vipd/reload", { method: "POST", unix: w.path, signal: AbortSignal.timeout(3000) })).status).toBe(404);
  expect((await fetch("http://vipd/handover", { unix: w.path, signal: AbortSignal.timeout(3000) })).status).toBe(404);
  expect(existsSync(w.path)).toBe(true);
  server?.stop();
  server = null;
  expect(existsSync(w.path)).toBe(false);
});

test("a command that throws answers 500 with the message and is logged; the socket keeps serving", async () => {
  let calls = 0;
  const w = serve(as({ pid: 1, uid: 0, gid: 0 }), 0, () => {
    if (++calls === 1) throw new Error("snapshot broke");
    return { format: 2, instances: [] };
  });
  const first = await fetch("http://vipd/status", { unix: w.path, signal: AbortSignal.timeout(3000) });
  expect(first.status).toBe(500);
  expect(await first.json()).toEqual({ ok: false, problem: "the daemon failed to answer: snapshot broke" });
  expect(w.lines.some((l) => l.startsWith("error control: control socket: GET /status failed: Error: snapshot broke"))).toBe(true);
  expect((await fetch("http://vipd/status", { unix: w.path, signal: AbortSignal.timeout(3000) })).status).toBe(200);
});
