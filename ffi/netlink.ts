// A synchronous netlink command socket: rtnetlink by default, generic netlink through ffi/genetlink.ts. The kernel
// handles a request inside sendto() and queues its answer, so a request is: build into `tx`, send, then read with
// MSG_DONTWAIT (falling back to a bounded poll) until the ack or NLMSG_DONE. Errors carry the kernel's extended-ack
// message ("ipv4: Address already assigned", ...). Only the transport lives here; what goes inside rtnetlink
// messages is the codec in src/adapters/linux/rtnl-messages.ts, inside IPVS ones src/adapters/linux/ipvs-messages.ts.
import * as C from "./constants.ts";
import { ERRNO, SyscallError } from "./errno.ts";
import { bindSocket, closeFd, getSockName, openSocket, pollOne, recvFrom, sendTo, setsockoptInt, stableBuffer } from "./socket.ts";
import { getI32, getU16, getU32, putU16 } from "./structs/bytes.ts";
import * as nlmsgerr from "./structs/nlmsgerr.ts";
import * as nlmsghdr from "./structs/nlmsghdr.ts";
import * as rtattr from "./structs/rtattr.ts";
import * as sockaddrNl from "./structs/sockaddr-nl.ts";

const RTM_NAMES: Readonly<Record<number, string>> = {
  [C.RTM_NEWLINK]: "RTM_NEWLINK",
  [C.RTM_DELLINK]: "RTM_DELLINK",
  [C.RTM_GETLINK]: "RTM_GETLINK",
  [C.RTM_SETLINK]: "RTM_SETLINK",
  [C.RTM_NEWADDR]: "RTM_NEWADDR",
  [C.RTM_DELADDR]: "RTM_DELADDR",
  [C.RTM_GETADDR]: "RTM_GETADDR",
  [C.RTM_NEWROUTE]: "RTM_NEWROUTE",
  [C.RTM_DELROUTE]: "RTM_DELROUTE",
  [C.RTM_GETROUTE]: "RTM_GETROUTE",
};

/** A request the kernel refused (or whose answer was unusable). `extack` is the kernel's own explanation. */
export class NetlinkError extends SyscallError {
  readonly extack: string | undefined;
  /** NLMSGERR_ATTR_OFFS: byte offset in the request of the attribute the kernel rejected. */
  readonly badAttrOffset: number | undefined;

  /** `request` names the protocol and the request: "rtnetlink RTM_NEWADDR", "genetlink IPVS_CMD_NEW_SERVICE". */
  constructor(request: string, errno: number, extack?: string, badAttrOffset?: number) {
    super(request, errno, extack);
    this.name = "NetlinkError";
    this.extack = extack;
    this.badAttrOffset = badAttrOffset;
  }
}

/** Called for every message of a dump (or an NLM_F_ECHO reply): type, buffer, payload start, message end. */
export type MessageHandler = (type: number, b: Uint8Array, payloadAt: number, end: number) => void;

export interface RtnlOptions {
  /** Upper bound on waiting for one answer; the kernel normally answers within sendto(). */
  timeoutMs?: number;
  /** Request buffer size. */
  txSize?: number;
  /** NETLINK_ROUTE (the default) or NETLINK_GENERIC. */
  protocol?: number;
  /** Names the request in tx for errors; the default names rtnetlink message types. */
  describeRequest?: (tx: Uint8Array, type: number) => string;
}

function describeRtnl(_tx: Uint8Array, type: number): string {
  return `rtnetlink ${RTM_NAMES[type] ?? `type ${type}`}`;
}

/** Dump chunks are at most 32 KiB (netlink caps max_recvmsg_len); twice that leaves headroom. */
const RX_SIZE = 64 * 1024;
/** Bounds the datagrams read for one request, so a kernel (or test) bug cannot spin forever. */
const MAX_DATAGRAMS = 1 << 16;
/**
 * Requests sent in one sendto() by execTrain. Only refusals are answered before the last request's ack, and each
 * queued answer costs the socket ≈ 1 KiB of its receive buffer (≈ 208 KiB by default; a full buffer drops
 * answers): 64 refusals at most stay well inside it.
 */
export const MAX_TRAIN = 64;
/** Where appendRequest writes the header's fields (module constants: read cheaply, 11,000 times at a start). */
const { nlmsg_type: TYPE_AT, nlmsg_flags: FLAGS_AT, nlmsg_seq: SEQ_AT } = nlmsghdr.OFFSETS;

