// The IPVS generic netlink codec without root: requests byte for byte against what Debian's ipvsadm 1.31 sends
// (recorded once with `strace -xx -e trace=sendmsg ipvsadm ...` inside the test VM, genlmsghdr onwards), one
// request spelled out from the linux/ip_vs.h layout by hand, the decoders on the kernel's own answers
// (test/golden/ipvs-answers.json, recorded in the VM by test/vm/guest/capture-ipvs-answers.ts) and on malformed input.
import { describe, expect, test } from "bun:test";
import * as C from "../../ffi/constants.ts";
import { normalizeServiceSettings, type Service, type ServiceKey, type ServiceSettings, serviceFamily } from "../../src/adapters/ipvs.ts";
import {
  decodeDestination,
  decodeInfo,
  decodeService,
  decodeTimeouts,
  encodeBareCommand,
  encodeDestinationCommand,
  encodeServiceCommand,
  encodeTimeouts,
  withKeyObjectsUnchanged,
} from "../../src/adapters/linux/ipvs-messages.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import answers from "../golden/ipvs-answers.json";
import { expectedLines, tableLines } from "./ipvs-contract.ts";

const IPVSADM = {
  addTcpWlc:
    "01010000540001800600010002000000060002000600000014000300c0000201000000000000000000000000060004000050000008000600776c63000c00070000000000ffffffff080008000000000008000900ffffffff",
  addUdp6ShPersistent:
    "0101000054000180060001000a00000006000200110000001400030020010db8000000000000000000000001060004000035000007000600736800000c00070019000000ffffffff080008002c0100000800090040000000",
  addFwmarkRrOnePacket:
    "01010000380001800600010002000000080005000700000007000600727200000c00070004000000ffffffff080008000000000008000900ffffffff",
  editTcpRrPersistent24:
    "02010000540001800600010002000000060002000600000014000300c0000201000000000000000000000000060004000050000007000600727200000c00070001000000ffffffff080008007800000008000900ffffff00",
  // ipvsadm repeats the whole service in destination requests; the kernel reads only its key there, so only the
  // destination attribute (from byte 88) is compared.
  addDestMasq:
    "05010000540001800600010002000000060002000600000014000300c0000201000000000000000000000000060004000050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b000200000014000100c6336402000000000000000000000000060002001f9000000800030000000000080004000300000005000d000000000006000e000000000006000f0000000000080005000a0000000800060002000000",
  addDestGue:
    "05010000540001800600010002000000060002000600000014000300c0000201000000000000000000000000060004000050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b000200000014000100c633640300000000000000000000000006000200005000000800030002000000080004000100000005000d000100000006000e0017c0000006000f000000000008000500000000000800060000000000",
  setTimeouts: "0c010000080004000a0000000800050014000000080006001e000000",
  flush: "11010000",
  getInfo: "0f010000",
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ip = (text: string) => parseIp(text) as Uint8Array;
const tcp80: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.1"), port: 80 };

function encoded(write: (out: Uint8Array) => number): string {
  const out = new Uint8Array(1024);
  return hex(out.subarray(0, write(out)));
}

describe("requests match ipvsadm's", () => {
  test("add a TCP service with wlc", () => {
    expect(encoded((o) => encodeServiceCommand(o, 0, C.IPVS_CMD_NEW_SERVICE, tcp80, { scheduler: "wlc" }))).toBe(IPVSADM.addTcpWlc);
  });

  test("add an IPv6 UDP service: sh with both flags, persistent 300 s per /64", () => {
    const key: ServiceKey = { kind: "address", protocol: "udp", address: ip("2001:db8::1"), port: 53 };
    const settings: ServiceSettings = {
      scheduler: "sh",
      schedulerFallback: true,
      schedulerPort: true,
      persistenceTimeoutS: 300,
      persistencePrefix: 64,
    };
    expect(encoded((o) => encodeServiceCommand(o, 0, C.IPVS_CMD_NEW_SERVICE, key, settings))).toBe(IPVSADM.addUdp6ShPersistent);
  });

  test("add a fwmark service with one-packet scheduling", () => {
    const key: ServiceKey = { kind: "fwmark", family: 4, fwmark: 7 };
    const settings = { scheduler: "rr", onePacket: true };
    expect(encoded((o) => encodeServiceCommand(o, 0, C.IPVS_CMD_NEW_SERVICE, key, settings))).toBe(IPVSADM.addFwmarkRrOnePacket);
  });

  test("edit a service: persistent 120 s per /24 (netmask 255.255.255.0 on the wire)", () => {
    const settings = { scheduler: "rr", persistenceTimeoutS: 120, persistencePrefix: 24 };
    expect(encoded((o) => encodeServiceCommand(o, 0, C.IPVS_CMD_SET_SERVICE, tcp80, settings))).toBe(IPVSADM.editTcpRrPersistent24);
  });

  test("add a NAT destination with weight and thresholds", () => {
    const settings = { forward: "masq" as const, weight: 3, upperThreshold: 10, lowerThreshold: 2 };
    const ours = encoded((o) =>
      encodeDestinationCommand(o, 0, C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("198.51.100.2"), port: 8080 }, settings),
    );
    // Ours: genlmsghdr (4) + the service key alone (48), then the destination.
    expect(ours.slice(0, 8)).toBe(IPVSADM.addDestMasq.slice(0, 8));
    expect(ours.slice(2 * 52)).toBe(IPVSADM.addDestMasq.slice(2 * 88));
  });

  test("add a tunnel destination with GUE on port 6080, no checksum", () => {
    const settings = { forward: "tunnel" as const, weight: 1, tunnel: { type: "gue" as const, port: 6080, checksum: "nocsum" as const } };
    const ours = encoded((o) =>
      encodeDestinationCommand(o, 0, C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("198.51.100.3"), port: 80 }, settings),
    );
    expect(ours.slice(2 * 52)).toBe(IPVSADM.addDestGue.slice(2 * 88));
  });

  test("set timeouts, flush, get info", () => {
    expect(encoded((o) => encodeTimeouts(o, 0, { tcpS: 10, tcpFinS: 20, udpS: 30 }))).toBe(IPVSADM.setTimeouts);
    expect(encoded((o) => encodeBareCommand(o, 0, C.IPVS_CMD_FLUSH))).toBe(IPVSADM.flush);
    expect(encoded((o) => encodeBareCommand(o, 0, C.IPVS_CMD_GET_INFO))).toBe(IPVSADM.getInfo);
  });
});

