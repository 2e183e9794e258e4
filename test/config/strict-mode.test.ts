// keepalived 2.2.7's strict mode (vrrp_strict / strict_mode) and accept mode, as vipd's loader applies them.

import { describe, expect, test } from "bun:test";
import { toCore } from "../../src/config/to-core.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { errorsOf, instance, loadOk, warningsOf } from "./helpers.ts";

const STRICT = "[global]\nvrrp_strict = true\n";
const only = (text: string) => loadOk(text).instances[0]!;

describe("strict mode", () => {
  test("is off by default, on from global vrrp_strict, and strict_mode overrides it per instance", () => {
    expect(only(instance("VI_1")).strictMode).toBe(false);
    expect(only(STRICT + instance("VI_1")).strictMode).toBe(true);
    expect(only(STRICT + instance("VI_1", "strict_mode = false\n")).strictMode).toBe(false);
    expect(only(instance("VI_1", "strict_mode = true\n")).strictMode).toBe(true);
  });

  test("ignores authentication with a warning naming the key and its line", () => {
    const text = STRICT + instance("VI_1", 'authentication = { auth_type = "PASS", auth_pass = "secret" }\n');
    expect(only(text).authentication).toBeNull();
    expect(warningsOf(text)).toContain(
      "/etc/vipd/config.toml:7: instances.VI_1.authentication: ignored: strict mode does not support authentication (keepalived ignores it too)",
    );
    expect(only(instance("VI_1", 'authentication = { auth_type = "PASS", auth_pass = "secret" }\n')).authentication).not.toBeNull();
    // Whatever its type: AH, refused without strict mode today, is ignored too, as keepalived does.
    const ah = STRICT + instance("VI_1", 'authentication = { auth_type = "AH", auth_pass = "secret" }\n');
    expect(errorsOf(ah)).toEqual([]);
    expect(only(ah).authentication).toBeNull();
  });

  test("refuses unicast peers and an instance without virtual addresses", () => {
    expect(errorsOf(STRICT + instance("VI_1", 'unicast_peer = ["192.0.2.3"]\n'))).toEqual([
      "/etc/vipd/config.toml:7: instances.VI_1.unicast_peer: strict mode does not allow unicast peers (adverts go to the multicast group)",
    ]);
    const noVips = `${STRICT}[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n`;
    expect(errorsOf(noVips)).toEqual([
      "/etc/vipd/config.toml:3: instances.VI_1.virtual_ipaddress: strict mode requires at least one virtual address",
    ]);
    expect(errorsOf(noVips.replace(STRICT, ""))).toEqual([]);
  });

  test("derives the initial state from the priority: only the address owner starts as MASTER", () => {
    const master100 = STRICT + instance("VI_1", 'state = "MASTER"\npriority = 100\n');
    expect(only(master100).state).toBe("BACKUP");
    expect(
      warningsOf(master100).some((w) => w.includes('state MASTER must match being the address owner (priority 255); using "BACKUP"')),
    ).toBe(true);
    expect(only(STRICT + instance("VI_1", 'state = "BACKUP"\npriority = 255\n')).state).toBe("MASTER");
    expect(only(STRICT + instance("VI_1", 'state = "MASTER"\n')).state).toBe("MASTER");
    expect(only(instance("VI_1", 'state = "MASTER"\npriority = 100\n')).state).toBe("MASTER");
  });

  test("resets preempt_delay and the lower-priority bursts, with warnings", () => {
    const text = STRICT + instance("VI_1", "preempt_delay = 5\ngarp_lower_prio_repeat = 3\ngarp_lower_prio_delay = 2\n");
    const vi = only(text);
    expect(vi.preemptDelayMs).toBe(0);
    expect(vi.garp.lowerPrioRepeat).toBe(0);
    expect(vi.garp.lowerPrioDelayMs).toBe(0);
    const warnings = warningsOf(text);
    expect(warnings.filter((w) => w.includes("strict mode")).length).toBe(3);
    const plain = only(instance("VI_1", "preempt_delay = 5\n"));
    expect(plain.preemptDelayMs).toBe(5000);
    expect(plain.garp.lowerPrioRepeat).toBe(5);
  });

  test("warns when the first IPv6 address is not link-local", () => {
    const v6 = `${STRICT}[instances.VI_6]\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = ["2001:db8::10/64"]\n`;
    expect(warningsOf(v6)).toContain(
      "/etc/vipd/config.toml:6: instances.VI_6.virtual_ipaddress[0]: strict mode: the first IPv6 virtual address must be link-local",
    );
    expect(warningsOf(v6.replace('["2001:db8::10/64"]', '["fe80::10/64", "2001:db8::10/64"]')).join()).not.toContain("link-local");
  });

  test("reaches the core: no advert to a lower-priority master, none before yielding", () => {
    const primary = () => parseIp("192.0.2.2");
    const strict = toCore(loadOk(STRICT + instance("VI_1")), primary);
    const plain = toCore(loadOk(instance("VI_1")), primary);
    if (!strict.ok || !plain.ok) throw new Error("toCore failed");
    expect(strict.node.instances[0]).toMatchObject({ lowerPrioNoAdvert: true, higherPrioSendAdvert: false });
    expect(plain.node.instances[0]).toMatchObject({ lowerPrioNoAdvert: false, higherPrioSendAdvert: true });
  });
});

describe("accept mode", () => {
  test("is on by default, off when written false, and always on for the address owner (with a warning)", () => {
    expect(only(instance("VI_1")).accept).toBe(true);
    expect(only(instance("VI_1", "accept = false\n")).accept).toBe(false);
    const owner = instance("VI_1", "priority = 255\naccept = false\n");
    expect(only(owner).accept).toBe(true);
    expect(warningsOf(owner)).toContain(
      "/etc/vipd/config.toml:6: instances.VI_1.accept: has no effect: the address owner (priority 255) always accepts",
    );
  });

  test("strict mode: off below priority 255, on for the owner; a written true is kept for v3 only", () => {
    expect(only(STRICT + instance("VI_1")).accept).toBe(false);
    expect(only(STRICT + instance("VI_1", "priority = 255\n")).accept).toBe(true);
    const v2 = STRICT + instance("VI_1", "accept = true\n");
    expect(only(v2).accept).toBe(false);
    expect(warningsOf(v2)).toContain(
      "/etc/vipd/config.toml:7: instances.VI_1.accept: strict mode: accept mode does not comply with VRRPv2 (RFC 3768); using false",
    );
    expect(only(STRICT + instance("VI_1", "accept = true\nversion = 3\n")).accept).toBe(true);
  });
});
