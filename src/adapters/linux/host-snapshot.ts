// The host as prepare() sees it, read once (links and both families' addresses), for `vipd check`.
import type { HostSnapshot } from "../address-manager.ts";
import { LinuxAddressManager } from "./netlink-adapter.ts";

export function readHostSnapshot(): HostSnapshot {
  const manager = LinuxAddressManager.open();
  try {
    return { links: manager.links(), addresses: [...manager.addresses(4), ...manager.addresses(6)] };
  } finally {
    manager.close();
  }
}