test("destination requests written in a row into a used buffer are byte for byte those written one by one", () => {
  const udp6: ServiceKey = { kind: "address", protocol: "udp", address: ip("2001:db8::1"), port: 53 };
  const mark: ServiceKey = { kind: "fwmark", family: 4, fwmark: 7 };
  const other: ServiceKey = { kind: "address", protocol: "sctp", address: ip("203.0.113.9"), port: 9 };
  const masq = { forward: "masq" as const, weight: 3, upperThreshold: 10, lowerThreshold: 2 };
  const gue = { forward: "tunnel" as const, weight: 70000, tunnel: { type: "gue" as const, port: 6080, checksum: "remcsum" as const } };
  const route = { forward: "route" as const, weight: 0 };
  const requests: [number, ServiceKey, { address: Uint8Array; port: number }, typeof masq | typeof gue | typeof route | undefined][] = [
    [C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("198.51.100.1"), port: 8080 }, masq],
    [C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("2001:db8::2"), port: 80 }, gue],
    [C.IPVS_CMD_DEL_DEST, tcp80, { address: ip("198.51.100.1"), port: 8080 }, undefined],
    [C.IPVS_CMD_SET_DEST, udp6, { address: ip("2001:db8::3"), port: 53 }, route],
    [C.IPVS_CMD_NEW_DEST, mark, { address: ip("198.51.100.4"), port: 0 }, masq],
    [C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("198.51.100.5"), port: 65535 }, route],
  ];
  // One by one: another service between them, so nothing is carried over from the request before.
  const alone = requests.map(([cmd, service, destination, settings]) => {
    encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, other, { address: ip("198.51.100.9"), port: 1 }));
    return encoded((o) => encodeDestinationCommand(o, 0, cmd, service, destination, settings));
  });
  const out = new Uint8Array(4096).fill(0xaa);
  let at = 0;
  const writeInARow = () =>
    requests.map(([cmd, service, destination, settings]) => {
      const end = encodeDestinationCommand(out, at, cmd, service, destination, settings);
      const text = hex(out.subarray(at, end));
      at = end + 8;
      return text;
    });
  expect(writeInARow()).toEqual(alone);
  // So too in a batch (LinuxIpvs.applyChanges), where a key object named again is known by identity.
  out.fill(0xaa);
  at = 0;
  expect(withKeyObjectsUnchanged(writeInARow)).toEqual(alone);
  // A key object changed in place between two requests names the new service.
  const key: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.50"), port: 80 };
  encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, key, { address: ip("198.51.100.1"), port: 80 }));
  key.address[3] = 51;
  const changed = encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, key, { address: ip("198.51.100.1"), port: 80 }));
  const fresh = { ...key, address: ip("192.0.2.51") };
  encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, other, { address: ip("198.51.100.9"), port: 1 }));
  expect(changed).toBe(
    encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, fresh, { address: ip("198.51.100.1"), port: 80 })),
  );
  // A batch trusts the object only while it runs: changed in place after one, the key is compared again.
  const before = withKeyObjectsUnchanged(() =>
    encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, key, { address: ip("198.51.100.1"), port: 80 })),
  );
  key.address[3] = 50;
  const after = encoded((o) => encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, key, { address: ip("198.51.100.1"), port: 80 }));
  expect(before).toBe(changed);
  expect(after).not.toBe(changed);
  expect(after).toBe(
    encoded((o) =>
      encodeDestinationCommand(o, 0, C.IPVS_CMD_DEL_DEST, { ...key, address: ip("192.0.2.50") }, { address: ip("198.51.100.1"), port: 80 }),
    ),
  );
});

