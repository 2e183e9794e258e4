// Which addresses a namespace's eth0 holds, from `ip -j addr` (what a VIP's presence means to the kernel).

const IP_TIMEOUT_MS = 5000;

interface IpAddrJson {
  addr_info?: Array<{ local?: string }>;
}

export function addressesOn(ns: string): Set<string> {
  const p = Bun.spawnSync(["ip", "-n", ns, "-j", "addr", "show", "dev", "eth0"], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: IP_TIMEOUT_MS,
  });
  if (p.exitCode !== 0) throw new Error(`ip -n ${ns} -j addr failed: ${p.stderr.toString().trim()}`);
  const links = JSON.parse(p.stdout.toString() || "[]") as IpAddrJson[];
  return new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? "")));
}

export function countHeld(ns: string, vips: readonly string[]): number {
  const held = addressesOn(ns);
  return vips.filter((v) => held.has(v)).length;
}

/** Polls every `everyMs` until `pred(count)` holds; the elapsed ms, or null after `timeoutMs`. */
export async function waitHeld(
  ns: string,
  vips: readonly string[],
  pred: (count: number) => boolean,
  timeoutMs: number,
  everyMs = 10,
): Promise<number | null> {
  const start = performance.now();
  for (;;) {
    if (pred(countHeld(ns, vips))) return performance.now() - start;
    if (performance.now() - start > timeoutMs) return null;
    await Bun.sleep(everyMs);
  }
}
