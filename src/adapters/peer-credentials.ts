// Who is at the other end of a connected Unix socket, as the kernel recorded it at connect(): the control socket
// lets only root or the daemon's own user change state. The Linux implementation is
// src/adapters/linux/peer-credentials.ts (SO_PEERCRED).

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** The credentials of the connection on `fd`; throws an AdapterError when the kernel refuses. */
export type PeerCredentialsReader = (fd: number) => PeerCredentials;
