// use_vmac / vmac_xmit_base in the TOML: the VMAC's name, its virtual router MAC, the interfaces the core and the
// driver use for it, and the mistakes the loader refuses.
import { describe, expect, test } from "bun:test";
import { toCore } from "../../src/config/to-core.ts";
import { advertInterface, vipInterface, virtualRouterMac } from "../../src/config/vmac.ts";
import { buildPlans } from "../../src/daemon/plan.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { errorsOf, FILE, instance, loadOk } from "./helpers.ts";

const eth0 = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };

describe("use_vmac", () => {
  test("true names it vrrp.VRID, a string names it; vmac_xmit_base is read", () => {
    expect(loadOk(instance("VI_1", "use_vmac = true\n")).instances[0]!.vmac).toEqual({ name: "vrrp.51", xmitBase: false });
    expect(loadOk(instance("VI_1", 'use_vmac = "vmac1"\nvmac_xmit_base = true\n')).instances[0]!.vmac).toEqual({
      name: "vmac1",
      xmitBase: true,
    });
    expect(loadOk(instance("VI_1", "use_vmac = false\n")).instances[0]!.vmac).toBeNull();
  });

  test("default names as keepalived gives them: vrrp.VRID, then vrrp6.VRID for IPv6 or vrrp1.VRID for IPv4", () => {
    const vmacInstance = (name: string, ifname: string, vrid: number, vip: string, useVmac: string) =>
      `[instances.${name}]\ninterface = "${ifname}"\nvirtual_router_id = ${vrid}\nvirtual_ipaddress = ["${vip}"]\nuse_vmac = ${useVmac}\n`;
    const text = [
      vmacInstance("A", "eth0", 51, "192.0.2.10/24", "true"),
      vmacInstance("B", "eth0", 51, "2001:db8::10/64", "true"),
      vmacInstance("C", "eth1", 51, "192.0.2.11/24", "true"),
      vmacInstance("D", "eth0", 52, "192.0.2.12/24", '"vrrp.52"'),
      vmacInstance("E", "eth1", 52, "192.0.2.13/24", "true"),
    ].join("\n");
    expect(loadOk(text).instances.map((i) => `${i.name} ${i.vmac?.name}`)).toEqual([
      "A vrrp.51",
      "B vrrp6.51",
      "C vrrp1.51",
      "D vrrp.52",
      "E vrrp1.52",
    ]);
  });

  test("the virtual router MAC: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6", () => {
    expect([...virtualRouterMac(4, 51)]).toEqual([0, 0, 0x5e, 0, 1, 51]);
    expect([...virtualRouterMac(6, 255)]).toEqual([0, 0, 0x5e, 0, 2, 255]);
  });

  test("a bad name, vmac_xmit_base alone, a name used twice or an instance's interface are refused", () => {
    expect(errorsOf(instance("VI_1", 'use_vmac = "a b"\n'))).toEqual([
      `${FILE}:5: instances.VI_1.use_vmac: must be true or an interface name of 1 to 15 characters without spaces, "/" or ":", got string "a b"`,
    ]);
    expect(errorsOf(instance("VI_1", "vmac_xmit_base = true\n"))).toEqual([
      `${FILE}:5: instances.VI_1.vmac_xmit_base: only applies with use_vmac (as keepalived says); set use_vmac or remove it`,
    ]);
    const twice = `${instance("VI_1", 'use_vmac = "v1"\n')}\n${instance("VI_2", 'use_vmac = "v1"\n', 52)}`;
    expect(errorsOf(twice)).toEqual([
      `${FILE}:11: instances.VI_2.use_vmac: VMAC v1 is already instance VI_1's; give this one its own: use_vmac = "NAME"`,
    ]);
    const clash = `${instance("VI_1", 'use_vmac = "eth0"\n')}`;
    expect(errorsOf(clash)).toEqual([
      `${FILE}:5: instances.VI_1.use_vmac: VMAC eth0 is an instance's interface; a VMAC is a macvlan vipd creates, give it another name`,
    ]);
  });

  test("adverts and VIPs go to the VMAC; with vmac_xmit_base adverts stay on the interface", () => {
    const plain = loadOk(instance("VI_1", "use_vmac = true\n"));
    const section = plain.instances[0]!;
    expect([advertInterface(section), vipInterface(section)]).toEqual(["vrrp.51", "vrrp.51"]);
    const base = loadOk(instance("VI_1", "use_vmac = true\nvmac_xmit_base = true\n")).instances[0]!;
    expect([advertInterface(base), vipInterface(base)]).toEqual(["eth0", "vrrp.51"]);
    const unicast = loadOk(instance("VI_1", 'use_vmac = true\nunicast_peer = ["192.0.2.2"]\n')).instances[0]!;
    expect([advertInterface(unicast), vipInterface(unicast)]).toEqual(["eth0", "vrrp.51"]);

    const own = parseIp("192.0.2.1")!;
    const core = toCore(plain, () => own);
    if (!core.ok) throw new Error(JSON.stringify(core.errors));
    expect(core.node.instances[0]!.interface).toBe("vrrp.51");
    expect(core.node.instances[0]!.primaryAddress).toEqual(own);
    expect(core.node.instances[0]!.trackers.map((t) => t.name)).toEqual(["socket:vrrp.51/IPv4", "vmac:vrrp.51", "interface:eth0"]);
  });

  test("the plan: the VMAC (not yet created: ifindex 0) carries the VIPs, adverts are sent from the base's address", () => {
    const config = loadOk(instance("VI_1", "use_vmac = true\n"));
    const own = parseIp("192.0.2.1")!;
    const result = buildPlans(
      config,
      [eth0],
      () => null,
      () => own,
    );
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const plan = result.plans[0]!;
    expect(plan.ifname).toBe("vrrp.51");
    expect(plan.source).toEqual(own);
    expect(plan.addresses.map((a) => a.ifindex)).toEqual([0]);
    expect(plan.announce.map((a) => a.ifname)).toEqual(["vrrp.51"]);
    expect(plan.vmac).toMatchObject({ instance: "VI_1", name: "vrrp.51", parentIfname: "eth0", family: 4, xmitBase: false });
    expect(plan.vmac!.linkLocal).toBeUndefined();
  });
});
