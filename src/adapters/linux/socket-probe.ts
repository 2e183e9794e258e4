// ControlSocketProbe by a non-blocking connect(2), answered at once for a Unix socket: connected, or EAGAIN when
// the listener's queue is full (Bun.connect reports that as ECONNREFUSED, as if nobody listened: hence ffi).

import {
  AF_UNIX,
  closeFd,
  connectSocket,
  ERRNO,
  openSocket,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SyscallError,
  sockaddrUn,
} from "../../../ffi/index.ts";
import { AdapterError, adapterCall } from "../adapter-error.ts";
import type { ControlSocketProbe } from "../socket-probe.ts";

/** Nobody listens there: nothing at the path, a socket left without its listener, or not a socket. */
const FREE: readonly number[] = [ERRNO.ENOENT, ERRNO.ECONNREFUSED, ERRNO.ENOTSOCK];

export const linuxControlSocketProbe: ControlSocketProbe = (path) => {
  const operation = `ask whether a daemon answers on ${path}`;
  const address = sockaddrUn.encode(path);
  if (!address.ok) throw AdapterError.refused(operation, "EINVAL", address.reason);
  const fd = adapterCall(operation, () => openSocket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  try {
    return adapterCall(operation, () => {
      try {
        connectSocket(fd, address.bytes);
        return "answers";
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        if (e.errno === ERRNO.EAGAIN) return "answers";
        if (FREE.includes(e.errno)) return "free";
        throw e;
      }
    });
  } finally {
    closeFd(fd);
  }
};
