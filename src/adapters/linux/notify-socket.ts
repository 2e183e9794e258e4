// The Linux side of sd_notify: an AF_UNIX datagram socket that sends to $NOTIFY_SOCKET (a path, or '@' for an
// abstract name), and CLOCK_MONOTONIC for RELOADING=1's timestamp.
import {
  AF_UNIX,
  closeFd,
  monotonicMicroseconds,
  openSocket,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  sendTo,
  sockaddrUn,
} from "../../../ffi/index.ts";
import type { NotifyHost, NotifySocket } from "../../systemd/notify.ts";

class UnixDatagramSocket implements NotifySocket {
  private readonly fd: number;

  constructor(private readonly address: Uint8Array) {
    // Non-blocking: a manager that stopped reading must never stall the event loop (the send fails with EAGAIN).
    this.fd = openSocket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  }

  send(datagram: Uint8Array): void {
    const sent = sendTo(this.fd, datagram, datagram.byteLength, this.address);
    if (sent !== datagram.byteLength) throw new Error(`sent ${sent} of ${datagram.byteLength} bytes`);
  }

  close(): void {
    closeFd(this.fd);
  }
}

export const linuxNotifyHost: NotifyHost = {
  open(address) {
    const encoded = sockaddrUn.encode(address);
    if (!encoded.ok) throw new Error(encoded.reason);
    return new UnixDatagramSocket(encoded.bytes);
  },
  monotonicMicroseconds,
};
