// Child process: times LinuxAddressManager.addAddress and deleteAddress (a VIP going on and off eth0), `count`
// round trips per family after a warm-up. Prints {"4":{"add":[µs...],"del":[µs...]},"6":{...}} and exits.
//
//   bun bench/lib/address-churn.ts COUNT
import type { AddressSpec } from "../../src/adapters/address-manager.ts";
import { LinuxAddressManager } from "../../src/adapters/linux/netlink-adapter.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";

const count = Number(process.argv[2] ?? 500);
const WARMUP = 50;
const manager = LinuxAddressManager.open();
const eth0 = manager.links().find((l) => l.name === "eth0");
if (!eth0) throw new Error("no eth0 in this namespace");

const specs: Record<4 | 6, AddressSpec> = {
  4: { ifindex: eth0.ifindex, address: parseIp("192.0.2.100")!, prefixlen: 24 },
  6: { ifindex: eth0.ifindex, address: parseIp("2001:db8::100")!, prefixlen: 64, nodad: true },
};

function churn(spec: AddressSpec): { add: number[]; del: number[] } {
  const add = new Float64Array(count);
  const del = new Float64Array(count);
  for (let i = -WARMUP; i < count; i++) {
    const t0 = Bun.nanoseconds();
    manager.addAddress(spec);
    const t1 = Bun.nanoseconds();
    manager.deleteAddress(spec);
    const t2 = Bun.nanoseconds();
    if (i >= 0) {
      add[i] = (t1 - t0) / 1000;
      del[i] = (t2 - t1) / 1000;
    }
  }
  return { add: Array.from(add), del: Array.from(del) };
}

const result = { 4: churn(specs[4]), 6: churn(specs[6]) };
manager.close();
console.log(JSON.stringify(result));
process.exit(0);
