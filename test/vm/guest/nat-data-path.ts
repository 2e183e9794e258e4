// Runs inside the test VM after nat-lab.sh: packets through services the adapter configured. A TCP service on the
// director's 192.0.2.1:80 with NAT to r1 and r2 must alternate under rr, and send everything to r1 once r2's
// weight is edited to 0. Returns which real server answered each request.
import type { Ipvs, ServiceKey } from "../../../src/adapters/ipvs.ts";
import { parseIp } from "../../../src/vrrp/ip-address.ts";

const ip = (text: string) => parseIp(text) as Uint8Array;

function requests(count: number): string[] {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = Bun.spawnSync(["ip", "netns", "exec", "c", "curl", "-s", "--max-time", "5", "http://192.0.2.1/"], {
      stdout: "pipe",
      stderr: "pipe",
      timeout: 10_000,
    });
    answers.push(run.exitCode === 0 ? run.stdout.toString().trim() : `curl exited ${run.exitCode}: ${run.stderr.toString().trim()}`);
  }
  return answers;
}

export function natDataPath(ipvs: Ipvs): { roundRobin: string[]; afterWeightZero: string[] } {
  const service: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.1"), port: 80 };
  const r1 = { address: ip("198.51.100.2"), port: 80 };
  const r2 = { address: ip("198.51.100.18"), port: 80 };
  ipvs.addService(service, { scheduler: "rr" });
  ipvs.addDestination(service, r1, { forward: "masq", weight: 1 });
  ipvs.addDestination(service, r2, { forward: "masq", weight: 1 });
  const roundRobin = requests(4);
  ipvs.editDestination(service, r2, { forward: "masq", weight: 0 });
  const afterWeightZero = requests(3);
  ipvs.deleteService(service);
  return { roundRobin, afterWeightZero };
}
