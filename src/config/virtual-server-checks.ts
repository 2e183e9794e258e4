// Checks across virtual servers and their groups: names that must exist, services defined twice.

import { formatIp } from "../vrrp/ip-address.ts";
import type { Problems } from "./config-error.ts";
import type { VirtualServerGroupSection, VirtualServerSection } from "./schema.ts";
import { rangeAddresses } from "./virtual-server-group-section.ts";

export function checkVirtualServers(problems: Problems, servers: VirtualServerSection[], groups: VirtualServerGroupSection[]): void {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const owner = new Map<string, string>();
  const claim = (service: string, vs: VirtualServerSection) => {
    const first = owner.get(service);
    if (first !== undefined && first !== vs.name) {
      problems.error(["virtual_servers", vs.name], `${service} is already the service of virtual_servers.${first}`);
    } else owner.set(service, vs.name);
  };
  for (const vs of servers) {
    const target = vs.target;
    if (target.kind === "address") claim(`${target.protocol} ${target.address} ${target.port}`, vs);
    else if (target.kind === "fwmark") claim(`fwmark ${target.fwmark} ipv${target.family}`, vs);
    else {
      const group = byName.get(target.group);
      if (group === undefined) {
        problems.error(["virtual_servers", vs.name, "group"], `${JSON.stringify(target.group)}: no such [virtual_server_groups.NAME]`);
        continue;
      }
      checkGroupUse(problems, vs, group);
      for (const service of groupServiceNames(vs, group)) claim(service, vs);
    }
  }
}

function checkGroupUse(problems: Problems, vs: VirtualServerSection, group: VirtualServerGroupSection): void {
  if (vs.target.kind !== "group") return;
  const hasAddresses = group.members.some((m) => m.kind === "range");
  if (hasAddresses && vs.target.protocol === null) {
    problems.error(["virtual_servers", vs.name, "protocol"], `missing; group ${group.name} has address members: "tcp", "udp" or "sctp"`);
  }
  if (hasAddresses && vs.onePacket && vs.target.protocol !== "udp") {
    problems.error(["virtual_servers", vs.name, "ops"], 'one-packet scheduling needs protocol = "udp" for address members');
  }
  if (!hasAddresses && vs.target.protocol !== null) {
    problems.error(
      ["virtual_servers", vs.name, "protocol"],
      `group ${group.name} has only fwmark members, which match every protocol; remove it`,
    );
  }
  const families = new Set(group.members.map((m) => m.family).filter((f) => f !== null));
  if (families.size > 1) problems.error(["virtual_server_groups", group.name, "members"], "mixes IPv4 and IPv6 members");
  for (const m of group.members) {
    if (m.kind === "range" && m.port === 0 && vs.persistenceTimeoutS === 0) {
      problems.error(
        ["virtual_servers", vs.name, "persistence_timeout"],
        `missing; member "${m.text}" has port 0, which needs persistence`,
      );
    }
  }
}

/** The service names a group stands for (for the duplicate check). */
function groupServiceNames(vs: VirtualServerSection, group: VirtualServerGroupSection): string[] {
  const out: string[] = [];
  const protocol = vs.target.kind === "group" ? vs.target.protocol : null;
  for (const m of group.members) {
    if (m.kind === "fwmark") out.push(`fwmark ${m.fwmark} ipv${m.family ?? groupFamily(group)}`);
    else for (const a of rangeAddresses(m)) out.push(`${protocol} ${formatIp(a)} ${m.port}`);
  }
  return out;
}

/** The family of a group's fwmark members without one: the family of its address members, else IPv4 (as keepalived). */
export function groupFamily(group: VirtualServerGroupSection): 4 | 6 {
  for (const m of group.members) if (m.family !== null) return m.family;
  return 4;
}
