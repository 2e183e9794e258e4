// The one error type the Linux adapters throw when the kernel refuses something: a failed syscall or a refused
// rtnetlink request. Callers (the driver) decide by `code`, the errno's C name ("EEXIST" means "already there"), and
// log the message, which names what the adapter was asked to do, the call that failed and the kernel's reason.
// ffi/errno.ts alone (not ffi/index.ts): the type is usable, and testable, without loading libc.
import { ERRNO, type ErrnoCode, errnoName, SyscallError } from "../../ffi/errno.ts";

export class AdapterError extends Error {
  /** The errno's C name ("EEXIST", "ENODEV"; `E<n>` for one not in the table). */
  readonly code: string;
  readonly errno: number;
  /** What the adapter was asked to do: "add address 192.0.2.100/24 on ifindex 3", "open vrrp socket on eth0". */
  readonly operation: string;
  /** The call that failed: "sendmsg", "rtnetlink RTM_NEWADDR", "if_nametoindex(eth9)"; "" when the adapter refused. */
  readonly call: string;
  /** The kernel's extended-ack message, or another reason beyond the errno. */
  readonly detail: string | undefined;

  constructor(operation: string, call: string, errno: number, detail?: string, options?: { cause?: unknown }) {
    const code = errnoName(errno);
    const failed = call ? `${operation}: ${call} failed` : `${operation} failed`;
    super(`${failed}: ${code} (errno ${errno})${detail ? `: ${detail}` : ""}`, options);
    this.name = "AdapterError";
    this.code = code;
    this.errno = errno;
    this.operation = operation;
    this.call = call;
    this.detail = detail;
  }

  /** A refusal the adapter decides itself (no syscall failed), e.g. no address to send from. */
  static refused(operation: string, code: ErrnoCode, detail?: string): AdapterError {
    return new AdapterError(operation, "", ERRNO[code], detail);
  }
}

/**
 * `error` as the adapters' error type: an ffi SyscallError (NetlinkError included) becomes an AdapterError for
 * `operation`; an AdapterError or any other error (a RangeError for a malformed argument) is returned as it is.
 */
export function toAdapterError(operation: string, error: Error): Error;
export function toAdapterError(operation: string, error: unknown): unknown;
export function toAdapterError(operation: string, error: unknown): unknown {
  if (error instanceof AdapterError || !(error instanceof SyscallError)) return error;
  return new AdapterError(operation, error.syscall, error.errno, error.detail, { cause: error });
}

/** Runs `work`, rethrowing a failed syscall as an AdapterError for `operation`. Not for per-packet paths (closure). */
export function adapterCall<T>(operation: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toAdapterError(operation, error);
  }
}

/** Like adapterCall, for asynchronous work. */
export async function adapterCallAsync<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toAdapterError(operation, error);
  }
}
