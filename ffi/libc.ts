// The one place that names and loads libc. Everything else in ffi/ calls through `libc` and reports failures with
// `lastError`; nothing outside ffi/ sees this table (ffi/index.ts exports typed wrappers only).
import { dlopen, FFIType, ptr as ptrOf, read, type Pointer } from "bun:ffi";
import { SyscallError } from "./errno.ts";

/** glibc's soname. musl would be `libc.so` (or the loader path); change it here and only here. */
export const LIBC_NAME = "libc.so.6";

// ssize_t returns are i64_fast: a plain "i64" return allocates a BigInt on every call. (FFIType.i64_fast, not the
// string: @types/bun 1.4.4 omits "i64_fast" from the accepted type names although the runtime takes it.)
// size_t / socklen_t arguments are passed as u64 / u32; pointer arguments accept a TypedArray (its data at
// byteOffset is passed) or null.
const lib = dlopen(LIBC_NAME, {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  getsockname: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
  // ioctl is variadic; on x86_64 / aarch64 Linux an integer/pointer third argument is passed exactly like a fixed one.
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  sendto: { args: ["i32", "ptr", "u64", "i32", "ptr", "u32"], returns: FFIType.i64_fast },
  recvfrom: { args: ["i32", "ptr", "u64", "i32", "ptr", "ptr"], returns: FFIType.i64_fast },
  sendmsg: { args: ["i32", "ptr", "i32"], returns: FFIType.i64_fast },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: FFIType.i64_fast },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  epoll_create1: { args: ["i32"], returns: "i32" },
  epoll_ctl: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
  if_nametoindex: { args: ["cstring"], returns: "u32" },
  __errno_location: { args: [], returns: "ptr" },
  getpid: { args: [], returns: "i32" },
  execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
  timerfd_create: { args: ["i32", "i32"], returns: "i32" },
  timerfd_settime: { args: ["i32", "i32", "ptr", "ptr"], returns: "i32" },
  // The reentrant NSS lookups: they return the error number instead of setting errno.
  getpwnam_r: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  getgrnam_r: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  clock_gettime: { args: ["i32", "ptr"], returns: "i32" },
  capget: { args: ["ptr", "ptr"], returns: "i32" },
  capset: { args: ["ptr", "ptr"], returns: "i32" },
  // prctl is variadic (unsigned long arguments); on x86_64 / aarch64 Linux they are passed like fixed ones.
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  mkfifo: { args: ["ptr", "u32"], returns: "i32" },
  setns: { args: ["i32", "i32"], returns: "i32" },
});

export const libc = lib.symbols;

/** Where this thread's errno lives: asked once per module instance (each Worker loads its own, so its own thread). */
let errnoLocation: Pointer | null = null;

/**
 * The calling thread's errno. Call it right after the failing call, before anything else that might touch the
 * OS: any Bun API that makes a failing syscall (even fs.existsSync of a missing file) overwrites it.
 */
export function lastErrno(): number {
  if (errnoLocation === null) {
    const location = libc.__errno_location();
    if (location === null) throw new Error("__errno_location() returned NULL");
    errnoLocation = location as Pointer;
  }
  return read.i32(errnoLocation, 0);
}

/** A SyscallError for the errno just left by `syscall`. */
export function lastError(syscall: string, detail?: string): SyscallError {
  return new SyscallError(syscall, lastErrno(), detail);
}

/**
 * How often a call interrupted by a signal (EINTR) is restarted before the error is surfaced. Signals that reach
 * process.on() interrupt a blocking call on the main thread; a few restarts absorb a burst without looping forever.
 */
export const MAX_EINTR_RETRIES = 8;

/** The address of a TypedArray's data, as a number (for storing into structs such as iovec and msghdr). */
export function addressOf(view: Uint8Array): number {
  return ptrOf(view);
}
