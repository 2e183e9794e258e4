// One check's TCP exchange over a descriptor of our own: connect (non-blocking), send a request once connected,
// read the reply until the client has its verdict or the server closes, all under one deadline; every exchange in
// flight is watched by one shared ReadinessPoller. This is what keepalived does per check (socket, connect,
// epoll, SO_ERROR, close), without node:net's socket object, events, promises and timer per check. The socket
// is a placed one (placed-socket.ts), so bindto / bind_port / bind_if / fwmark apply as they do for the others.

import {
  connectSocket,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  ERRNO,
  errnoName,
  getsockoptInt,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  recvFrom,
  SO_ERROR,
  SOCK_STREAM,
  SOL_SOCKET,
  SyscallError,
  sendTo,
  stableBuffer,
} from "../../../ffi/index.ts";
import { turnClock } from "../../clock/turn-clock.ts";
import { asPlacedError, closeQuietly, destination, openPlaced, type SocketPlacement } from "./placed-socket.ts";
import { ReadinessPoller, type Watched } from "./readiness-poller.ts";

/**
 * How an exchange ended: "done" connected without a request, or the client had its verdict; "closed" the server
 * closed the connection first; "timeout" the deadline passed; "error" the kernel's refusal (named in `error`).
 */
export type ExchangeEnd = "done" | "closed" | "timeout" | "error";

export interface ExchangeClient {
  /** Sent once connected; null: the exchange is done once connected. */
  readonly request: Uint8Array | null;
  /** A piece of the reply, valid only during the call (copy what is kept); true once no more is needed. */
  data(chunk: Buffer): boolean;
  /** Called once, last. `error` is the errno's name ("ECONNREFUSED") for "error", else "". */
  end(how: ExchangeEnd, error: string): void;
}

/** Reads per readiness event before the exchange yields to the others (it goes on in the next tick). */
const MAX_READS_PER_TURN = 16;
const READ_BYTES = 16 * 1024;
/** Edge-triggered: each event is reported once, when it happens, so nothing polls a socket waiting for its reply. */
const WATCHED_EVENTS = EPOLLIN | EPOLLOUT | EPOLLET;

/** Every exchange reads into this one buffer: a client copies what it keeps. */
const readBuffer = Buffer.from(stableBuffer(READ_BYTES).buffer);
let poller: ReadinessPoller | null = null;

/** Starts an exchange; the client hears how it ended (at once when the socket cannot even be set up). */
export function startExchange(placement: SocketPlacement, timeoutMs: number, client: ExchangeClient): void {
  new Exchange(client).start(placement, timeoutMs);
}

/** Exchanges in flight (for tests: none may be left behind). */
export function exchangesInFlight(): number {
  return poller?.size ?? 0;
}

class Exchange implements Watched {
  fd = -1;
  deadlineMs = 0;
  private connected = false;
  private sent = 0;
  /** epoll said readable (edge) and the last read did not empty the socket. */
  private readable = false;
  private finished = false;

  constructor(private readonly client: ExchangeClient) {}

  start(placement: SocketPlacement, timeoutMs: number): void {
    // Read afresh: a deadline must never come early. The rest of the turn reuses this reading.
    this.deadlineMs = turnClock.refresh() + timeoutMs;
    try {
      this.fd = openPlaced(placement, SOCK_STREAM);
      const connectedAtOnce = connectSocket(this.fd, destination(placement)) === "connected";
      if (connectedAtOnce && this.client.request === null) {
        this.finish("done", "");
        return;
      }
      poller ??= new ReadinessPoller();
      poller.watch(this, WATCHED_EVENTS, timeoutMs);
      if (connectedAtOnce) this.onConnected();
    } catch (e) {
      this.finish("error", asPlacedError(e).code);
    }
  }

  ready(events: number): void {
    try {
      if (!this.connected) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) === 0) return;
        // A connect that failed is reported with EPOLLERR (and EPOLLHUP); EPOLLOUT alone is a connection made, and
        // asking SO_ERROR then would be a system call per check for nothing.
        if ((events & (EPOLLERR | EPOLLHUP)) !== 0) {
          const error = getsockoptInt(this.fd, SOL_SOCKET, SO_ERROR);
          if (error !== 0) {
            this.finish("error", errnoName(error));
            return;
          }
        }
        this.onConnected();
        if (this.finished) return;
      } else if (this.sent < this.client.request!.byteLength && (events & EPOLLOUT) !== 0) this.send();
      if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) !== 0) this.readable = true;
      this.read();
    } catch (e) {
      this.finish("error", asPlacedError(e).code);
    }
  }

  expired(): void {
    this.finish("timeout", "");
  }

  private onConnected(): void {
    this.connected = true;
    if (this.client.request === null) {
      this.finish("done", "");
      return;
    }
    this.send();
  }

  private send(): void {
    const request = this.client.request!;
    // A request is a few hundred bytes: it goes whole into an empty send buffer; a partial send waits for EPOLLOUT.
    const rest = this.sent === 0 ? request : request.subarray(this.sent);
    try {
      this.sent += sendTo(this.fd, rest, rest.byteLength, null, MSG_NOSIGNAL | MSG_DONTWAIT);
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === ERRNO.EAGAIN)) throw e;
    }
  }

  private read(): void {
    if (!this.readable || this.sent < this.client.request!.byteLength) return;
    for (let i = 0; i < MAX_READS_PER_TURN; i++) {
      const n = recvFrom(this.fd, readBuffer, MSG_DONTWAIT);
      if (n === null) {
        this.readable = false;
        return;
      }
      if (n === 0) {
        this.finish("closed", "");
        return;
      }
      if (this.client.data(readBuffer.subarray(0, n))) {
        this.finish("done", "");
        return;
      }
    }
    poller!.resumeSoon(this);
  }

  private finish(how: ExchangeEnd, error: string): void {
    if (this.finished) return;
    this.finished = true;
    poller?.forget(this);
    closeQuietly(this.fd);
    this.client.end(how, error);
  }
}