test("a delete names the service by its key alone, spelled out from linux/ip_vs.h", () => {
  const key: ServiceKey = { kind: "address", protocol: "sctp", address: ip("2001:db8::5"), port: 3868 };
  const want = [
    // struct genlmsghdr: cmd IPVS_CMD_DEL_SERVICE (3), version 1, reserved
    "03010000",
    // IPVS_CMD_ATTR_SERVICE (1) | NLA_F_NESTED, length 4 + 8 + 8 + 20 + 8 = 48
    "30000180",
    // IPVS_SVC_ATTR_AF (1): u16 AF_INET6 (10), padded
    "060001000a000000",
    // IPVS_SVC_ATTR_PROTOCOL (2): u16 IPPROTO_SCTP (132)
    "0600020084000000",
    // IPVS_SVC_ATTR_ADDR (3): union nf_inet_addr (16 bytes)
    "1400030020010db8000000000000000000000005",
    // IPVS_SVC_ATTR_PORT (4): __be16 3868 = 0x0f1c
    "060004000f1c0000",
  ].join("");
  expect(encoded((o) => encodeServiceCommand(o, 0, C.IPVS_CMD_DEL_SERVICE, key))).toBe(want);
});

describe("decoders", () => {
  // A request to add has the same attributes as the kernel's dump answer (which adds stats): decode it back.
  test("a service reads back with every setting, defaults filled in", () => {
    const key: ServiceKey = { kind: "address", protocol: "udp", address: ip("2001:db8::1"), port: 53 };
    const settings = { scheduler: "mh", persistenceTimeoutS: 60, persistencePrefix: 64, schedulerPort: true, persistenceEngine: "sip" };
    const out = new Uint8Array(512);
    const end = encodeServiceCommand(out, 0, C.IPVS_CMD_NEW_SERVICE, key, settings);
    const d = decodeService(out, 0, end);
    expect(d).toMatchObject({ ok: true });
    if (!d.ok) return;
    expect(d.value.key).toEqual(key);
    expect(d.value.settings).toEqual(normalizeServiceSettings(key, settings));
    expect(d.value.settings.onePacket).toBe(false);
  });

  test("an IPv4 netmask reads back as a prefix; a non-contiguous one is refused", () => {
    const out = new Uint8Array(512);
    const end = encodeServiceCommand(out, 0, C.IPVS_CMD_NEW_SERVICE, tcp80, {
      scheduler: "rr",
      persistenceTimeoutS: 5,
      persistencePrefix: 20,
    });
    const d = decodeService(out, 0, end);
    expect(d.ok && d.value.settings.persistencePrefix).toBe(20);
    // The netmask is the service's last attribute: make it 255.0.255.0.
    out.set([0xff, 0, 0xff, 0], end - 4);
    expect(decodeService(out, 0, end)).toEqual({ ok: false, reason: "non-contiguous persistence netmask ff00ff00" });
  });

  test("a destination reads back, with its tunnel settings only when tunnelled", () => {
    const out = new Uint8Array(512);
    const masq = { forward: "masq" as const, weight: 3, upperThreshold: 10, lowerThreshold: 2 };
    let end = encodeDestinationCommand(out, 0, C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("198.51.100.2"), port: 8080 }, masq);
    expect(decodeDestination(out, 0, end, 4)).toMatchObject({ ok: true, value: { port: 8080, settings: masq, activeConns: 0 } });
    const gue = { forward: "tunnel" as const, weight: 1, tunnel: { type: "gue" as const, port: 6080, checksum: "remcsum" as const } };
    end = encodeDestinationCommand(out, 0, C.IPVS_CMD_NEW_DEST, tcp80, { address: ip("2001:db8::9"), port: 80 }, gue);
    const d = decodeDestination(out, 0, end, 4);
    expect(d).toMatchObject({ ok: true, value: { port: 80, settings: { ...gue, upperThreshold: 0, lowerThreshold: 0 } } });
    expect(d.ok && [...d.value.address]).toEqual([...ip("2001:db8::9")]);
  });

  test("stats: 64-bit counters win over the 32-bit set", () => {
    // genlmsghdr NEW_SERVICE, SERVICE { AF inet, FWMARK 9, SCHED "rr", FLAGS, TIMEOUT, NETMASK,
    //   STATS { CONNS 5 }, STATS64 { CONNS 2^40, INBYTES 7 } }
    const msg = Buffer.from(
      [
        "01010000",
        "60000180",
        "0600010002000000",
        "0800050009000000",
        "0700060072720000",
        "0c0007000200000000000000",
        "0800080000000000",
        "08000900ffffffff",
        "0c000a80" + "0800010005000000",
        "1c000c80" + "0c00010000000000" + "00010000" + "0c00040007000000" + "00000000",
      ].join(""),
      "hex",
    );
    const d = decodeService(new Uint8Array(msg), 0, msg.length);
    expect(d).toMatchObject({ ok: true, value: { key: { kind: "fwmark", family: 4, fwmark: 9 }, stats: { conns: 2 ** 40, inBytes: 7 } } });
    // Without counters (the reconciler's read) the same service, its stats left at zero.
    const bare = decodeService(new Uint8Array(msg), 0, msg.length, false);
    expect(bare.ok && d.ok && bare.value.settings).toEqual(d.ok && d.value.settings);
    expect(bare).toMatchObject({ ok: true, value: { key: { kind: "fwmark", family: 4, fwmark: 9 }, stats: { conns: 0, inBytes: 0 } } });
  });

  test("the kernel's destinations read without counters: the same destinations, stats at zero", () => {
    for (const [name, dump] of Object.entries(answers.destinations as Record<string, string[]>)) {
      const family = name.split(" ")[1]!.length > 8 ? 6 : 4;
      for (const hex of dump) {
        const b = new Uint8Array(Buffer.from(hex, "hex"));
        const full = decodeDestination(b, 0, b.length, family);
        const bare = decodeDestination(b, 0, b.length, family, false);
        if (!full.ok || !bare.ok) throw new Error(`${name}: ${JSON.stringify([full, bare])}`);
        expect({ ...bare.value, stats: full.value.stats }).toEqual(full.value);
        expect(Object.values(bare.value.stats).every((v) => v === 0)).toBe(true);
      }
    }
  });

  test("timeouts and info answers", () => {
    const t = Buffer.from("0c010000080004000a0000000800050014000000080006001e000000", "hex");
    expect(decodeTimeouts(new Uint8Array(t), 0, t.length)).toEqual({ ok: true, value: { tcpS: 10, tcpFinS: 20, udpS: 30 } });
    const i = Buffer.from("0e0100000800010001020100080002000010000000", "hex").subarray(0, 20);
    expect(decodeInfo(new Uint8Array(i), 0, i.length)).toEqual({ ok: true, value: { version: "1.2.1", connTableSize: 4096 } });
  });

  test("malformed answers are refused with a reason, never thrown", () => {
    const out = new Uint8Array(512);
    const end = encodeDestinationCommand(
      out,
      0,
      C.IPVS_CMD_NEW_DEST,
      tcp80,
      { address: ip("198.51.100.2"), port: 1 },
      { forward: "route", weight: 1 },
    );
    expect(decodeService(out, 0, end)).toEqual({
      ok: false,
      reason: `answer command ${C.IPVS_CMD_NEW_DEST}, expected ${C.IPVS_CMD_NEW_SERVICE}`,
    });
    expect(decodeDestination(out, 0, 2, 4)).toMatchObject({ ok: false });
    expect(decodeTimeouts(out, 0, 4)).toMatchObject({ ok: false });
    expect(decodeInfo(new Uint8Array([14, 1, 0, 0]), 0, 4)).toEqual({ ok: false, reason: "no version or table size" });
    // Every truncation and every single-byte corruption of a good answer: a result, never an exception.
    const svcEnd = encodeServiceCommand(out, 0, C.IPVS_CMD_NEW_SERVICE, tcp80, { scheduler: "wlc", persistenceTimeoutS: 9 });
    for (let cut = 0; cut <= svcEnd; cut++) expect(() => decodeService(out, 0, cut)).not.toThrow();
    for (let at = 0; at < svcEnd; at++) {
      const copy = out.slice();
      copy[at] = (copy[at] ?? 0) ^ 0xa5;
      const d = decodeService(copy, 0, svcEnd);
      expect(typeof d.ok).toBe("boolean");
    }
    const bad = out.slice();
    bad[4] = 0xff; // the nested SERVICE length runs past the message
    expect(decodeService(bad, 0, svcEnd)).toMatchObject({ ok: false });
  });
});