export class RtnlSocket {
  readonly fd: number;
  /** The request under construction: write the body after begin()'s offset, then exec()/dump() with its end. */
  readonly tx: Uint8Array;
  private readonly rx = stableBuffer(RX_SIZE);
  private readonly kernel = stableBuffer(sockaddrNl.SIZE);
  private readonly timeoutMs: number;
  private readonly portId: number;
  private readonly describeRequest: (tx: Uint8Array, type: number) => string;
  private seq: number;
  private type = 0;
  private flags = 0;
  private closed = false;
  private readonly cursor = new rtattr.Cursor();
  /** The requests of the train being written (see appendRequest): where each starts in tx, and its sequence number. */
  private readonly trainAt = new Uint32Array(MAX_TRAIN);
  private readonly trainSeq = new Uint32Array(MAX_TRAIN);
  private trainLength = 0;
  /** While a train is out: told of each refused request. */
  private onRefusal: ((index: number, error: NetlinkError) => void) | null = null;

  private constructor(fd: number, portId: number, options: RtnlOptions) {
    this.fd = fd;
    this.portId = portId;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.describeRequest = options.describeRequest ?? describeRtnl;
    this.tx = stableBuffer(options.txSize ?? 8192);
    sockaddrNl.encode(this.kernel, 0, 0);
    // Start away from 0 so replies to a previous process's socket with the same port id cannot match.
    this.seq = (Date.now() & 0x7fffffff) >>> 0;
  }

  /** Opens and binds a netlink socket (NETLINK_ROUTE unless told) with extended acks and capped error messages. */
  static open(options: RtnlOptions = {}): RtnlSocket {
    const fd = openSocket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, options.protocol ?? C.NETLINK_ROUTE);
    try {
      setsockoptInt(fd, C.SOL_NETLINK, C.NETLINK_EXT_ACK, 1);
      setsockoptInt(fd, C.SOL_NETLINK, C.NETLINK_CAP_ACK, 1);
      try {
        // Strict checking makes dump filters (e.g. by ifindex) honoured instead of silently ignored.
        setsockoptInt(fd, C.SOL_NETLINK, C.NETLINK_GET_STRICT_CHK, 1);
      } catch (e) {
        if (!(e instanceof SyscallError && e.errno === ERRNO.ENOPROTOOPT)) throw e;
      }
      const local = stableBuffer(sockaddrNl.SIZE);
      sockaddrNl.encode(local, 0, 0);
      bindSocket(fd, local);
      const len = getSockName(fd, local);
      const me = sockaddrNl.decode(local, len);
      if (!me.ok) throw new Error(`netlink getsockname: ${me.reason}`);
      return new RtnlSocket(fd, me.pid, options);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }

