// rtnetlink behind the AddressManager and LinkMonitor interfaces. Commands go through one synchronous command
// socket (the kernel answers inside sendto(), ARCHITECTURE §2); events come on a second socket subscribed to the
// link and address groups and read through Bun's event loop. When the kernel drops events (ENOBUFS ends the
// stream, or a message does not decode) the monitor reopens its socket and reports a resync carrying a full dump.
// A dump the kernel flags interrupted is redone (rtnl-messages.ts); a resync that still fails is told through
// onTrouble and retried with backoff, never thrown into the event loop.
import * as C from "../../../ffi/constants.ts";
import { bindSocket, closeFd, openSocket, stableBuffer } from "../../../ffi/index.ts";
import { RtnlSocket } from "../../../ffi/netlink.ts";
import { nlmsghdr, sockaddrNl } from "../../../ffi/structs/index.ts";
import { formatIp, type IpFamily } from "../../vrrp/ip-address.ts";
import { adapterCall, toAdapterError } from "../adapter-error.ts";
import type {
  AddressEntry,
  AddressManager,
  AddressSpec,
  Link,
  LinkEventHandler,
  LinkMonitor,
  LinkMonitorFactory,
  LinkMonitorTroubleHandler,
  RouteSpec,
  RuleSpec,
} from "../address-manager.ts";
import { FdStream } from "./fd-stream.ts";
import { decodeAddress, decodeLink, dumpAddresses, dumpLinks, encodeAddress, encodeRoute, encodeRule } from "./rtnl-messages.ts";
import { setReceiveBuffer } from "./vrrp-socket.ts";

/**
 * Netlink receive buffers sized for hundreds of instances from the start: keepalived lost events at ≈150
 * instances with the default (ARCHITECTURE §2). Dumps and event bursts both land here.
 */
export const NETLINK_RCVBUF_BYTES = 4 << 20;

export class LinuxAddressManager implements AddressManager {
  private constructor(private readonly sock: RtnlSocket) {}

  static open(): LinuxAddressManager {
    return adapterCall("open the rtnetlink command socket", () => {
      const sock = RtnlSocket.open();
      try {
        setReceiveBuffer(sock.fd, NETLINK_RCVBUF_BYTES);
      } catch (e) {
        sock.close();
        throw e;
      }
      return new LinuxAddressManager(sock);
    });
  }

  links(): Link[] {
    return adapterCall("list links", () => dumpLinks(this.sock));
  }

  addresses(family: IpFamily, ifindex?: number): AddressEntry[] {
    return adapterCall(`list IPv${family} addresses`, () => dumpAddresses(this.sock, family, ifindex ?? 0));
  }

  /** EEXIST when the address is already there: the caller decides whether that is fine. */
  addAddress(spec: AddressSpec): void {
    this.request(encodeAddress(this.sock, C.RTM_NEWADDR, C.NLM_F_CREATE | C.NLM_F_EXCL, spec), "add address", spec);
  }

  deleteAddress(spec: AddressSpec): void {
    this.request(encodeAddress(this.sock, C.RTM_DELADDR, 0, spec), "delete address", spec);
  }

  addRoute(route: RouteSpec): void {
    this.request(encodeRoute(this.sock, C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, route), "add route", route);
  }

  deleteRoute(route: RouteSpec): void {
    this.request(encodeRoute(this.sock, C.RTM_DELROUTE, 0, route), "delete route", route);
  }

  addRule(rule: RuleSpec): void {
    this.request(encodeRule(this.sock, C.RTM_NEWRULE, C.NLM_F_CREATE | C.NLM_F_EXCL, rule), "add rule", rule);
  }

  deleteRule(rule: RuleSpec): void {
    this.request(encodeRule(this.sock, C.RTM_DELRULE, 0, rule), "delete rule", rule);
  }

  close(): void {
    adapterCall("close the rtnetlink command socket", () => this.sock.close());
  }

