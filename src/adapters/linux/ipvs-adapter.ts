// IPVS behind the Ipvs interface, over generic netlink as keepalived's libipvs speaks it. One synchronous socket:
// the kernel handles each request inside sendto(). The IPVS family exists only while the ip_vs module is loaded;
// the family lookup in open() makes the kernel load it by its alias (seen in the test VM), and fails with ENOENT
// and a hint when it cannot.
import * as C from "../../../ffi/constants.ts";
import { type GenlFamily, openGenl, resolveFamily } from "../../../ffi/genetlink.ts";
import { MAX_TRAIN, type RtnlSocket } from "../../../ffi/netlink.ts";
import { NLMSG_ALIGN } from "../../../ffi/structs/nlmsghdr.ts";
import type {
  DestinationKey,
  DestinationSettings,
  Ipvs,
  IpvsChange,
  IpvsInfo,
  IpvsRefusal,
  IpvsTimeouts,
  Service,
  ServiceKey,
  ServiceSettings,
} from "../ipvs.ts";
import { serviceFamily } from "../ipvs.ts";
import {
  type Decoded,
  decodeDestination,
  decodeInfo,
  decodeService,
  decodeTimeouts,
  encodeBareCommand,
  encodeDestinationCommand,
  encodeServiceCommand,
  encodeTimeouts,
  ipvsCommandName,
  withKeyObjectsUnchanged,
} from "./ipvs-messages.ts";

export interface LinuxIpvsOptions {
  /** Told about every kernel answer that could not be decoded (it is left out of the result): log it. */
  onReject?: (what: string, reason: string) => void;
  timeoutMs?: number;
}

/** Requests: room for a whole train of changes (MAX_TRAIN of at most CHANGE_ROOM bytes; most are ≈ 150). */
const CHANGE_ROOM = 512;
const TX_SIZE = MAX_TRAIN * CHANGE_ROOM;

export class LinuxIpvs implements Ipvs {
  /** Kernel answers that could not be decoded since open (each also reported to onReject). */
  rejected = 0;
  /** The index in applyChanges' list of each request of the train being sent. */
  private readonly trainIndex = new Int32Array(MAX_TRAIN);
  private readonly trainRefused = new Uint8Array(MAX_TRAIN);

  private constructor(
    private readonly sock: RtnlSocket,
    private readonly family: GenlFamily,
    private readonly onReject: (what: string, reason: string) => void,
  ) {}

  static open(options: LinuxIpvsOptions = {}): LinuxIpvs {
    const sock = openGenl(ipvsCommandName, { timeoutMs: options.timeoutMs, txSize: TX_SIZE });
    try {
      const family = resolveFamily(sock, "IPVS");
      return new LinuxIpvs(sock, family, options.onReject ?? (() => {}));
    } catch (e) {
      sock.close();
      throw e;
    }
  }

  /** Starts a request to the IPVS family; the encoders write its genlmsghdr and attributes from the offset returned. */
  private begin(): number {
    return this.sock.begin(this.family.id, 0);
  }

  private keep<T>(what: string, d: Decoded<T>, into: T[]): void {
    if (d.ok) {
      into.push(d.value);
      return;
    }
    this.rejected++;
    this.onReject(what, d.reason);
  }

  /** A request whose single answer (GET_INFO, GET_CONFIG) is decoded by `decode`. */
  private ask<T>(cmd: number, decode: (b: Uint8Array, at: number, end: number) => Decoded<T>): T {
    const answers: T[] = [];
    this.sock.exec(encodeBareCommand(this.sock.tx, this.begin(), cmd), (type, b, at, end) => {
      if (type === this.family.id) this.keep(ipvsCommandName(cmd), decode(b, at, end), answers);
    });
    const answer = answers[0];
    if (answer === undefined) throw new Error(`${ipvsCommandName(cmd)}: no usable answer from the kernel`);
    return answer;
  }

  info(): IpvsInfo {
    return this.ask(C.IPVS_CMD_GET_INFO, decodeInfo);
  }

  applyChanges(changes: readonly IpvsChange[]): IpvsRefusal[] {
    return withKeyObjectsUnchanged(() => this.sendChanges(changes));
  }

  private sendChanges(changes: readonly IpvsChange[]): IpvsRefusal[] {
    const refusals: IpvsRefusal[] = [];
    const tx = this.sock.tx;
    let next = 0;
    while (next < changes.length) {
      this.sock.startTrain();
      let end = 0;
      let count = 0;
      for (; next < changes.length && count < MAX_TRAIN && end + CHANGE_ROOM <= tx.length; next++) {
        const bodyAt = this.sock.appendRequest(end, this.family.id, 0);
        try {
          end = NLMSG_ALIGN(this.encodeChange(bodyAt, changes[next]!));
        } catch (e) {
          // What cannot be put in a request (a port above 65535) is refused here, as the single call refuses it.
          this.sock.cancelRequest();
          refusals.push({ index: next, code: (e as { code?: string }).code ?? "EUNKNOWN", message: (e as Error).message });
          continue;
        }
        this.trainIndex[count++] = next;
      }
      this.sendTrain(end, count, refusals);
    }
    return refusals.sort((a, b) => a.index - b.index);
  }

