// The port contracts (test/adapters/*-contract.ts, shared with the fakes) on the real kernel: two namespaces joined
// by one veth, an agent in each. The link monitor and announcer contracts run inside agent a on veth pairs it
// creates in its namespace; the transport contract runs here, driving one transport in each agent.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TransportStats } from "../../src/adapters/vrrp-transport.ts";
import { formatIp, type IpFamily, parseIp } from "../../src/vrrp/ip-address.ts";
import {
  hexOf,
  type PacketCopy,
  type TransportHost,
  vrrpTransportAhContract,
  vrrpTransportContract,
} from "../adapters/vrrp-transport-contract.ts";
import { Agent, type Json } from "./agent-client.ts";
import { Lab, requireLabPrerequisites } from "./harness.ts";
import { waitFor } from "../wait-for.ts";

let lab: Lab;
let a: Agent;
let b: Agent;

beforeAll(async () => {
  requireLabPrerequisites(["tcpdump", "timeout"]);
  lab = await Lab.create({ hosts: ["a", "b"], bridge: false });
  [a, b] = await Promise.all([Agent.start(lab, "a"), Agent.start(lab, "b")]);
  // The kernel adds the link-local address (IPv6 transports' default source) once it has seen the carrier, which
  // its link watcher may report up to a second after the link came up.
  for (const host of lab.hosts) await waitForLinkLocal(host);
}, 20_000);

async function waitForLinkLocal(host: string): Promise<void> {
  const ready = await waitFor(() => lab.addressList(host).some((x) => x.startsWith("fe80:")), 3000, 50);
  if (!ready) throw new Error(`host ${host} got no IPv6 link-local address on eth0 within 3 s`);
}

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await lab?.destroy();
});

let transportCount = 0;

/** The contract's view of the raw-socket transports in an agent: one agent op per call, packets from its events. */
function agentTransportHost(agent: Agent): TransportHost {
  return {
    async open(options) {
      const name = `contract${transportCount++}`;
      const from = agent.lineCount;
      const opened = await agent.call("open", { name, ifname: options.ifname, family: options.family, ipsecAh: options.ipsecAh === true });
      return {
        family: opened.family as IpFamily,
        ifname: opened.ifname as string,
        ifindex: opened.ifindex as number,
        source: parseIp(opened.source)!,
        send: (bytes, dst, ttl) => agent.call("send-bytes", { name, hex: hexOf(bytes), dst: formatIp(dst), ttl }),
        stats: async () => (await agent.call("stats", { name })) as TransportStats,
        health: () =>
          agent
            .events("health", from)
            .filter((e) => e.transport === name)
            .map((e: Json) => ({ receiving: e.receiving as boolean, reason: e.reason as string })),
        received: () =>
          agent
            .events("packet", from)
            .filter((e) => e.transport === name)
            .map(
              (e: Json): PacketCopy => ({
                family: e.family,
                ifindex: e.ifindex,
                src: e.src,
                dst: e.dst,
                ttl: e.ttl,
                hex: e.hex,
                ipProtocol: e.ipProtocol,
                datagramHex: e.datagramHex,
              }),
            ),
        close: () => agent.call("close", { name }),
      };
    },
  };
}

test.each([4, 6] as const)(
  "the raw-socket transports pass the VrrpTransportFactory contract over IPv%d",
  async (family) => {
    const link = {
      a: agentTransportHost(a),
      b: agentTransportHost(b),
      ifname: "eth0",
      deliveryMs: 2000,
      quietMs: 200,
      setLinkB: async (state: "up" | "down") => {
        lab.linkSet("b", "eth0", state);
        // Like at the start: the next test opens IPv6 transports on b, which need its link-local address back.
        if (state === "up") await waitForLinkLocal("b");
      },
      // The backoff's longest wait, plus the kernel noticing the carrier again.
      recoverMs: 3000,
    };
    expect(await vrrpTransportContract(link, family)).toEqual([]);
  },
  15_000,
);

test("the raw-socket IPsec AH transports (IPPROTO_AH, IP_HDRINCL) pass the AH contract", async () => {
  const link = {
    a: agentTransportHost(a),
    b: agentTransportHost(b),
    ifname: "eth0",
    deliveryMs: 2000,
    quietMs: 200,
    setLinkB: async () => {},
    recoverMs: 3000,
  };
  expect(await vrrpTransportAhContract(link)).toEqual([]);
}, 15_000);

test("the rtnetlink monitor passes the LinkMonitorFactory contract", async () => {
  expect(await a.call("link-monitor-contract", {}, 20_000)).toEqual([]);
}, 25_000);

test("the rtnetlink macvlans pass the MacvlanLinks contract", async () => {
  expect(await a.call("macvlan-contract", { ifname: "eth0" }, 10_000)).toEqual([]);
}, 15_000);

test("the AF_PACKET announcer passes the NeighbourAnnouncer contract, seen by tcpdump", async () => {
  expect(await a.call("announcer-contract", { ifname: "ga0" }, 20_000)).toEqual([]);
}, 25_000);