  /** Sends the request encoded in the socket's buffer; the subject is formatted only when the kernel refuses. */
  private request(end: number, verb: string, subject: AddressSpec | RouteSpec | RuleSpec): void {
    try {
      this.sock.exec(end);
    } catch (error) {
      throw toAdapterError(`${verb} ${describeSubject(subject)}`, error);
    }
  }
}

/** An address, route or rule as a log line names it. */
function describeSubject(subject: AddressSpec | RouteSpec | RuleSpec): string {
  if ("address" in subject) return `${formatIp(subject.address)}/${subject.prefixlen} on ifindex ${subject.ifindex}`;
  if ("dst" in subject) {
    const via = subject.via ? ` via ${formatIp(subject.via)}` : "";
    return `${formatIp(subject.dst)}/${subject.prefixlen}${via} table ${subject.table ?? C.RT_TABLE_MAIN}`;
  }
  const from = subject.from ? ` from ${formatIp(subject.from.address)}/${subject.from.prefixlen}` : "";
  const to = subject.to ? ` to ${formatIp(subject.to.address)}/${subject.to.prefixlen}` : "";
  return `${from}${to} lookup table ${subject.table}`.trimStart();
}

/** The whole state a resync reports. */
export interface HostState {
  links: Link[];
  addresses: AddressEntry[];
}

/** What the monitor asks of the kernel: tests give it a fake (a FIFO for the socket, dumps that fail). */
export interface MonitorKernel {
  /** A socket subscribed to the link and address groups; the monitor owns (and closes) it. */
  openEventSocket(rcvbufBytes: number): number;
  dump(): HostState;
}

export interface LinkMonitorOptions {
  /** Event socket receive buffer; tests shrink it to provoke ENOBUFS. */
  rcvbufBytes?: number;
  kernel?: MonitorKernel;
}

/** Backoff between attempts to resynchronise (or reopen the event socket) after a failure. */
export const RESYNC_RETRY_FIRST_MS = 20;
export const RESYNC_RETRY_MAX_MS = 5000;

const EVENT_GROUPS = C.RTMGRP_LINK | C.RTMGRP_IPV4_IFADDR | C.RTMGRP_IPV6_IFADDR;

