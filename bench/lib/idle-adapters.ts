// Child process (run inside a lab namespace): holds every adapter the daemon holds on one interface — the IPv4 and
// IPv6 VRRP transports, the link monitor and the address manager — and does nothing else, so its CPU is the cost of
// the open sockets alone. No stdin reader and no timer: the socket streams are what keeps it alive.
//
//   bun bench/lib/idle-adapters.ts IFNAME      prints {"ready":true,"pid":N}; SIGTERM closes everything and exits
import { LinuxAddressManager, linuxLinkMonitors } from "../../src/adapters/linux/netlink-adapter.ts";
import { linuxVrrpTransports } from "../../src/adapters/linux/vrrp-socket.ts";

const ifname = process.argv[2] ?? "eth0";
let received = 0;
const count = (): void => {
  received++;
};
const v4 = linuxVrrpTransports.open({ ifname, family: 4 }, count);
const v6 = linuxVrrpTransports.open({ ifname, family: 6 }, count);
const monitor = linuxLinkMonitors().start(count, (trouble) => console.error(trouble));
const manager = LinuxAddressManager.open();
manager.links(); // one real round trip, as the daemon does at start

process.on("SIGTERM", () => {
  void Promise.all([v4.close(), v6.close(), monitor.close()]).finally(() => {
    manager.close();
    process.exit(0);
  });
});
console.log(JSON.stringify({ ready: true, pid: process.pid }));
// Reported on exit so the parent can confirm the window really had no traffic.
process.on("exit", () => console.log(JSON.stringify({ events: received })));