describe("the kernel's answers (test/golden/ipvs-answers.json)", () => {
  const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

  test("the dumps decode to the table the contract built", () => {
    const services: Service[] = [];
    for (const h of answers.services) {
      const d = decodeService(bytes(h), 0, h.length / 2);
      if (!d.ok) throw new Error(d.reason);
      services.push(d.value);
    }
    for (const service of services) {
      const k = service.key;
      const name = k.kind === "fwmark" ? `fwmark ${k.fwmark}` : `${k.protocol} ${Buffer.from(k.address).toString("hex")} ${k.port}`;
      const dump = (answers.destinations as Record<string, string[]>)[name];
      if (!dump) throw new Error(`no destination dump for ${name}`);
      for (const h of dump) {
        const d = decodeDestination(bytes(h), 0, h.length / 2, serviceFamily(k));
        if (!d.ok) throw new Error(d.reason);
        service.destinations.push(d.value);
      }
    }
    expect(answers.kernel).toBe("6.1.0-57-amd64");
    expect(tableLines(services)).toEqual(expectedLines());
  });

  test("the kernel's own nesting (no NLA_F_NESTED) and the hashed flag are read as the settings they are", () => {
    const sh = answers.services
      .map((h) => decodeService(bytes(h), 0, h.length / 2))
      .find((d) => d.ok && d.value.settings.scheduler === "sh");
    expect(sh).toMatchObject({ ok: true, value: { settings: { schedulerFallback: true, schedulerPort: true, onePacket: false } } });
  });

  test("timeouts and info", () => {
    expect(decodeTimeouts(bytes(answers.config), 0, answers.config.length / 2)).toEqual({
      ok: true,
      value: { tcpS: 1000, tcpFinS: 60, udpS: 200 },
    });
    expect(decodeInfo(bytes(answers.info), 0, answers.info.length / 2)).toEqual({
      ok: true,
      value: { version: "1.2.1", connTableSize: 4096 },
    });
  });
});
