// The IPVS table kept in memory with the kernel's refusals (EEXIST, ESRCH, ENOENT, ERANGE, EINVAL; see
// src/adapters/ipvs.ts), for driver tests and the shared contract suite (test/adapters/ipvs-contract.ts), which the
// Linux adapter passes inside the test VM.
import {
  applyEachChange,
  type Destination,
  type DestinationKey,
  destinationKeyText,
  type DestinationSettings,
  type Ipvs,
  type IpvsChange,
  type IpvsInfo,
  type IpvsRefusal,
  type IpvsTimeouts,
  normalizeServiceSettings,
  type Service,
  type ServiceKey,
  type ServiceSettings,
  serviceFamily,
  serviceKeyText,
  ZERO_STATS,
} from "../../src/adapters/ipvs.ts";

/** The schedulers and persistence engines Debian's kernel ships as modules. */
const SCHEDULERS = new Set(["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]);
const PERSISTENCE_ENGINES = new Set(["sip"]);

function refusal(code: string, what: string): Error {
  return Object.assign(new Error(`${what} failed: ${code}`), { code });
}

function copyKey(k: ServiceKey): ServiceKey {
  return k.kind === "fwmark" ? { ...k } : { ...k, address: k.address.slice() };
}

function copySettings(s: DestinationSettings): DestinationSettings {
  const out: DestinationSettings = {
    forward: s.forward,
    weight: s.weight,
    upperThreshold: s.upperThreshold ?? 0,
    lowerThreshold: s.lowerThreshold ?? 0,
  };
  if (s.forward === "tunnel")
    out.tunnel = { type: s.tunnel?.type ?? "ipip", port: s.tunnel?.port ?? 0, checksum: s.tunnel?.checksum ?? "nocsum" };
  return out;
}

function copyService(s: Service, counters: boolean): Service {
  return {
    key: copyKey(s.key),
    settings: { ...s.settings },
    stats: counters ? { ...s.stats } : { ...ZERO_STATS },
    destinations: s.destinations.map((d) => ({
      ...d,
      address: d.address.slice(),
      settings: copySettings(d.settings),
      stats: counters ? { ...d.stats } : { ...ZERO_STATS },
    })),
  };
}

const validPort = (port: number) => Number.isInteger(port) && port >= 0 && port <= 0xffff;

export class FakeIpvs implements Ipvs {
  private readonly table = new Map<string, Service>();
  private timeoutTable: IpvsTimeouts = { tcpS: 900, tcpFinS: 120, udpS: 300 };
  closed = false;

  info(): IpvsInfo {
    return { version: "1.2.1", connTableSize: 4096 };
  }

  applyChanges(changes: readonly IpvsChange[]): IpvsRefusal[] {
    return applyEachChange(this, changes);
  }

  private checkService(key: ServiceKey, s: ServiceSettings, what: string): void {
    if (!SCHEDULERS.has(s.scheduler)) throw refusal("ENOENT", what);
    if (s.persistenceEngine && !PERSISTENCE_ENGINES.has(s.persistenceEngine)) throw refusal("ENOENT", what);
    const prefix = s.persistencePrefix;
    if (prefix !== undefined && serviceFamily(key) === 6 && (prefix < 1 || prefix > 128)) throw refusal("EINVAL", what);
    if (prefix !== undefined && serviceFamily(key) === 4 && (prefix < 0 || prefix > 32)) throw refusal("EINVAL", what);
    if (key.kind === "address" && !validPort(key.port)) throw refusal("EINVAL", what);
  }

  private existing(key: ServiceKey, what: string): Service {
    const found = this.table.get(serviceKeyText(key));
    if (!found) throw refusal("ESRCH", what);
    return found;
  }

  addService(key: ServiceKey, settings: ServiceSettings): void {
    if (this.table.has(serviceKeyText(key))) throw refusal("EEXIST", "IPVS_CMD_NEW_SERVICE");
    this.checkService(key, settings, "IPVS_CMD_NEW_SERVICE");
    this.table.set(serviceKeyText(key), {
      key: copyKey(key),
      settings: normalizeServiceSettings(key, settings),
      stats: { ...ZERO_STATS },
      destinations: [],
    });
  }

  editService(key: ServiceKey, settings: ServiceSettings): void {
    const service = this.existing(key, "IPVS_CMD_SET_SERVICE");
    this.checkService(key, settings, "IPVS_CMD_SET_SERVICE");
    service.settings = normalizeServiceSettings(key, settings);
  }

  deleteService(key: ServiceKey): void {
    this.existing(key, "IPVS_CMD_DEL_SERVICE");
    this.table.delete(serviceKeyText(key));
  }

  private checkDestination(service: Service, d: DestinationKey, s: DestinationSettings, what: string): void {
    if (!validPort(d.port) || !validPort(s.tunnel?.port ?? 0)) throw refusal("EINVAL", what);
    const family = d.address.length === 4 ? 4 : 6;
    if (family !== serviceFamily(service.key) && s.forward !== "tunnel") throw refusal("EINVAL", what);
    if (s.weight < 0) throw refusal("ERANGE", what);
    if ((s.lowerThreshold ?? 0) > (s.upperThreshold ?? 0)) throw refusal("ERANGE", what);
    if (s.forward === "tunnel" && s.tunnel?.type === "gue" && !s.tunnel.port) throw refusal("EINVAL", what);
  }

  private findDestination(service: Service, d: DestinationKey): number {
    return service.destinations.findIndex((x) => destinationKeyText(x) === destinationKeyText(d));
  }

  addDestination(serviceKey: ServiceKey, d: DestinationKey, settings: DestinationSettings): void {
    const what = "IPVS_CMD_NEW_DEST";
    const service = this.existing(serviceKey, what);
    this.checkDestination(service, d, settings, what);
    if (this.findDestination(service, d) >= 0) throw refusal("EEXIST", what);
    const destination: Destination = {
      address: d.address.slice(),
      port: d.port,
      settings: copySettings(settings),
      activeConns: 0,
      inactiveConns: 0,
      persistConns: 0,
      stats: { ...ZERO_STATS },
    };
    service.destinations.push(destination);
  }

  editDestination(serviceKey: ServiceKey, d: DestinationKey, settings: DestinationSettings): void {
    const what = "IPVS_CMD_SET_DEST";
    const service = this.existing(serviceKey, what);
    this.checkDestination(service, d, settings, what);
    const i = this.findDestination(service, d);
    const found = service.destinations[i];
    if (!found) throw refusal("ENOENT", what);
    found.settings = copySettings(settings);
  }

  deleteDestination(serviceKey: ServiceKey, d: DestinationKey): void {
    // The adapter cannot put a port above 65535 in a request: refused before the kernel is asked.
    if (!validPort(d.port)) throw refusal("EINVAL", "IPVS_CMD_DEL_DEST");
    const service = this.existing(serviceKey, "IPVS_CMD_DEL_DEST");
    const i = this.findDestination(service, d);
    if (i < 0) throw refusal("ENOENT", "IPVS_CMD_DEL_DEST");
    service.destinations.splice(i, 1);
  }

  services(options: { counters?: boolean; destinations?: boolean } = {}): Service[] {
    const counters = options.counters ?? true;
    const services = [...this.table.values()].map((s) => copyService(s, counters));
    if (options.destinations === false) for (const s of services) s.destinations = [];
    return services;
  }

  service(key: ServiceKey, options: { counters?: boolean } = {}): Service | null {
    // The kernel cannot be asked for a port above 65535: the adapter refuses it before sending.
    if (key.kind === "address" && !validPort(key.port)) throw refusal("EINVAL", "IPVS_CMD_GET_SERVICE");
    const found = this.table.get(serviceKeyText(key));
    return found === undefined ? null : copyService(found, options.counters ?? true);
  }

  timeouts(): IpvsTimeouts {
    return { ...this.timeoutTable };
  }

  setTimeouts(t: Partial<IpvsTimeouts>): void {
    // As in the kernel, 0 leaves a timeout unchanged.
    if (t.tcpS) this.timeoutTable.tcpS = t.tcpS;
    if (t.tcpFinS) this.timeoutTable.tcpFinS = t.tcpFinS;
    if (t.udpS) this.timeoutTable.udpS = t.udpS;
  }

  flushAll(): void {
    this.table.clear();
  }

  close(): void {
    this.closed = true;
  }
}