function openEventSocket(rcvbufBytes: number): number {
  const fd = openSocket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, C.NETLINK_ROUTE);
  try {
    setReceiveBuffer(fd, rcvbufBytes);
    const local = stableBuffer(sockaddrNl.SIZE);
    sockaddrNl.encode(local, 0, EVENT_GROUPS);
    bindSocket(fd, local);
    return fd;
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

/** The kernel's links and addresses, on a socket of their own (the monitor has no command socket). */
function dumpHostState(): HostState {
  const sock = RtnlSocket.open();
  try {
    return { links: dumpLinks(sock), addresses: [...dumpAddresses(sock, 4), ...dumpAddresses(sock, 6)] };
  } finally {
    sock.close();
  }
}

const linuxKernel: MonitorKernel = { openEventSocket, dump: dumpHostState };

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

class LinuxLinkMonitor implements LinkMonitor {
  resyncs = 0;
  /** Messages that did not decode (counted, and the state resynchronised: an event may be lost with them). */
  malformed = 0;
  private fd: number;
  private stream: FdStream | null;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelayMs = RESYNC_RETRY_FIRST_MS;
  /** Names of known links, so a removal can say which interface went away. */
  private readonly names = new Map<number, string>();

  constructor(
    private readonly onEvent: LinkEventHandler,
    private readonly rcvbufBytes: number,
    private readonly kernel: MonitorKernel,
    private readonly onTrouble: LinkMonitorTroubleHandler,
  ) {
    this.fd = adapterCall("open the link monitor's event socket", () => kernel.openEventSocket(rcvbufBytes));
    // Subscribed first, then dumped: a link that changes in between is reported as "changed", never missed.
    try {
      for (const l of adapterCall("list links", () => kernel.dump().links)) this.names.set(l.ifindex, l.name);
    } catch (e) {
      closeFd(this.fd);
      throw e;
    }
    this.stream = this.listen();
  }

  private listen(): FdStream {
    return new FdStream(
      this.fd,
      (chunk) => this.consume(chunk),
      (error) => void this.reopen(messageOf(error)),
    );
  }

  private consume(chunk: Uint8Array): void {
    const malformedBefore = this.malformed;
    // Datagrams are multiples of 4 bytes, so NLMSG_ALIGN steps across datagram boundaries within a chunk too.
    for (let at = 0; at + nlmsghdr.SIZE <= chunk.length; ) {
      const h = nlmsghdr.decode(chunk, at, chunk.length);
      if (!h.ok) {
        this.malformed++;
        break;
      }
      const payloadAt = at + nlmsghdr.NLMSG_HDRLEN;
      const end = at + h.len;
      at += nlmsghdr.NLMSG_ALIGN(h.len);
      switch (h.type) {
        case C.RTM_NEWLINK: {
          const link = decodeLink(chunk, payloadAt, end);
          if (!link) break;
          const known = this.names.has(link.ifindex);
          this.names.set(link.ifindex, link.name);
          this.onEvent({ type: "link", link, change: known ? "changed" : "new" });
          continue;
        }
        case C.RTM_DELLINK: {
          const link = decodeLink(chunk, payloadAt, end);
          if (!link) break;
          this.names.delete(link.ifindex);
          this.onEvent({ type: "link-removed", ifindex: link.ifindex, name: link.name });
          continue;
        }
        case C.RTM_NEWADDR:
        case C.RTM_DELADDR: {
          const address = decodeAddress(chunk, payloadAt, end);
          if (!address) break;
          this.onEvent({ type: h.type === C.RTM_NEWADDR ? "address-added" : "address-removed", address });
          continue;
        }
        default:
          continue;
      }
      this.malformed++;
    }
    // What did not decode may have been a change the caller needs: the whole state tells it.
    if (this.malformed > malformedBefore && this.retryTimer === null) {
      this.retryLater(`link monitor: ${this.malformed - malformedBefore} event(s) did not decode; resynchronising`, () => this.resync());
    }
  }

  /** The stream ended: events were lost (ENOBUFS). Reopen first, then dump, so nothing falls in between. */
  private async reopen(why: string): Promise<void> {
    this.cancelRetry();
    await this.stream?.cancel();
    this.stream = null;
    if (this.closed) return;
    this.onTrouble(`link monitor: events lost (${why}); reopening the event socket and resynchronising`);
    try {
      if (this.fd >= 0) closeFd(this.fd);
      this.fd = -1;
      this.fd = this.kernel.openEventSocket(this.rcvbufBytes);
    } catch (e) {
      this.retryLater(`link monitor: events lost (${why}) and the event socket cannot be reopened: ${messageOf(e)}`, () => {
        void this.reopen(why);
      });
      return;
    }
    this.stream = this.listen();
    this.resync();
  }

  /** Reports the kernel's whole state; a failure is told and retried with backoff, never thrown. */
  private resync(): void {
    if (this.closed) return;
    let state: HostState;
    try {
      state = adapterCall("resynchronise the link monitor", () => this.kernel.dump());
    } catch (e) {
      this.retryLater(messageOf(e), () => this.resync());
      return;
    }
    this.retryDelayMs = RESYNC_RETRY_FIRST_MS;
    this.names.clear();
    for (const l of state.links) this.names.set(l.ifindex, l.name);
    this.resyncs++;
    this.onEvent({ type: "resync", links: state.links, addresses: state.addresses });
  }

  private retryLater(why: string, attempt: () => void): void {
    this.cancelRetry();
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, RESYNC_RETRY_MAX_MS);
    this.onTrouble(`${why}; retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      attempt();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelRetry();
    await this.stream?.cancel();
    if (this.fd >= 0) adapterCall("close the link monitor's event socket", () => closeFd(this.fd));
    this.fd = -1;
  }
}

export function linuxLinkMonitors(options: LinkMonitorOptions = {}): LinkMonitorFactory {
  return {
    start: (onEvent, onTrouble) =>
      new LinuxLinkMonitor(onEvent, options.rcvbufBytes ?? NETLINK_RCVBUF_BYTES, options.kernel ?? linuxKernel, onTrouble),
  };
}
