// The Linux adapters of this network namespace, as the daemon uses them.

import type { HostAdapters } from "../host-adapters.ts";
import { linuxNeighbourAnnouncer } from "./gratuitous.ts";
import { LinuxAddressManager, linuxLinkMonitors } from "./netlink-adapter.ts";
import { linuxFifoMaker } from "./fifo-maker.ts";
import { timerFdAlarms } from "./timerfd-alarm.ts";
import { LinuxIpvs } from "./ipvs-adapter.ts";
import { LinuxNoAcceptFilter } from "./nft-no-accept.ts";
import { LinuxMacvlanLinks } from "./macvlan-adapter.ts";
import { nssUsers } from "./nss-users.ts";
import { linuxPeerCredentials } from "./peer-credentials.ts";
import { linuxControlSocketProbe } from "./socket-probe.ts";
import { linuxVrrpTransports } from "./vrrp-socket.ts";

export function linuxHostAdapters(): HostAdapters {
  return {
    addresses: LinuxAddressManager.open(),
    links: linuxLinkMonitors(),
    transports: linuxVrrpTransports,
    announcer: linuxNeighbourAnnouncer(),
    alarms: timerFdAlarms,
    users: nssUsers,
    noAccept: new LinuxNoAcceptFilter(),
    macvlans: () => LinuxMacvlanLinks.open(),
    makeFifo: linuxFifoMaker,
    peerCredentials: linuxPeerCredentials,
    controlSocketProbe: linuxControlSocketProbe,
    ipvs: (log) => LinuxIpvs.open({ onReject: (what, reason) => log(`IPVS: an answer to ${what} could not be decoded: ${reason}`) }),
  };
}
