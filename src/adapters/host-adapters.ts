// The ports the daemon runs on, as one bundle: everything it does to the host goes through these. The Linux
// bundle is src/adapters/linux/host-adapters.ts; tests build one from the fakes in test/adapters/.

import type { AlarmFactory } from "../clock/alarm.ts";
import type { AddressManager, LinkMonitorFactory } from "./address-manager.ts";
import type { FifoMaker } from "./fifo-maker.ts";
import type { Ipvs } from "./ipvs.ts";
import type { MacvlanLinks } from "./macvlan-links.ts";
import type { NeighbourAnnouncer } from "./neighbour-announcer.ts";
import type { NoAcceptFilter } from "./no-accept-filter.ts";
import type { PeerCredentialsReader } from "./peer-credentials.ts";
import type { ControlSocketProbe } from "./socket-probe.ts";
import type { UserLookup } from "./user-lookup.ts";
import type { VrrpTransportFactory } from "./vrrp-transport.ts";

export interface HostAdapters {
  addresses: AddressManager;
  links: LinkMonitorFactory;
  transports: VrrpTransportFactory;
  announcer: NeighbourAnnouncer;
  alarms: AlarmFactory;
  users: UserLookup;
  /** No-accept mode's nftables table (talks to the kernel only when used). */
  noAccept: NoAcceptFilter;
  /** Creates a notify FIFO a notify_fifo_script reads, when it is missing. */
  makeFifo: FifoMaker;
  /** Who is connected to the control socket (SO_PEERCRED): state-changing commands need root or the daemon's user. */
  peerCredentials: PeerCredentialsReader;
  /** Whether another daemon listens on the control socket's path: a start stops before taking it over. */
  controlSocketProbe: ControlSocketProbe;
  /**
   * The kernel's IPVS table, opened only when needed (opening it loads the ip_vs module); `log` is told of kernel
   * answers that could not be decoded.
   */
  ipvs: (log: (message: string) => void) => Ipvs;
  /** Macvlans for use_vmac, opened when the first VMAC is wanted; absent where they cannot be made. */
  macvlans?: () => MacvlanLinks;
}
