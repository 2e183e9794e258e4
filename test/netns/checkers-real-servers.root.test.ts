// Health checks against real servers from Debian's packages, run the way the daemon runs them: the checks are read
// from a vipd configuration by its loader and planned to a real checker process (test/netns/fixtures/run-checks.ts)
// in the namespace `lb`; the servers run in `rs`, each started here and stopped by its PID:
//   - nginx (nginx-light): HTTP_GET with status_code, a digest printed by `vipd genhash` for the same URL, a virtual
//     host; SSL_GET with a certificate made by openssl and enable_sni (nginx echoes the server name it was sent);
//     a slow drip (limit_rate) under digest, which the whole-check deadline cuts off;
//   - dnsmasq (dnsmasq-base): DNS_CHECK of A, AAAA and TXT records of a test zone, and a name it does not know;
//   - OpenSMTPD (opensmtpd): SMTP_CHECK, its protocol trace showing the helo_name;
//   - busybox nc: a listener that accepts and never answers (hung connection);
//   - a reset after the handshake (nftables on rs rejects the client's ACK with a TCP reset), and every server
//     stopped (refused).
// bind_if and fwmark: rs also holds 203.0.113.1 / 2001:db8:1::1, which lb routes by eth0 (rs drops what eth0 brings
// for them) and, with a worse metric, by a second link eth1; `ip rule fwmark 7` sends marked packets by eth1. So a
// check to it passes only when its packets leave by eth1: with bind_if = "eth1" or fwmark = 7. rs's link-local
// fe80::2 on eth1 is reached with bind_if naming the link (the scope of the address).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, type LabProcess } from "./harness.ts";

/** The programs this test runs, each with the Debian package that has it (scripts/install-deps.sh installs them). */
const PROGRAMS = {
  nginx: ["/usr/sbin/nginx", "nginx-light"],
  dnsmasq: ["/usr/sbin/dnsmasq", "dnsmasq-base"],
  smtpd: ["/usr/sbin/smtpd", "opensmtpd"],
  openssl: ["/usr/bin/openssl", "openssl"],
  busybox: ["/usr/bin/busybox", "busybox-static"],
  nft: ["/usr/sbin/nft", "nftables"],
} as const;

const RS = "192.0.2.11";
const RS6 = "2001:db8::b";
/** Reached from lb by eth0 (dropped on arrival) or eth1. */
const FAR = "203.0.113.1";
const FAR6 = "2001:db8:1::1";
const HELO = "lb.example.test";
const VHOST = "www.example.test";
const ENTRY = join(import.meta.dir, "..", "..", "src", "cli", "entry.ts");
const RUN_CHECKS = join(import.meta.dir, "fixtures", "run-checks.ts");
const INDEX_BODY = "hello from nginx\n";
const SLOW_BODY = "x".repeat(3000);

let lab: Lab;
let dir: string;
const servers: Record<string, LabProcess> = {};

interface CheckResult {
  name: string;
  ok: boolean;
  reason: string;
  durationMs: number;
}

function requirePrograms(): void {
  const missing = Object.values(PROGRAMS).filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    const list = missing.map(([path, pkg]) => `${path} (Debian package ${pkg})`).join(", ");
    throw new Error(`missing ${list}: run scripts/install-deps.sh or apt-get install ${missing.map(([, pkg]) => pkg).join(" ")}`);
  }
}

/** Waits (bounded) until `rs` listens on every `ADDRESS:PORT` of `sockets` (ss -l output), for TCP or UDP. */
async function waitListening(proto: "t" | "u", sockets: string[], server: LabProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const out = lab.must("rs", ["ss", `-ln${proto}H`]);
    if (sockets.every((s) => out.includes(s))) return;
    if (server.exited) break;
    await Bun.sleep(50);
  }
  throw new Error(`${server.argv.join(" ")} does not listen on ${sockets.join(", ")}; its output:\n${server.lines.slice(-20).join("\n")}`);
}

