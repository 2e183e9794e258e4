// The load-balancing lab's network: two IPVS directors in front of two real servers, and a client, each in a
// namespace named PREFIX-NAME, joined by two bridges in PREFIX-sw.
//   front 192.0.2.0/24:     c 192.0.2.100, d1 192.0.2.11, d2 192.0.2.12; the VIP 192.0.2.1 moves with VRRP
//   back  198.51.100.0/24:  d1 198.51.100.11, d2 198.51.100.12, r1 198.51.100.21, r2 198.51.100.22; the real
//                           servers' gateway 198.51.100.1 moves with the VIP (NAT replies must go back through
//                           the director that holds the connection)
// Each real server's busybox httpd answers its own name on port 80; r2 also answers "sorry" on 8080, the sorry
// server that serves while the health checks leave the service without its quorum of 2. Links are made with one `ip -batch` per
// namespace: in the test VM every process start costs ≈ 0.1 s.

export const VIP = "192.0.2.1";
/** Served while the quorum is lost: a second httpd on r2. */
export const SORRY = { address: "198.51.100.22", port: 8080 } as const;
/** The checks' bound: delay_loop 1 s, one retry 1 s later, each up to connect_timeout 1 s, plus a reconcile. */
export const CHECK_BOUND_MS = 1000 + 2 * (1000 + 1000) + 500;
export const REAL_SERVERS = ["198.51.100.21", "198.51.100.22"] as const;
export const DIRECTORS = ["d1", "d2"] as const;
export type Director = (typeof DIRECTORS)[number];
const HOSTS = ["sw", "c", "d1", "d2", "r1", "r2"] as const;
export type LbHost = (typeof HOSTS)[number];

/** The vipd configuration of a director: VRRP for the VIP and the back gateway, and the NAT virtual service. */
export function directorConfig(name: Director, priority: number): string {
  return `[global]
router_id = "${name}"

[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = ${priority}
advert_int = 1
virtual_ipaddress = ["${VIP}/24", "198.51.100.1/24 dev eth1"]

[virtual_servers.web]
address = "${VIP}"
port = 80
protocol = "tcp"
lb_algo = "rr"
lb_kind = "NAT"
quorum = 2
sorry_server = { address = "${SORRY.address}", port = ${SORRY.port} }
delay_loop = 1
warmup = 0
retry = 1
delay_before_retry = 1
connect_timeout = 1
${REAL_SERVERS.map((a) => `\n[[virtual_servers.web.real_servers]]\naddress = "${a}"\n[[virtual_servers.web.real_servers.HTTP_GET]]\nurl = [{ path = "/" }]\n`).join("")}`;
}

function ip(args: string[], batch?: string): void {
  const r = Bun.spawnSync(["ip", ...args], { stdin: batch === undefined ? "ignore" : Buffer.from(batch), stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.toString().trim()}`);
}

export class LbNetwork {
  private readonly made: string[] = [];

  constructor(readonly prefix: string) {}

  ns(host: LbHost): string {
    return `${this.prefix}-${host}`;
  }

  /** Builds it all; on a failure, what was made is still removed by `destroy`. */
  build(): void {
    for (const host of HOSTS) {
      ip(["netns", "add", this.ns(host)]);
      this.made.push(this.ns(host));
    }
    const plugs: [LbHost, string, string][] = [
      ["c", "eth0", "front"],
      ["d1", "eth0", "front"],
      ["d2", "eth0", "front"],
      ["d1", "eth1", "back"],
      ["d2", "eth1", "back"],
      ["r1", "eth0", "back"],
      ["r2", "eth0", "back"],
    ];
    const sw = ["link set lo up", "link add front type bridge", "link set front up", "link add back type bridge", "link set back up"];
    for (const [host, link, bridge] of plugs) {
      sw.push(
        `link add ${host}-${link} type veth peer name ${link} netns ${this.ns(host)}`,
        `link set ${host}-${link} master ${bridge} up`,
      );
    }
    ip(["-n", this.ns("sw"), "-batch", "-"], sw.join("\n"));
    ip(["-n", this.ns("c"), "-batch", "-"], ["link set lo up", "addr add 192.0.2.100/24 dev eth0", "link set eth0 up"].join("\n"));
    for (const n of [1, 2]) {
      const director = [
        "link set lo up",
        `addr add 192.0.2.1${n}/24 dev eth0`,
        "link set eth0 up",
        `addr add 198.51.100.1${n}/24 dev eth1`,
        "link set eth1 up",
      ];
      ip(["-n", this.ns(`d${n}` as LbHost), "-batch", "-"], director.join("\n"));
      // IPVS takes NAT replies on the forward path.
      ip(["netns", "exec", this.ns(`d${n}` as LbHost), "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
      const server = ["link set lo up", `addr add 198.51.100.2${n}/24 dev eth0`, "link set eth0 up", "route add default via 198.51.100.1"];
      ip(["-n", this.ns(`r${n}` as LbHost), "-batch", "-"], server.join("\n"));
    }
  }

  /** Takes a director off both networks, as a machine that loses power. */
  unplug(director: Director): void {
    ip(["-n", this.ns(director), "-batch", "-"], "link set eth0 down\nlink set eth1 down");
  }

  destroy(): void {
    for (const ns of this.made.splice(0).reverse()) {
      Bun.spawnSync(["ip", "netns", "del", ns], { stdout: "ignore", stderr: "ignore" });
    }
  }
}
