// Health checks in [[virtual_servers.NAME.real_servers]]: keepalived 2.2.7's inheritance (check, then real
// server, then virtual server, then the kind's default) and errors at the key's own line.

import { describe, expect, test } from "bun:test";
import type { CheckDefinition } from "../../src/check/check-definition.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import { errorsOf, FILE, loadOk } from "./helpers.ts";

const vs = (head: string, server: string) =>
  `[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\n${head}\n[[virtual_servers.web.real_servers]]\naddress = "198.51.100.1"\n${server}`;
const checksOf = (config: VipdConfig): CheckDefinition[] => config.virtualServers[0]!.realServers[0]!.checks.map((c) => c.definition);

describe("checks", () => {
  test("keepalived's defaults: delay_loop 60 s, retry 1 (misc 0), delay_before_retry 1 s (HTTP 3 s), warmup = delay_loop, 5 s deadline", () => {
    const config = loadOk(
      vs(
        "",
        `TCP_CHECK = {}\nMISC_CHECK = { misc_path = "/bin/true" }\n[[virtual_servers.web.real_servers.HTTP_GET]]\nurl = [{ path = "/" }]\n`,
      ),
      { checkPrograms: false },
    );
    const [tcp, http, misc] = checksOf(config);
    expect(tcp).toEqual({
      kind: "TCP_CHECK",
      timing: { delayLoopMs: 60_000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 60_000, alpha: false },
      connect: {
        address: "198.51.100.1",
        family: 4,
        port: 80,
        bindAddress: null,
        bindPort: null,
        bindInterface: null,
        fwmark: null,
        timeoutMs: 5000,
      },
    });
    expect(http).toMatchObject({
      timing: { retry: 1, delayBeforeRetryMs: 3000 },
      httpProtocol: "1.0",
      urls: [{ statusCodes: [[200, 299]] }],
    });
    expect(misc).toMatchObject({ timing: { retry: 0 }, timeoutMs: 60_000, dynamic: false, runAs: null });
  });

  test("a check's setting wins over its real server's, which wins over the virtual server's", () => {
    const config = loadOk(
      vs(
        "delay_loop = 10\nretry = 5\nalpha = true\nconnect_timeout = 2\n",
        "retry = 3\nwarmup = 1\n[[virtual_servers.web.real_servers.TCP_CHECK]]\nretry = 2\n",
      ),
    );
    expect(checksOf(config)[0]).toMatchObject({
      timing: { delayLoopMs: 10_000, retry: 2, warmupMs: 1000, alpha: true },
      connect: { timeoutMs: 2000 },
    });
  });

  test("the port checked: connect_port, else the real server's, else the service's; none for fwmark services", () => {
    expect(checksOf(loadOk(vs("", "port = 8080\nTCP_CHECK = {}\n")))[0]).toMatchObject({ connect: { port: 8080 } });
    expect(checksOf(loadOk(vs("", 'TCP_CHECK = { connect_port = 81, connect_ip = "198.51.100.9" }\n')))[0]).toMatchObject({
      connect: { address: "198.51.100.9", port: 81 },
    });
    const fwmark = `[virtual_servers.mark]\nfwmark = 3\n[[virtual_servers.mark.real_servers]]\naddress = "198.51.100.1"\nTCP_CHECK = {}\n`;
    expect(errorsOf(fwmark)).toEqual([
      `${FILE}:5: virtual_servers.mark.real_servers[0].TCP_CHECK.connect_port: missing; the real server has no port of its own here (a fwmark or group service, or port 0)`,
    ]);
  });

  test("bind_if and fwmark: read on connecting checks (fwmark 0 is none), refused on PING_CHECK, checked", () => {
    const config = loadOk(
      vs("", `port = 80\nTCP_CHECK = { bind_if = "eth1", fwmark = 7 }\nUDP_CHECK = { fwmark = 0 }\nDNS_CHECK = { bind_if = "eth2" }\n`),
      { checkPrograms: false },
    );
    expect(checksOf(config).map((c) => ("connect" in c ? [c.kind, c.connect.bindInterface, c.connect.fwmark] : []))).toEqual([
      ["TCP_CHECK", "eth1", 7],
      ["DNS_CHECK", "eth2", null],
      ["UDP_CHECK", null, null],
    ]);
    const errors = errorsOf(
      vs(
        "",
        `port = 80\nPING_CHECK = { fwmark = 7 }\nTCP_CHECK = { bind_if = "a name too long", fwmark = -1 }\nSSL_GET = { connect_ip = "fe80::1", url = [{ path = "/" }] }\n`,
      ),
    );
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain("PING_CHECK.fwmark: unknown key");
    expect(errors[1]).toContain(
      'TCP_CHECK.bind_if: must be an interface name (1 to 15 characters, no space, "/" or ":"), got "a name too long"',
    );
    expect(errors[2]).toContain("TCP_CHECK.fwmark:");
    expect(errors[3]).toContain("SSL_GET.bind_if: missing; the link-local address fe80::1 is reached only through a named interface");
  });

  test("several checks of one kind as a list; every mistake at its own line", () => {
    const text = vs(
      "",
      `[[virtual_servers.web.real_servers.HTTP_GET]]
url = [{ path = "/", digest = "nothex", status_code = [200, "299-200", 700] }]
[[virtual_servers.web.real_servers.HTTP_GET]]
url = []
[[virtual_servers.web.real_servers.TCP_CHECK]]
bindto = "2001:db8::1"
conect_timeout = 3
`,
    );
    expect(errorsOf(text)).toEqual([
      `${FILE}:9: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].digest: must be 32 hexadecimal digits (an MD5 digest), got "nothex"`,
      `${FILE}:9: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].status_code[1]: must be a status code from 100 to 599 or a range "200-299", got string "299-200"`,
      `${FILE}:9: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].status_code[2]: must be a status code from 100 to 599 or a range "200-299", got 700`,
      `${FILE}:11: virtual_servers.web.real_servers[0].HTTP_GET[1].url: missing; an HTTP check needs at least one url = [{ path = "/" }]`,
      `${FILE}:13: virtual_servers.web.real_servers[0].TCP_CHECK[0].bindto: is not of the family of the address checked (IPv4)`,
      `${FILE}:14: virtual_servers.web.real_servers[0].TCP_CHECK[0].conect_timeout: unknown key (did you mean "connect_timeout"?); allowed here: alpha, bind_if, bind_port, bindto, connect_ip, connect_port, connect_timeout, delay_before_retry, delay_loop, fwmark, log_all_failures, retry, warmup`,
    ]);
  });

  test("MISC_CHECK: user in keepalived's form, the program checked like every script", () => {
    const config = loadOk(vs("", 'MISC_CHECK = { misc_path = "/bin/true x", user = "nobody nogroup", misc_dynamic = true }\n'), {
      checkPrograms: false,
    });
    expect(checksOf(config)[0]).toMatchObject({ argv: ["/bin/true", "x"], runAs: { user: "nobody", group: "nogroup" }, dynamic: true });
    const errors = errorsOf(vs("", 'MISC_CHECK = { misc_path = "/nonexistent/check" }\n'), { stat: () => null });
    expect(errors).toEqual([
      `${FILE}:8: virtual_servers.web.real_servers[0].MISC_CHECK.misc_path: program /nonexistent/check does not exist`,
    ]);
  });
});

test("DNS_CHECK: keepalived's 3 retries, delay_before_retry = delay_loop, port 53 for a real server without one", () => {
  const fwmarkDns = `[virtual_servers.dns]\nfwmark = 5\ndelay_loop = 7\n[[virtual_servers.dns.real_servers]]\naddress = "198.51.100.1"\nDNS_CHECK = { name = "example.com." }\n`;
  const config = loadOk(fwmarkDns);
  expect(config.virtualServers[0]!.realServers[0]!.checks[0]!.definition).toMatchObject({
    kind: "DNS_CHECK",
    timing: { retry: 3, delayBeforeRetryMs: 7000 },
    connect: { port: 53 },
    type: "SOA",
    name: "example.com",
  });
});
