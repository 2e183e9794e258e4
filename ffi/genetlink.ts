// Generic netlink over the synchronous netlink socket: a family (IPVS, ...) is found by name through the
// controller (CTRL_CMD_GETFAMILY), then every request is nlmsghdr(type = family id) + genlmsghdr + attributes.
import * as C from "./constants.ts";
import { ERRNO } from "./errno.ts";
import { NetlinkError, RtnlSocket, type RtnlOptions } from "./netlink.ts";
import { getU16, getU32 } from "./structs/bytes.ts";
import * as genlmsghdr from "./structs/genlmsghdr.ts";
import * as nlmsghdr from "./structs/nlmsghdr.ts";
import * as rtattr from "./structs/rtattr.ts";

export interface GenlFamily {
  name: string;
  id: number;
  version: number;
  maxAttr: number;
}

/** Opens a NETLINK_GENERIC socket; `commandName` names a family's commands in errors ("IPVS_CMD_NEW_SERVICE"). */
export function openGenl(
  commandName: (cmd: number) => string,
  options: Omit<RtnlOptions, "protocol" | "describeRequest"> = {},
): RtnlSocket {
  return RtnlSocket.open({
    ...options,
    protocol: C.NETLINK_GENERIC,
    describeRequest: (tx, type) => {
      const cmd = tx[nlmsghdr.NLMSG_HDRLEN + genlmsghdr.OFFSETS.cmd] ?? 0;
      return type === C.GENL_ID_CTRL ? `genetlink CTRL cmd ${cmd}` : `genetlink ${commandName(cmd)}`;
    },
  });
}

/** Starts a generic netlink request in sock.tx; returns the offset where its attributes go. */
export function beginGenl(sock: RtnlSocket, familyId: number, cmd: number, version: number, flags: number): number {
  const at = sock.begin(familyId, flags);
  genlmsghdr.encode(sock.tx, cmd, version, at);
  return at + genlmsghdr.SIZE;
}

/**
 * Resolves a family by name. A family whose module is not loaded is ENOENT (the kernel may try to load it by its
 * alias first); the error says so.
 */
export function resolveFamily(sock: RtnlSocket, name: string): GenlFamily {
  let end = beginGenl(sock, C.GENL_ID_CTRL, C.CTRL_CMD_GETFAMILY, 1, 0);
  end = rtattr.putString(sock.tx, end, C.CTRL_ATTR_FAMILY_NAME, name);
  let family: GenlFamily | undefined;
  const cursor = new rtattr.Cursor();
  try {
    sock.exec(end, (type, b, payloadAt, msgEnd) => {
      const h = genlmsghdr.decode(b, payloadAt, msgEnd);
      if (type !== C.GENL_ID_CTRL || !h.ok || h.cmd !== C.CTRL_CMD_NEWFAMILY) return;
      const found: GenlFamily = { name: "", id: 0, version: 0, maxAttr: 0 };
      const c = cursor.reset(b, payloadAt + genlmsghdr.SIZE, msgEnd);
      while (c.next()) {
        if (c.type === C.CTRL_ATTR_FAMILY_ID && c.payloadLen >= 2) found.id = getU16(b, c.payloadAt);
        else if (c.type === C.CTRL_ATTR_FAMILY_NAME) found.name = c.string();
        else if (c.type === C.CTRL_ATTR_VERSION && c.payloadLen >= 4) found.version = getU32(b, c.payloadAt);
        else if (c.type === C.CTRL_ATTR_MAXATTR && c.payloadLen >= 4) found.maxAttr = getU32(b, c.payloadAt);
      }
      if (found.name === name && found.id !== 0) family = found;
    });
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === ERRNO.ENOENT) {
      throw new NetlinkError(`genetlink family ${name}`, ERRNO.ENOENT, `no generic netlink family ${name} (is its module loaded?)`);
    }
    throw e;
  }
  if (!family) throw new NetlinkError(`genetlink family ${name}`, ERRNO.EBADMSG, "the controller's answer had no usable family id");
  return family;
}