function startNginx(): Promise<void> {
  const www = join(dir, "www");
  const conf = `daemon off;
master_process off;
user root;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen ${RS}:80 default_server;
    listen [${RS6}]:80 default_server;
    listen ${FAR}:80 default_server;
    listen [${FAR6}]:80 default_server;
    listen ${RS}:8081;
    listen [::]:8090;
    listen ${RS}:443 ssl;
    listen ${FAR}:443 ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    root ${www};
    location = /sni { return 200 "sni=$ssl_server_name\\n"; }
    location = /slow.txt { limit_rate 200; }
  }
  server {
    listen ${RS}:80;
    server_name ${VHOST};
    location / { return 200 "the virtual host\\n"; }
  }
}
`;
  rmSync(join(dir, "tmp"), { recursive: true, force: true });
  Bun.spawnSync(["mkdir", "-p", www, join(dir, "tmp")]);
  writeFileSync(join(www, "index.html"), INDEX_BODY);
  writeFileSync(join(www, "slow.txt"), SLOW_BODY);
  writeFileSync(join(dir, "nginx.conf"), conf);
  servers.nginx = lab.spawn("rs", [PROGRAMS.nginx[0], "-c", join(dir, "nginx.conf"), "-p", `${dir}/`]);
  return waitListening("t", [`${RS}:80`, `[${RS6}]:80`, `${FAR}:443`, `${RS}:8081`], servers.nginx);
}

function startDnsmasq(): Promise<void> {
  servers.dnsmasq = lab.spawn("rs", [
    PROGRAMS.dnsmasq[0],
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--no-poll",
    "--pid-file=",
    "--user=root",
    "--group=root",
    "--bind-interfaces",
    `--listen-address=${RS}`,
    `--listen-address=${FAR}`,
    "--port=53",
    "--local=/example.test/",
    `--host-record=${VHOST},192.0.2.80,2001:db8::80`,
    "--txt-record=example.test,v=vipd test",
    "--log-facility=-",
    "--log-queries",
  ]);
  return waitListening("u", [`${RS}:53`, `${FAR}:53`], servers.dnsmasq);
}

function startSmtpd(): Promise<void> {
  writeFileSync(join(dir, "smtpd.conf"), `listen on ${RS} port 25\nlisten on ${FAR} port 25\nmatch from any for any reject\n`);
  // -d: in the foreground; -T smtp: the protocol trace on stderr (the HELO line the test looks for).
  servers.smtpd = lab.spawn("rs", [PROGRAMS.smtpd[0], "-d", "-T", "smtp", "-f", join(dir, "smtpd.conf")]);
  return waitListening("t", [`${RS}:25`, `${FAR}:25`], servers.smtpd);
}

