// Runs inside the test VM after lb-lab.sh: connections through services the adapter configured, one per
// forwarding method. Returns which real server answered each request, in order.
import type { DestinationSettings, Ipvs, ServiceKey } from "../../../src/adapters/ipvs.ts";
import { parseIp } from "../../../src/vrrp/ip-address.ts";

const ip = (text: string) => parseIp(text) as Uint8Array;
const r1 = { address: ip("198.51.100.2"), port: 80 };
const r2 = { address: ip("198.51.100.18"), port: 80 };
const r1v6 = { address: ip("2001:db8:2::2"), port: 80 };
const r2v6 = { address: ip("2001:db8:3::2"), port: 80 };

/** `count` HTTP requests from the client namespace to vip:80, each its own connection. */
function requests(vip: string, count: number): string[] {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = Bun.spawnSync(
      ["ip", "netns", "exec", "c", "curl", "-s", "--max-time", "15", "-g", `http://${vip.includes(":") ? `[${vip}]` : vip}/`],
      {
        stdout: "pipe",
        stderr: "pipe",
        timeout: 20_000,
      },
    );
    answers.push(run.exitCode === 0 ? run.stdout.toString().trim() : `curl exited ${run.exitCode}: ${run.stderr.toString().trim()}`);
  }
  return answers;
}

function service(
  ipvs: Ipvs,
  vip: string,
  scheduler: string,
  s1: DestinationSettings,
  s2: DestinationSettings,
  servers = [r1, r2],
): ServiceKey {
  const key: ServiceKey = { kind: "address", protocol: "tcp", address: ip(vip), port: 80 };
  ipvs.addService(key, { scheduler });
  ipvs.addDestination(key, servers[0] ?? r1, s1);
  ipvs.addDestination(key, servers[1] ?? r2, s2);
  return key;
}

export interface DataPathResult {
  natRoundRobin: string[];
  natAfterWeightZero: string[];
  directRouting: string[];
  tunnelWeighted: string[];
  natIpv6: string[];
}

export function dataPath(ipvs: Ipvs): DataPathResult {
  const nat = service(ipvs, "192.0.2.1", "rr", { forward: "masq", weight: 1 }, { forward: "masq", weight: 1 });
  const natRoundRobin = requests("192.0.2.1", 4);
  ipvs.editDestination(nat, r2, { forward: "masq", weight: 0 });
  const natAfterWeightZero = requests("192.0.2.1", 3);
  service(ipvs, "203.0.113.10", "rr", { forward: "route", weight: 1 }, { forward: "route", weight: 1 });
  const directRouting = requests("203.0.113.10", 4);
  service(ipvs, "203.0.113.11", "wrr", { forward: "tunnel", weight: 3 }, { forward: "tunnel", weight: 1 });
  const tunnelWeighted = requests("203.0.113.11", 8);
  service(ipvs, "2001:db8:1::1", "rr", { forward: "masq", weight: 1 }, { forward: "masq", weight: 1 }, [r1v6, r2v6]);
  const natIpv6 = requests("2001:db8:1::1", 4);
  ipvs.flushAll();
  return { natRoundRobin, natAfterWeightZero, directRouting, tunnelWeighted, natIpv6 };
}