  /**
   * Starts a request of `type` in `tx` (NLM_F_REQUEST is added) and returns the offset where its body (ifaddrmsg,
   * ifinfomsg, ... then attributes) goes.
   */
  begin(type: number, flags: number): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    this.type = type;
    this.flags = flags | C.NLM_F_REQUEST;
    nlmsghdr.encode(this.tx, { len: 0, type, flags: this.flags, seq: this.seq, pid: 0 });
    return nlmsghdr.NLMSG_HDRLEN;
  }

  /** Sends the request built in tx[0, end) with NLM_F_ACK and returns when the kernel acks it; throws its error. */
  exec(end: number, onReply?: MessageHandler): void {
    putU16(this.tx, nlmsghdr.OFFSETS.nlmsg_flags, this.flags | C.NLM_F_ACK);
    this.transact(end, onReply);
  }

  /**
   * Starts a batch of several messages (nfnetlink's BATCH_BEGIN ... BATCH_END) and returns the sequence number they
   * all carry. The caller writes every message, header and length included, from tx[0]; the one that asks for the
   * ack (NLM_F_ACK) should be the last. `type` names the batch in errors.
   */
  beginBatch(type: number): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    this.type = type;
    return this.seq;
  }

  /** Sends the batch built in tx[0, end) as it is and returns when the kernel acks it; throws the first error. */
  execBatch(end: number): void {
    this.transact(end, undefined, false);
  }

  /**
   * Several independent requests in one sendto(): the kernel handles them in order, each on its own, exactly as
   * if sent one at a time (a refused one does not stop the next). Call startTrain(), then appendRequest() for each
   * (at most MAX_TRAIN) and write its body, then execTrain() with the end of the last.
   */
  startTrain(): void {
    this.trainLength = 0;
  }

  /** Starts the next request of the train at tx[at] (4-byte aligned); returns where its body goes. */
  appendRequest(at: number, type: number, flags: number): number {
    if (this.trainLength >= MAX_TRAIN) throw new RangeError(`a train holds at most ${MAX_TRAIN} requests`);
    if (at % nlmsghdr.NLMSG_ALIGNTO !== 0) throw new RangeError(`request at unaligned offset ${at}`);
    this.seq = (this.seq + 1) >>> 0 || 1;
    this.type = type;
    // Byte by byte (the orders putU16/putU32 write): a start sends 11,000 of these, and under the daemon's
    // interpreter an object or a helper call per field cost more than the bytes.
    const tx = this.tx;
    const f = flags | C.NLM_F_REQUEST;
    const seq = this.seq;
    tx.fill(0, at, at + nlmsghdr.SIZE);
    tx[at + TYPE_AT] = type & 0xff;
    tx[at + TYPE_AT + 1] = (type >>> 8) & 0xff;
    tx[at + FLAGS_AT] = f & 0xff;
    tx[at + FLAGS_AT + 1] = (f >>> 8) & 0xff;
    tx[at + SEQ_AT] = seq & 0xff;
    tx[at + SEQ_AT + 1] = (seq >>> 8) & 0xff;
    tx[at + SEQ_AT + 2] = (seq >>> 16) & 0xff;
    tx[at + SEQ_AT + 3] = seq >>> 24;
    this.trainAt[this.trainLength] = at;
    this.trainSeq[this.trainLength] = this.seq;
    this.trainLength++;
    return at + nlmsghdr.NLMSG_HDRLEN;
  }

  /** Takes back the last appendRequest (its body could not be written); the next one starts where it did. */
  cancelRequest(): void {
    if (this.trainLength > 0) this.trainLength--;
  }

  /**
   * Sends the train ending at tx[end] and returns when the kernel has handled all of it. Only the last request
   * asks for an ack; a refusal of any is answered anyway, and `onRefusal` gets its index in the train and the
   * error. Throws only when the exchange itself fails (no answer, a malformed one).
   */
  execTrain(end: number, onRefusal: (index: number, error: NetlinkError) => void): void {
    const count = this.trainLength;
    if (count === 0) return;
    for (let i = 0; i < count; i++) {
      const at = this.trainAt[i]!;
      nlmsghdr.setLen(this.tx, (i + 1 < count ? this.trainAt[i + 1]! : end) - at, at);
    }
    // The kernel acks the last request sent: a request taken back after it (cancelRequest) took a later number.
    this.seq = this.trainSeq[count - 1]!;
    const last = this.trainAt[count - 1]!;
    const flagsAt = last + nlmsghdr.OFFSETS.nlmsg_flags;
    putU16(this.tx, flagsAt, getU16(this.tx, flagsAt) | C.NLM_F_ACK);
    this.onRefusal = onRefusal;
    try {
      this.transact(end, undefined, false);
    } finally {
      this.onRefusal = null;
      this.trainLength = 0;
    }
  }

  /** Sends the dump request built in tx[0, end) (NLM_F_DUMP is added) and calls `onMessage` for every answer. */
  dump(end: number, onMessage: MessageHandler): void {
    putU16(this.tx, nlmsghdr.OFFSETS.nlmsg_flags, this.flags | C.NLM_F_DUMP);
    this.transact(end, onMessage);
  }

  private fail(errno: number, extack?: string, offset?: number): NetlinkError {
    return new NetlinkError(this.describeRequest(this.tx, this.type), errno, extack, offset);
  }

  private transact(end: number, onMessage: MessageHandler | undefined, oneMessage = true): void {
    if (this.closed) throw this.fail(ERRNO.EBADF, "socket closed");
    if (oneMessage) nlmsghdr.setLen(this.tx, end);
    const sent = sendTo(this.fd, this.tx, end, this.kernel);
    if (sent !== end) throw this.fail(ERRNO.EMSGSIZE, `short send ${sent}/${end}`);
    const deadline = performance.now() + this.timeoutMs;
    let interrupted = false;
    for (let datagrams = 0; datagrams < MAX_DATAGRAMS; datagrams++) {
      const n = recvFrom(this.fd, this.rx, C.MSG_DONTWAIT | C.MSG_TRUNC);
      if (n === null) {
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0 || pollOne(this.fd, C.POLLIN, left) === 0) throw this.fail(ERRNO.ETIMEDOUT, "no answer from the kernel");
        continue;
      }
      if (n > this.rx.byteLength) throw this.fail(ERRNO.ENOBUFS, `answer of ${n} bytes truncated to ${this.rx.byteLength}`);
      let done: "more" | "done" | "interrupted";
      try {
        done = this.consume(n, onMessage);
      } catch (e) {
        this.drain();
        throw e;
      }
      if (done === "interrupted") interrupted = true;
      if (done !== "more") {
        // A dump the kernel flagged inconsistent (the table changed under it) must be redone by the caller.
        if (interrupted) throw this.fail(ERRNO.EINTR, "dump interrupted by a concurrent change (NLM_F_DUMP_INTR); retry");
        return;
      }
    }
    throw this.fail(ERRNO.EOVERFLOW, `no end after ${MAX_DATAGRAMS} datagrams`);
  }

  /**
   * After a failure mid-answer: reads what is left (reading also lets the kernel finish a dump), so the next
   * request does not meet a dump still in progress (EBUSY) or stale messages. Bounded; never blocks.
   */
  private drain(): void {
    for (let i = 0; i < 1024; i++) {
      try {
        if (recvFrom(this.fd, this.rx, C.MSG_DONTWAIT | C.MSG_TRUNC) === null) return;
      } catch {
        return;
      }
    }
  }

  /** Walks one datagram; "done" when the request's answer is complete. Throws the kernel's error. */
  private consume(n: number, onMessage: MessageHandler | undefined): "more" | "done" | "interrupted" {
    const b = this.rx;
    let interrupted = false;
    for (let at = 0; at + nlmsghdr.SIZE <= n; ) {
      const h = nlmsghdr.decode(b, at, n);
      if (!h.ok) throw this.fail(ERRNO.EBADMSG, h.reason);
      const payloadAt = at + nlmsghdr.NLMSG_HDRLEN;
      const msgEnd = at + h.len;
      at += nlmsghdr.NLMSG_ALIGN(h.len);
      if (h.pid !== this.portId && h.pid !== 0) continue;
      // A train's refusals come before its last request's answer (which carries this.seq).
      if (h.seq !== this.seq && this.onRefusal !== null && h.type === C.NLMSG_ERROR) {
        const index = this.trainIndexOf(h.seq);
        if (index >= 0) this.refused(index, h.flags, payloadAt, msgEnd);
        continue;
      }
      // Answers to an earlier request that timed out are skipped.
      if (h.seq !== this.seq) continue;
      if (h.flags & C.NLM_F_DUMP_INTR) interrupted = true;
      switch (h.type) {
        case C.NLMSG_NOOP:
          continue;
        case C.NLMSG_OVERRUN:
          throw this.fail(ERRNO.ENOBUFS, "NLMSG_OVERRUN");
        case C.NLMSG_ERROR: {
          if (this.onRefusal !== null) {
            this.refused(this.trainLength - 1, h.flags, payloadAt, msgEnd);
            return "done";
          }
          const e = nlmsgerr.decode(b, payloadAt, msgEnd, (h.flags & C.NLM_F_CAPPED) !== 0);
          if (!e.ok) throw this.fail(ERRNO.EBADMSG, e.reason);
          if (e.error === 0) return interrupted ? "interrupted" : "done";
          this.throwWithExtack(-e.error, h.flags, e.tlvAt, msgEnd);
          break;
        }
        case C.NLMSG_DONE: {
          // The DONE payload is the dump's final status (an int), followed by extended-ack TLVs when flagged.
          const status = payloadAt + 4 <= msgEnd ? getI32(b, payloadAt) : 0;
          if (status < 0) this.throwWithExtack(-status, h.flags, payloadAt + 4, msgEnd);
          return interrupted ? "interrupted" : "done";
        }
        default:
          onMessage?.(h.type, b, payloadAt, msgEnd);
      }
    }
    return "more";
  }

  private throwWithExtack(errno: number, flags: number, tlvAt: number, end: number): never {
    throw this.errorWithExtack(this.tx, errno, flags, tlvAt, end);
  }

  /** `request` (the request's own bytes) names it in the error. */
  private errorWithExtack(request: Uint8Array, errno: number, flags: number, tlvAt: number, end: number): NetlinkError {
    let message: string | undefined;
    let offset: number | undefined;
    if (flags & C.NLM_F_ACK_TLVS) {
      const c = this.cursor.reset(this.rx, tlvAt, end);
      while (c.next()) {
        if (c.type === C.NLMSGERR_ATTR_MSG) message = c.string();
        else if (c.type === C.NLMSGERR_ATTR_OFFS && c.payloadLen >= 4) offset = getU32(this.rx, c.payloadAt);
      }
    }
    const type = getU16(request, nlmsghdr.OFFSETS.nlmsg_type);
    return new NetlinkError(this.describeRequest(request, type), errno, message, offset);
  }

  /** Index in the train of the request with sequence number `seq`, or -1. */
  private trainIndexOf(seq: number): number {
    for (let i = 0; i < this.trainLength; i++) if (this.trainSeq[i] === seq) return i;
    return -1;
  }

  /** A train request's answer: a refusal goes to onRefusal (an ack, error 0, is only the last one's). */
  private refused(index: number, flags: number, payloadAt: number, end: number): void {
    const e = nlmsgerr.decode(this.rx, payloadAt, end, (flags & C.NLM_F_CAPPED) !== 0);
    if (!e.ok) throw this.fail(ERRNO.EBADMSG, e.reason);
    if (e.error === 0) return;
    const request = this.tx.subarray(this.trainAt[index]!);
    this.onRefusal!(index, this.errorWithExtack(request, -e.error, flags, e.tlvAt, end));
  }
}