  /**
   * When the exchange itself fails (no answer in time), whether each request of the train was carried out is not
   * known: every one not already refused counts as refused with that error, as one call at a time would have been.
   */
  private sendTrain(end: number, count: number, refusals: IpvsRefusal[]): void {
    const refused = this.trainRefused.fill(0, 0, count);
    try {
      this.sock.execTrain(end, (i, e) => {
        refused[i] = 1;
        refusals.push({ index: this.trainIndex[i]!, code: e.code, message: e.message });
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? "EUNKNOWN";
      for (let i = 0; i < count; i++) {
        if (refused[i] === 0) refusals.push({ index: this.trainIndex[i]!, code, message: (e as Error).message });
      }
    }
  }

  private encodeChange(at: number, c: IpvsChange): number {
    const tx = this.sock.tx;
    switch (c.op) {
      case "addService":
        return encodeServiceCommand(tx, at, C.IPVS_CMD_NEW_SERVICE, c.service, c.settings);
      case "editService":
        return encodeServiceCommand(tx, at, C.IPVS_CMD_SET_SERVICE, c.service, c.settings);
      case "deleteService":
        return encodeServiceCommand(tx, at, C.IPVS_CMD_DEL_SERVICE, c.service);
      case "addDestination":
        return encodeDestinationCommand(tx, at, C.IPVS_CMD_NEW_DEST, c.service, c.destination, c.settings);
      case "editDestination":
        return encodeDestinationCommand(tx, at, C.IPVS_CMD_SET_DEST, c.service, c.destination, c.settings);
      case "deleteDestination":
        return encodeDestinationCommand(tx, at, C.IPVS_CMD_DEL_DEST, c.service, c.destination);
    }
  }

  addService(key: ServiceKey, settings: ServiceSettings): void {
    this.sock.exec(encodeServiceCommand(this.sock.tx, this.begin(), C.IPVS_CMD_NEW_SERVICE, key, settings));
  }

  editService(key: ServiceKey, settings: ServiceSettings): void {
    this.sock.exec(encodeServiceCommand(this.sock.tx, this.begin(), C.IPVS_CMD_SET_SERVICE, key, settings));
  }

  deleteService(key: ServiceKey): void {
    this.sock.exec(encodeServiceCommand(this.sock.tx, this.begin(), C.IPVS_CMD_DEL_SERVICE, key));
  }

  addDestination(service: ServiceKey, destination: DestinationKey, settings: DestinationSettings): void {
    const cmd = C.IPVS_CMD_NEW_DEST;
    this.sock.exec(encodeDestinationCommand(this.sock.tx, this.begin(), cmd, service, destination, settings));
  }

  editDestination(service: ServiceKey, destination: DestinationKey, settings: DestinationSettings): void {
    const cmd = C.IPVS_CMD_SET_DEST;
    this.sock.exec(encodeDestinationCommand(this.sock.tx, this.begin(), cmd, service, destination, settings));
  }

  deleteDestination(service: ServiceKey, destination: DestinationKey): void {
    const cmd = C.IPVS_CMD_DEL_DEST;
    this.sock.exec(encodeDestinationCommand(this.sock.tx, this.begin(), cmd, service, destination));
  }

  services(options: { counters?: boolean; destinations?: boolean } = {}): Service[] {
    const counters = options.counters ?? true;
    const services: Service[] = [];
    const cmd = C.IPVS_CMD_GET_SERVICE;
    this.sock.dump(encodeBareCommand(this.sock.tx, this.begin(), cmd), (type, b, at, end) => {
      if (type === this.family.id) this.keep("service", decodeService(b, at, end, counters), services);
    });
    if (options.destinations !== false) for (const service of services) this.readDestinations(service, counters);
    return services;
  }

  /** GET_SERVICE naming the service (the kernel answers ESRCH when it is absent), then its GET_DEST dump. */
  service(key: ServiceKey, options: { counters?: boolean } = {}): Service | null {
    const counters = options.counters ?? true;
    const found: Service[] = [];
    try {
      this.sock.exec(encodeServiceCommand(this.sock.tx, this.begin(), C.IPVS_CMD_GET_SERVICE, key), (type, b, at, end) => {
        if (type === this.family.id) this.keep("service", decodeService(b, at, end, counters), found);
      });
    } catch (e) {
      if ((e as { code?: string }).code === "ESRCH") return null;
      throw e;
    }
    const service = found[0];
    if (service === undefined) throw new Error("IPVS_CMD_GET_SERVICE: no usable answer from the kernel");
    this.readDestinations(service, counters);
    return service;
  }

  private readDestinations(service: Service, counters: boolean): void {
    const family = serviceFamily(service.key);
    const dump = C.IPVS_CMD_GET_DEST;
    this.sock.dump(encodeDestinationCommand(this.sock.tx, this.begin(), dump, service.key), (type, b, at, end) => {
      if (type === this.family.id) this.keep("destination", decodeDestination(b, at, end, family, counters), service.destinations);
    });
  }

  timeouts(): IpvsTimeouts {
    return this.ask(C.IPVS_CMD_GET_CONFIG, decodeTimeouts);
  }

  setTimeouts(timeouts: Partial<IpvsTimeouts>): void {
    this.sock.exec(encodeTimeouts(this.sock.tx, this.begin(), timeouts));
  }

  flushAll(): void {
    this.sock.exec(encodeBareCommand(this.sock.tx, this.begin(), C.IPVS_CMD_FLUSH));
  }

  close(): void {
    this.sock.close();
  }
}
