// PeerCredentialsReader over getsockopt(SO_PEERCRED).

import { peerCredentials } from "../../../ffi/index.ts";
import { adapterCall } from "../adapter-error.ts";
import type { PeerCredentialsReader } from "../peer-credentials.ts";

export const linuxPeerCredentials: PeerCredentialsReader = (fd) =>
  adapterCall(`read the credentials of the peer on fd ${fd}`, () => peerCredentials(fd));