/** The PIDs whose parent is `pid` (OpenSMTPD's privilege-separated children). */
function childrenOf(pid: number): number[] {
  const out = Bun.spawnSync(["ps", "-o", "pid=", "--ppid", String(pid)], { stdout: "pipe" }).stdout.toString();
  return out
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

/** Stops a server by its PID (SIGTERM, then SIGKILL); bounded. Its children must be gone too. */
async function stopServer(name: string): Promise<void> {
  const server = servers[name];
  if (!server) return;
  delete servers[name];
  const children = childrenOf(server.pid);
  await server.stop(3000);
  for (let i = 0; i < 60 && children.some((pid) => existsSync(`/proc/${pid}`)); i++) await Bun.sleep(50);
  const left = children.filter((pid) => existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(Bun.file(`/proc/${pid}/stat`).toString()));
  if (left.length > 0) throw new Error(`${name}: children ${left.join(", ")} still running after it stopped`);
}

beforeAll(async () => {
  requirePrograms();
  lab = await Lab.create({ hosts: ["lb", "rs"], bridge: false });
  dir = mkdtempSync(join(tmpdir(), "vipd-real-servers-"));
  // The second link, made inside lb with its peer moved to rs: nothing is created in the test's own namespace.
  lab.must("lb", ["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1", "netns", lab.ns("rs")]);
  for (const [host, v4, v6] of [
    ["lb", "198.51.100.1/24", "2001:db8:2::1/64"],
    ["rs", "198.51.100.2/24", "2001:db8:2::2/64"],
  ] as const) {
    lab.must(host, ["ip", "addr", "add", v4, "dev", "eth1"]);
    lab.must(host, ["ip", "addr", "add", v6, "dev", "eth1", "nodad"]);
    lab.must(host, ["ip", "link", "set", "eth1", "up"]);
  }
  lab.must("rs", ["ip", "addr", "add", "fe80::2/64", "dev", "eth1", "nodad"]);
  lab.must("rs", ["ip", "addr", "add", `${FAR}/32`, "dev", "lo"]);
  lab.must("rs", ["ip", "addr", "add", `${FAR6}/128`, "dev", "lo"]);
  lab.must("lb", ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.eth1.rp_filter=0", "net.ipv4.conf.eth0.rp_filter=0"]);
  // The route says eth0; eth1 only with a worse metric (what bind_if picks) or, in table 100, for fwmark 7.
  const routes = [
    ["-4", FAR, "192.0.2.11", "eth0", "10"],
    ["-4", FAR, "198.51.100.2", "eth1", "100"],
    ["-6", FAR6, RS6, "eth0", "10"],
    ["-6", FAR6, "2001:db8:2::2", "eth1", "100"],
  ];
  for (const [family, to, via, dev, metric] of routes)
    lab.must("lb", ["ip", family!, "route", "add", to!, "via", via!, "dev", dev!, "metric", metric!]);
  lab.must("lb", ["ip", "-4", "route", "add", FAR, "via", "198.51.100.2", "dev", "eth1", "table", "100"]);
  lab.must("lb", ["ip", "-6", "route", "add", FAR6, "via", "2001:db8:2::2", "dev", "eth1", "table", "100"]);
  lab.must("lb", ["ip", "-4", "rule", "add", "fwmark", "7", "table", "100"]);
  lab.must("lb", ["ip", "-6", "rule", "add", "fwmark", "7", "table", "100"]);
  writeFileSync(
    join(dir, "rs.nft"),
    `table inet vipd_test {
  chain input {
    type filter hook input priority 0;
    iifname "eth0" ip daddr ${FAR} drop
    iifname "eth0" ip6 daddr ${FAR6} drop
    tcp dport 8081 tcp flags & (syn | ack) == ack reject with tcp reset
  }
}
`,
  );
  lab.must("rs", [PROGRAMS.nft[0], "-f", join(dir, "rs.nft")]);
  lab.must("rs", [
    PROGRAMS.openssl[0],
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-days",
    "2",
    "-subj",
    `/CN=${VHOST}`,
  ]);
  await Promise.all([startNginx(), startDnsmasq(), startSmtpd()]);
  // Listeners that accept one connection each and never say a word (their stdin stays open, so nc waits).
  for (const port of [8084, 8085]) {
    servers[`hung${port}`] = lab.spawn("rs", [PROGRAMS.busybox[0], "nc", "-l", "-p", String(port)]);
    await waitListening("t", [`:${port} `], servers[`hung${port}`]!);
  }
  // Both links carry traffic (bounded wait for the veths).
  for (const address of [RS, "198.51.100.2", RS6, "2001:db8:2::2"]) {
    const ready = [1, 2, 3, 4, 5].some(() => lab.exec("lb", ["ping", "-c1", "-W1", address], 3000).code === 0);
    if (!ready) throw new Error(`the lab's link does not carry pings to ${address}`);
  }
}, 60_000);

afterAll(async () => {
  for (const name of Object.keys(servers)) await stopServer(name).catch(() => undefined);
  await lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `vipd genhash URL` run in lb: the digest of the page as keepalived's genhash prints it. */
function genhash(url: string, virtualhost?: string): string {
  const argv = [process.execPath, ENTRY, "genhash", ...(virtualhost ? ["--virtualhost", virtualhost] : []), url];
  return lab.must("lb", argv, 15_000).trim();
}

type CheckSpec = [name: string, address: string, port: number, kind: string, settings: string];

/** A configuration with one virtual server per check (named after it), each with one real server and its check. */
function configOf(checks: CheckSpec[]): string {
  return checks
    .map(
      ([name, address, port, kind, settings], i) => `[virtual_servers.${name}]
address = "${address.includes(":") ? `2001:db8:ff::${i + 1}` : `192.0.2.${100 + i}`}"
port = ${1000 + i}
protocol = "tcp"
[[virtual_servers.${name}.real_servers]]
address = "${address}"
port = ${port}
[[virtual_servers.${name}.real_servers.${kind}]]
delay_loop = 60
warmup = 0
retry = 0
connect_timeout = 1
${settings}
`,
    )
    .join("\n");
}

/** Runs the checks through a checker process in lb; each result by name. */
function runChecks(checks: CheckSpec[]): Record<string, CheckResult> {
  const file = join(dir, `checks-${Date.now()}.toml`);
  writeFileSync(file, configOf(checks));
  const out = lab.must("lb", [process.execPath, RUN_CHECKS, file, "15000"], 30_000);
  const results: Record<string, CheckResult> = {};
  for (const line of out.trim().split("\n")) {
    const r = JSON.parse(line) as CheckResult;
    results[r.name] = r;
  }
  return results;
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex");
/** A DNS query (id 0x1234, recursion desired) for www.example.test's A record: UDP_CHECK's payload. */
const dnsQueryHex = ["123401000001000000000000", "03777777", "076578616d706c65", "0474657374", "00", "0001", "0001"].join("");

describe("real servers", () => {
  test("nginx, dnsmasq and OpenSMTPD pass; wrong digest, wrong status, unknown name, hung, slow drip and reset fail with their reason", async () => {
    const digest = genhash(`http://${RS}/index.html`);
    expect(digest).toBe(md5(INDEX_BODY));
    const vhostDigest = genhash(`http://${RS}/index.html`, VHOST);
    expect(vhostDigest).toBe(md5("the virtual host\n"));
    expect(genhash(`https://${RS}/index.html`)).toBe(digest);
    const r = runChecks([
      ["http_digest", RS, 80, "HTTP_GET", `url = [{ path = "/index.html", digest = "${digest}", status_code = [200] }]`],
      ["http_digest6", RS6, 80, "HTTP_GET", `url = [{ path = "/index.html", digest = "${digest}" }]`],
      ["http_vhost", RS, 80, "HTTP_GET", `virtualhost = "${VHOST}"\nurl = [{ path = "/index.html", digest = "${vhostDigest}" }]`],
      ["http_wrong_digest", RS, 80, "HTTP_GET", `url = [{ path = "/index.html", digest = "${vhostDigest}" }]`],
      ["http_wrong_status", RS, 80, "HTTP_GET", `url = [{ path = "/missing.html" }]`],
      ["http_404_wanted", RS, 80, "HTTP_GET", `url = [{ path = "/missing.html", status_code = [404] }]`],
      ["ssl_digest", RS, 443, "SSL_GET", `url = [{ path = "/index.html", digest = "${digest}" }]`],
      [
        "ssl_sni",
        RS,
        443,
        "SSL_GET",
        `enable_sni = true\nvirtualhost = "${VHOST}"\nurl = [{ path = "/sni", regex = "sni=www\\\\.example\\\\.test" }]`,
      ],
      ["ssl_no_sni", RS, 443, "SSL_GET", `virtualhost = "${VHOST}"\nurl = [{ path = "/sni", regex = "sni=www\\\\.example\\\\.test" }]`],
      ["dns_a", RS, 53, "DNS_CHECK", `type = "A"\nname = "${VHOST}"`],
      ["dns_aaaa", RS, 53, "DNS_CHECK", `type = "AAAA"\nname = "${VHOST}"`],
      ["dns_txt", RS, 53, "DNS_CHECK", `type = "TXT"\nname = "example.test"`],
      ["dns_unknown", RS, 53, "DNS_CHECK", `type = "A"\nname = "nothere.example.test"`],
      ["smtp", RS, 25, "SMTP_CHECK", `helo_name = "${HELO}"`],
      ["http_hung", RS, 8084, "HTTP_GET", `url = [{ path = "/" }]`],
      ["smtp_hung", RS, 8085, "SMTP_CHECK", ""],
      ["http_slow_drip", RS, 80, "HTTP_GET", `url = [{ path = "/slow.txt", digest = "${md5(SLOW_BODY)}" }]`],
      ["http_reset", RS, 8081, "HTTP_GET", `url = [{ path = "/index.html" }]`],
    ]);
    const passed = [
      "http_digest",
      "http_digest6",
      "http_vhost",
      "http_404_wanted",
      "ssl_digest",
      "ssl_sni",
      "dns_a",
      "dns_aaaa",
      "dns_txt",
      "smtp",
    ];
    for (const name of passed)
      expect({ name, ok: r[name]?.ok, reason: r[name]?.reason }).toEqual({ name, ok: true, reason: expect.any(String) });
    expect(r.http_digest!.reason).toBe("HTTP 200");
    expect(r.smtp!.reason).toBe("HELO 250");
    expect(r.http_wrong_digest).toMatchObject({ ok: false, reason: `/index.html: digest ${digest}, expected ${vhostDigest}` });
    expect(r.http_wrong_status).toMatchObject({ ok: false, reason: "/missing.html: HTTP status 404" });
    expect(r.ssl_no_sni).toMatchObject({ ok: false, reason: "/sni: regex did not match" });
    expect(r.dns_unknown).toMatchObject({ ok: false, reason: "rcode 3" });
    expect(r.http_hung).toMatchObject({ ok: false, reason: "/: no complete reply within 1000 ms" });
    expect(r.smtp_hung).toMatchObject({ ok: false, reason: "no complete SMTP exchange within 1000 ms" });
    // nginx sends the slow page in pieces (200 bytes a second): the deadline is for the whole check, not per read.
    expect(r.http_slow_drip).toMatchObject({ ok: false, reason: "/slow.txt: no complete reply within 1000 ms" });
    for (const name of ["http_hung", "smtp_hung", "http_slow_drip"]) {
      expect(r[name]!.durationMs).toBeGreaterThanOrEqual(950);
      expect(r[name]!.durationMs).toBeLessThan(1600);
    }
    expect(r.http_reset!.ok).toBe(false);
    expect(r.http_reset!.reason).toMatch(/^\/index\.html: (ECONNRESET|EPIPE)$/);
    // OpenSMTPD's protocol trace: the HELO it was sent carries helo_name.
    await servers.smtpd!.waitLine((l) => l.includes(`<<< HELO ${HELO}`), 5000);
  }, 60_000);

  test("bind_if and fwmark: a check to an address routed by eth0 passes only when its packets leave by eth1", () => {
    const r = runChecks([
      ["tcp_routed", FAR, 80, "TCP_CHECK", ""],
      ["tcp_bind_if", FAR, 80, "TCP_CHECK", `bind_if = "eth1"`],
      ["tcp_fwmark", FAR, 80, "TCP_CHECK", "fwmark = 7"],
      ["tcp_other_mark", FAR, 80, "TCP_CHECK", "fwmark = 8"],
      ["tcp_no_such_if", FAR, 80, "TCP_CHECK", `bind_if = "nosuch0"`],
      ["tcp6_routed", FAR6, 80, "TCP_CHECK", ""],
      ["tcp6_bind_if", FAR6, 80, "TCP_CHECK", `bind_if = "eth1"`],
      ["tcp6_fwmark", FAR6, 80, "TCP_CHECK", "fwmark = 7"],
      ["tcp6_link_local", FAR6, 80, "TCP_CHECK", `connect_ip = "fe80::2"\nconnect_port = 8090\nbind_if = "eth1"`],
      ["http_bind_if", FAR, 80, "HTTP_GET", `bind_if = "eth1"\nurl = [{ path = "/index.html", digest = "${md5(INDEX_BODY)}" }]`],
      ["http6_fwmark", FAR6, 80, "HTTP_GET", `fwmark = 7\nurl = [{ path = "/index.html", digest = "${md5(INDEX_BODY)}" }]`],
      [
        "ssl_fwmark",
        FAR,
        443,
        "SSL_GET",
        `fwmark = 7\nenable_sni = true\nvirtualhost = "${VHOST}"\nurl = [{ path = "/sni", regex = "^sni=www" }]`,
      ],
      ["smtp_routed", FAR, 25, "SMTP_CHECK", ""],
      ["smtp_bind_if", FAR, 25, "SMTP_CHECK", `bind_if = "eth1"`],
      ["dns_routed", FAR, 53, "DNS_CHECK", `type = "A"\nname = "${VHOST}"`],
      ["dns_bind_if", FAR, 53, "DNS_CHECK", `bind_if = "eth1"\ntype = "A"\nname = "${VHOST}"`],
      ["dns_fwmark", FAR, 53, "DNS_CHECK", `fwmark = 7\ntype = "AAAA"\nname = "${VHOST}"`],
      ["udp_routed", FAR, 53, "UDP_CHECK", `payload = "${dnsQueryHex}"\nrequire_reply = true`],
      ["udp_fwmark", FAR, 53, "UDP_CHECK", `fwmark = 7\npayload = "${dnsQueryHex}"\nreply_data = "1234"`],
      ["udp_bind_if", FAR, 53, "UDP_CHECK", `bind_if = "eth1"\npayload = "${dnsQueryHex}"\nrequire_reply = true`],
    ]);
    const routedOut = ["tcp_routed", "tcp_other_mark", "tcp6_routed"];
    for (const name of routedOut) expect({ name, ...r[name] }).toMatchObject({ name, ok: false, reason: "no connection within 1000 ms" });
    expect(r.smtp_routed).toMatchObject({ ok: false, reason: "no complete SMTP exchange within 1000 ms" });
    expect(r.dns_routed).toMatchObject({ ok: false, reason: "no answer within 1000 ms" });
    expect(r.udp_routed).toMatchObject({ ok: false, reason: "no reply within 1000 ms" });
    expect(r.tcp_no_such_if).toMatchObject({ ok: false, reason: "ENODEV" });
    const through = [
      "tcp_bind_if",
      "tcp_fwmark",
      "tcp6_bind_if",
      "tcp6_fwmark",
      "tcp6_link_local",
      "http_bind_if",
      "http6_fwmark",
      "ssl_fwmark",
      "smtp_bind_if",
      "dns_bind_if",
      "dns_fwmark",
      "udp_fwmark",
      "udp_bind_if",
    ];
    for (const name of through)
      expect({ name, ok: r[name]?.ok, reason: r[name]?.reason }).toEqual({ name, ok: true, reason: expect.any(String) });
  }, 60_000);

  test("servers stopped: every check is refused at once", async () => {
    await Promise.all(["nginx", "dnsmasq", "smtpd"].map(stopServer));
    const r = runChecks([
      ["http", RS, 80, "HTTP_GET", `url = [{ path = "/index.html" }]`],
      ["ssl", RS, 443, "SSL_GET", `url = [{ path = "/index.html" }]`],
      ["tcp_fwmark", FAR, 80, "TCP_CHECK", "fwmark = 7"],
      ["dns", RS, 53, "DNS_CHECK", `type = "A"\nname = "${VHOST}"`],
      ["dns_bind_if", FAR, 53, "DNS_CHECK", `bind_if = "eth1"\ntype = "A"\nname = "${VHOST}"`],
      ["smtp", RS, 25, "SMTP_CHECK", ""],
    ]);
    for (const name of ["http", "ssl", "tcp_fwmark", "dns", "dns_bind_if", "smtp"]) {
      expect({ name, ...r[name] }).toMatchObject({ name, ok: false });
      expect(r[name]!.reason).toMatch(/ECONNREFUSED$/);
      expect(r[name]!.durationMs).toBeLessThan(500);
    }
  }, 60_000);
});
