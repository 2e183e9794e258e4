// Runs inside the test VM (test/vm/ipvs-reconcile.test.ts boots it): the reconciler drives the kernel from a
// [virtual_servers] config. It applies the config, opens a long-lived TCP connection through the NAT service,
// changes the table behind the reconciler's back (ipvsadm edits one real server and deletes another), reloads with
// one real server's weight changed, waits for the reload's sliced resync to repair the drift, talks over the same
// connection again, restarts (a new reconciler adopts the table) and stops; ipvsadm (an independent netlink client)
// shows the table at each step.
// A foreign service added with ipvsadm must come through untouched. Prints one JSON line.
import { LinuxIpvs } from "../../../src/adapters/linux/ipvs-adapter.ts";
import { formatConfigError } from "../../../src/config/config-error.ts";
import { loadConfigText } from "../../../src/config/load.ts";
import type { VipdConfig } from "../../../src/config/schema.ts";
import type { Log } from "../../../src/daemon/log.ts";
import { IpvsReconciler } from "../../../src/lvs/reconciler.ts";
import { describeOperation } from "../../../src/lvs/table-diff.ts";

const PYTHON = "/usr/bin/python3";
/** Each real server echoes every line it gets, prefixed with its name; one thread per connection. */
const ECHO_SERVER = `
import socket, sys, threading
name = sys.argv[1].encode()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 9000)); s.listen(8)
def serve(c):
    for line in c.makefile("rb"):
        c.sendall(name + b" " + line)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;
/** One connection to the VIP: a line, then (when told on stdin) another line over the same connection. */
const LONG_CLIENT = `
import socket, sys, time
for attempt in range(50):
    try:
        c = socket.create_connection(("192.0.2.1", 9000), timeout=20)
        f = c.makefile("rb")
        c.sendall(b"one\\n"); first = f.readline().decode().strip()
        if first: break
    except OSError:
        pass
    time.sleep(0.2)
print(first, flush=True)
sys.stdin.readline()
c.sendall(b"two\\n"); print(f.readline().decode().strip(), flush=True)
`;

const CONFIG = (weight: number) => `
[virtual_servers.echo]
address = "192.0.2.1"
port = 9000
protocol = "tcp"
lb_algo = "wrr"
[[virtual_servers.echo.real_servers]]
address = "198.51.100.2"
[[virtual_servers.echo.real_servers]]
address = "198.51.100.18"
weight = ${weight}

[virtual_servers.web]
address = "192.0.2.1"
port = 80
protocol = "tcp"
lb_algo = "rr"
persistence_timeout = 30
[[virtual_servers.web.real_servers]]
address = "198.51.100.2"
[[virtual_servers.web.real_servers]]
address = "198.51.100.18"
`;

function load(text: string): VipdConfig {
  const result = loadConfigText(text, "reconcile.toml", { checkPrograms: false });
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join("\n"));
  return result.config;
}

function run(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const ipvsadm = () => run(["ipvsadm", "-Ln", "--sort"]);

/** Reads one line of a child's stdout, within `ms`. */
async function readLine(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
  ms: number,
  pending: { text: string },
): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pending.text.includes("\n")) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no line from the client within ${ms} ms (got ${JSON.stringify(pending.text)})`);
    // A timer that is cleared: a pending sleep would keep the agent alive until it ran out.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), left);
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk === null) continue;
    if (chunk.done) throw new Error(`the client ended before a line (got ${JSON.stringify(pending.text)})`);
    pending.text += new TextDecoder().decode(chunk.value ?? new Uint8Array());
  }
  const end = pending.text.indexOf("\n");
  const line = pending.text.slice(0, end);
  pending.text = pending.text.slice(end + 1);
  return line;
}

const log: Log & { lines: string[] } = {
  lines: [],
  debug(m) {
    this.lines.push(m);
  },
  info(m) {
    this.lines.push(m);
  },
  warn(m) {
    this.lines.push(m);
  },
  error(m) {
    this.lines.push(`ERROR ${m}`);
  },
};

/** Milliseconds since the agent's start at each step, for the test's log (the VM group's time is budgeted). */
const phases: Record<string, number> = { loaded: Math.round(performance.now()) };
const mark = (what: string) => {
  phases[what] = Math.round(performance.now());
};
run(["sh", `${import.meta.dir}/lb-lab.sh`]);
mark("lab");
const servers = ["r1", "r2"].map((name) =>
  Bun.spawn(["ip", "netns", "exec", name, PYTHON, "-c", ECHO_SERVER, name], { stdout: "ignore", stderr: "inherit" }),
);
run(["ipvsadm", "-A", "-t", "203.0.113.50:80", "-s", "rr"]);
const ipvs = LinuxIpvs.open();
let client: ReturnType<typeof Bun.spawn> | null = null;
try {
  const first = new IpvsReconciler(ipvs, log);
  const applied = first.apply(load(CONFIG(1)));
  const afterApply = ipvsadm();
  mark("applied");

  client = Bun.spawn(["ip", "netns", "exec", "c", PYTHON, "-c", LONG_CLIENT], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const reader = (client.stdout as ReadableStream<Uint8Array>).getReader();
  const pending = { text: "" };
  const before = await readLine(reader, 60_000, pending);
  mark("connected");

  // Drift: changes someone else makes to a service of vipd's.
  run(["ipvsadm", "-e", "-t", "192.0.2.1:80", "-r", "198.51.100.2:80", "-m", "-w", "5"]);
  run(["ipvsadm", "-d", "-t", "192.0.2.1:80", "-r", "198.51.100.18:80"]);
  const drifted = ipvsadm();
  const reload = first.apply(load(CONFIG(3)));
  const afterReload = ipvsadm();
  const resyncStarted = performance.now();
  for (let i = 0; i < 1000 && first.resyncing && performance.now() - resyncStarted < 20_000; i++) await Bun.sleep(10);
  const resyncMs = Math.round(performance.now() - resyncStarted);
  if (first.resyncing) throw new Error(`the reload's resync did not end within ${resyncMs} ms`);
  const afterResync = ipvsadm();
  mark("resynced");
  const sink = client.stdin as import("bun").FileSink;
  sink.write("go\n");
  sink.flush();
  const after = await readLine(reader, 30_000, pending);

  // A restart after a crash: a new reconciler, the same config, the table already there.
  const restarted = new IpvsReconciler(ipvs, log);
  const restart = restarted.apply(load(CONFIG(3)));
  const stop = restarted.stop("remove");
  const afterStop = ipvsadm();
  mark("stopped");
  const ops = (r: { operations: Parameters<typeof describeOperation>[0][] }) => r.operations.map(describeOperation);
  console.log(
    JSON.stringify({
      applied: ops(applied),
      afterApply,
      before,
      drifted,
      reload: ops(reload),
      afterReload,
      afterResync,
      resyncLog: log.lines.filter((l) => l.includes("outside vipd")),
      after,
      restart: ops(restart),
      stop: ops(stop),
      afterStop,
      failures: [applied, reload, restart, stop].flatMap((r) => r.failures.map((f) => `${describeOperation(f.operation)}: ${f.code}`)),
      errors: log.lines.filter((l) => l.startsWith("ERROR")),
      phases,
    }),
  );
} finally {
  client?.kill();
  for (const s of servers) s.kill();
  ipvs.close();
}
