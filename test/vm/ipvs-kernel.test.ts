// IPVS on a real kernel: one VM boot runs test/vm/guest/ipvs-agent.ts, which puts the generic netlink adapter
// through the contract the fake passes, then builds the contract's table again; ipvsadm, an independent netlink
// client, must see that table exactly as intended; last, real connections go through NAT, direct routing and tunnel
// services it configured.
// Fails (never skips) when the VM cannot run.
import { beforeAll, expect, test } from "bun:test";
import { expectedLines } from "../adapters/ipvs-contract.ts";
import type { DataPathResult } from "./guest/data-path.ts";
import { runInVm } from "./runner.ts";

interface AgentResult {
  failures: string[];
  listed: string[];
  save: string;
  list: string;
  thresholds: string;
  timeouts: string;
  rejects: string[];
  dataPath: DataPathResult;
}

let result: AgentResult;

beforeAll(async () => {
  const run = await runInVm({
    command: "modprobe ip_vs && node_modules/.bin/bun test/vm/guest/ipvs-agent.ts",
    cwd: `${import.meta.dir}/../..`,
    timeoutMs: 150_000,
  });
  if (run.exitCode !== 0) throw new Error(`the guest agent exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
  result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as AgentResult;
  console.log(`ipvs vm: boot ${Math.round(run.bootMs)} ms, whole run ${Math.round(run.totalMs)} ms`);
}, 200_000);

const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l !== "");

test("the generic netlink adapter passes the Ipvs contract on the kernel", () => {
  expect(result.failures).toEqual([]);
  expect(result.rejects).toEqual([]);
});

test("the adapter lists the table it built: TCP/UDP/SCTP/fwmark, IPv4 and IPv6, every scheduler and forwarding", () => {
  expect(result.listed).toEqual(expectedLines());
});

test("ipvsadm sees the same table (save format: services, schedulers and flags, persistence, forwarding, weights)", () => {
  expect(lines(result.save).sort()).toEqual(
    [
      "-A -t 192.0.2.10:80 -s rr",
      "-a -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 1",
      "-a -t 192.0.2.10:80 -r 198.51.100.2:80 -g -w 5",
      "-a -t 192.0.2.10:80 -r 198.51.100.3:80 -i -w 2 --tun-type ipip",
      "-a -t 192.0.2.10:80 -r 198.51.100.4:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum",
      "-a -t 192.0.2.10:80 -r 198.51.100.5:80 -i -w 2 --tun-type gre --tun-remcsum",
      // ipvsadm's save format spells local forwarding -g and has no word for bypass; the listing below tells them apart.
      "-a -t 192.0.2.10:80 -r 198.51.100.6:80 -g -w 1",
      "-a -t 192.0.2.10:80 -r 198.51.100.7:80 (null) -w 1",
      "-A -u 192.0.2.10:53 -s wrr -o",
      "-A --sctp-service 192.0.2.10:3868 -s lc",
      "-A -t [2001:db8::10]:443 -s sh -b sh-fallback,sh-port",
      "-a -t [2001:db8::10]:443 -r 198.51.100.9:443 -i -w 1 --tun-type ipip",
      "-a -t [2001:db8::10]:443 -r [2001:db8::20]:8443 -m -w 10",
      "-A -u [2001:db8::10]:5060 -s rr -p 10 --pe sip",
      "-A --sctp-service [2001:db8::10]:3868 -s wlc",
      "-A -f 1 -s wlc -p 300 -M 255.255.255.0",
      "-a -f 1 -r 198.51.100.8:0 -g -w 0",
      "-A -f 2 -6 -s mh -p 60 -M 64 -b mh-fallback,mh-port",
      "-a -f 2 -6 -r [2001:db8::21]:0 -g -w 3",
    ].sort(),
  );
});

test("ipvsadm's listing shows local forwarding, thresholds and the timeouts", () => {
  expect(lines(result.list)).toContain("-> 198.51.100.6:80 Local 1 0 0");
  expect(lines(result.list)).toContain("-> 198.51.100.2:80 Route 5 0 0");
  expect(lines(result.thresholds)).toContain("-> 198.51.100.2:80 100 10 0 0");
  expect(lines(result.thresholds)).toContain("-> [2001:db8::20]:8443 50 0 0 0");
  expect(lines(result.timeouts)).toEqual(["Timeout (tcp tcpfin udp): 1000 60 200"]);
});

const alternates = (answers: string[]) => answers.every((answer, i) => i === 0 || answer !== answers[i - 1]);

test("NAT: connections alternate between the real servers under rr, and skip one edited to weight 0", () => {
  const { natRoundRobin, natAfterWeightZero } = result.dataPath;
  expect([...natRoundRobin].sort()).toEqual(["r1", "r1", "r2", "r2"]);
  expect(alternates(natRoundRobin)).toBe(true);
  expect(natAfterWeightZero).toEqual(["r1", "r1", "r1"]);
});

test("direct routing: the real servers answer for the VIP, alternating under rr", () => {
  const { directRouting } = result.dataPath;
  expect([...directRouting].sort()).toEqual(["r1", "r1", "r2", "r2"]);
  expect(alternates(directRouting)).toBe(true);
});

test("IPIP tunnel with wrr 3:1: three connections in four go to the heavier real server", () => {
  const { tunnelWeighted } = result.dataPath;
  expect([...tunnelWeighted].sort()).toEqual(["r1", "r1", "r1", "r1", "r1", "r1", "r2", "r2"]);
});

test("IPv6 NAT: connections alternate between the real servers under rr", () => {
  const { natIpv6 } = result.dataPath;
  expect([...natIpv6].sort()).toEqual(["r1", "r1", "r2", "r2"]);
  expect(alternates(natIpv6)).toBe(true);
});
