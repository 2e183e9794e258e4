// Linux (x86_64 / aarch64) constants with their C spelling. Every value here is checked against the system
// headers by test/ffi/struct-layout.test.ts, so only header-defined values belong here: protocol numbers no header
// defines (IPPROTO_VRRP) live with their protocol (src/vrrp/constants.ts).

// Address families (sys/socket.h).
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

// Socket types and type flags (sys/socket.h).
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

// Protocols (netinet/in.h).
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const IPPROTO_RAW = 255;

// Socket option levels.
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_IPV6 = 41;
export const SOL_PACKET = 263;
export const SOL_NETLINK = 270;

// SOL_SOCKET options (asm-generic/socket.h).
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_PRIORITY = 12;
export const SO_PEERCRED = 17;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_BINDTODEVICE = 25;
export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_MARK = 36;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

// SOL_IP options (bits/in.h).
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_MULTICAST_ALL = 49;
export const IP_MTU_DISCOVER = 10;
/** IP_MTU_DISCOVER value: never set DF (keepalived's adverts leave DF clear). */
export const IP_PMTUDISC_DONT = 0;

// SOL_IPV6 options (bits/in.h).
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_JOIN_GROUP = 20;
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_MULTICAST_ALL = 29;
export const IPV6_TCLASS = 67;

// SOL_PACKET options (linux/if_packet.h).
export const PACKET_ADD_MEMBERSHIP = 1;
export const PACKET_DROP_MEMBERSHIP = 2;
export const PACKET_AUXDATA = 8;
export const PACKET_MR_MULTICAST = 0;
/** sll_pkttype of a frame this host sent (packet sockets see their own outgoing frames). */
export const PACKET_OUTGOING = 4;

// Classic BPF (linux/filter.h, linux/bpf_common.h) for SO_ATTACH_FILTER.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_ST = 0x02;
export const BPF_MISC = 0x07;
export const BPF_IMM = 0x00;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LSH = 0x60;
export const BPF_TAX = 0x00;
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_ABS = 0x20;
export const BPF_LEN = 0x80;
export const BPF_ADD = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
/** Negative offsets in a BPF load address packet metadata instead of bytes (SKF_AD_OFF + SKF_AD_PKTTYPE). */
export const SKF_AD_OFF = -0x1000;
export const SKF_AD_PKTTYPE = 4;

// Ethernet protocol numbers (linux/if_ether.h), host order; sockaddr_ll wants them in network order.
export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_ALEN = 6;
export const ARPHRD_ETHER = 1;

// send/recv flags (sys/socket.h).
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;

// poll (poll.h).
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

// epoll (sys/epoll.h).
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLET = 0x80000000;

// Interface ioctls (bits/ioctls.h) and flags (net/if.h).
export const SIOCGIFFLAGS = 0x8913;
export const SIOCGIFMTU = 0x8921;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;
export const IFNAMSIZ = 16;
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

// Netlink (linux/netlink.h).
export const NETLINK_ROUTE = 0;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** In an ack: the request payload was not echoed (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** In an ack: extended-ack TLVs follow the nlmsgerr. */
export const NLM_F_ACK_TLVS = 0x200;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

// rtnetlink (linux/rtnetlink.h, if_link.h, if_addr.h).
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_OPERSTATE = 16;
export const IFLA_CARRIER = 33;
export const IFLA_LINKINFO = 18;
export const IFLA_AF_SPEC = 26;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_MACVLAN_MODE = 1;
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_BRIDGE = 4;
/** Inside IFLA_AF_SPEC / AF_INET: the interface's IPv4 settings (u32 per IPV4_DEVCONF_*, at index id - 1). */
export const IFLA_INET_CONF = 1;
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IN6_ADDR_GEN_MODE_NONE = 1;
// net.ipv4.conf.IF.* as rtnetlink numbers them (linux/ip.h).
export const IPV4_DEVCONF_RP_FILTER = 8;
export const IPV4_DEVCONF_ARPFILTER = 13;
export const IPV4_DEVCONF_ARP_ANNOUNCE = 18;
export const IPV4_DEVCONF_ARP_IGNORE = 19;
export const IPV4_DEVCONF_PROMOTE_SECONDARIES = 20;
export const IPV4_DEVCONF_ACCEPT_LOCAL = 23;
export const IPV4_DEVCONF_DROP_GRATUITOUS_ARP = 31;

// Routes (linux/rtnetlink.h).
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
/** The protocol keepalived marks its virtual_routes with; vipd uses it too so either daemon recognises them. */
export const RTPROT_KEEPALIVED = 18;
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;

// Policy rules (linux/fib_rules.h).
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_PRIORITY = 6;
export const FRA_TABLE = 15;
export const FR_ACT_TO_TBL = 1;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_FLAGS = 8;
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
/** In a route delete request: match any scope. */
export const RT_SCOPE_NOWHERE = 255;

// Namespaces (sched.h): setns(2) on a network namespace.
export const CLONE_NEWNET = 0x40000000;

// timerfd (sys/timerfd.h, time.h): the scheduler's alarm.
export const CLOCK_MONOTONIC = 1;
export const TFD_NONBLOCK = 0o4000;
export const TFD_CLOEXEC = 0o2000000;

// Generic netlink (linux/netlink.h, linux/genetlink.h): the controller resolves a family's id by its name.
export const NETLINK_GENERIC = 16;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_MAXATTR = 5;

// IPVS over generic netlink (linux/ip_vs.h).
export const IPVS_GENL_VERSION = 1;
export const IPVS_CMD_NEW_SERVICE = 1;
export const IPVS_CMD_SET_SERVICE = 2;
export const IPVS_CMD_DEL_SERVICE = 3;
export const IPVS_CMD_GET_SERVICE = 4;
export const IPVS_CMD_NEW_DEST = 5;
export const IPVS_CMD_SET_DEST = 6;
export const IPVS_CMD_DEL_DEST = 7;
export const IPVS_CMD_GET_DEST = 8;
export const IPVS_CMD_SET_CONFIG = 12;
export const IPVS_CMD_GET_CONFIG = 13;
export const IPVS_CMD_SET_INFO = 14;
export const IPVS_CMD_GET_INFO = 15;
export const IPVS_CMD_ZERO = 16;
export const IPVS_CMD_FLUSH = 17;

export const IPVS_CMD_ATTR_SERVICE = 1;
export const IPVS_CMD_ATTR_DEST = 2;
export const IPVS_CMD_ATTR_TIMEOUT_TCP = 4;
export const IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 5;
export const IPVS_CMD_ATTR_TIMEOUT_UDP = 6;

export const IPVS_SVC_ATTR_AF = 1;
export const IPVS_SVC_ATTR_PROTOCOL = 2;
export const IPVS_SVC_ATTR_ADDR = 3;
export const IPVS_SVC_ATTR_PORT = 4;
export const IPVS_SVC_ATTR_FWMARK = 5;
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
export const IPVS_SVC_ATTR_FLAGS = 7;
export const IPVS_SVC_ATTR_TIMEOUT = 8;
export const IPVS_SVC_ATTR_NETMASK = 9;
export const IPVS_SVC_ATTR_STATS = 10;
export const IPVS_SVC_ATTR_PE_NAME = 11;
export const IPVS_SVC_ATTR_STATS64 = 12;

export const IPVS_DEST_ATTR_ADDR = 1;
export const IPVS_DEST_ATTR_PORT = 2;
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
export const IPVS_DEST_ATTR_WEIGHT = 4;
export const IPVS_DEST_ATTR_U_THRESH = 5;
export const IPVS_DEST_ATTR_L_THRESH = 6;
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
export const IPVS_DEST_ATTR_STATS = 10;
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
export const IPVS_DEST_ATTR_STATS64 = 12;
export const IPVS_DEST_ATTR_TUN_TYPE = 13;
export const IPVS_DEST_ATTR_TUN_PORT = 14;
export const IPVS_DEST_ATTR_TUN_FLAGS = 15;

export const IPVS_STATS_ATTR_CONNS = 1;
export const IPVS_STATS_ATTR_INPKTS = 2;
export const IPVS_STATS_ATTR_OUTPKTS = 3;
export const IPVS_STATS_ATTR_INBYTES = 4;
export const IPVS_STATS_ATTR_OUTBYTES = 5;
export const IPVS_STATS_ATTR_CPS = 6;
export const IPVS_STATS_ATTR_INPPS = 7;
export const IPVS_STATS_ATTR_OUTPPS = 8;
export const IPVS_STATS_ATTR_INBPS = 9;
export const IPVS_STATS_ATTR_OUTBPS = 10;

export const IPVS_INFO_ATTR_VERSION = 1;
export const IPVS_INFO_ATTR_CONN_TAB_SIZE = 2;

export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;

export const IP_VS_CONN_F_FWD_MASK = 0x0007;
export const IP_VS_CONN_F_MASQ = 0x0000;
export const IP_VS_CONN_F_LOCALNODE = 0x0001;
export const IP_VS_CONN_F_TUNNEL = 0x0002;
export const IP_VS_CONN_F_DROUTE = 0x0003;
export const IP_VS_CONN_F_BYPASS = 0x0004;

export const IP_VS_CONN_F_TUNNEL_TYPE_IPIP = 0;
export const IP_VS_CONN_F_TUNNEL_TYPE_GUE = 1;
export const IP_VS_CONN_F_TUNNEL_TYPE_GRE = 2;
export const IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM = 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_CSUM = 1;
export const IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM = 2;
export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 16;

// Capabilities (linux/capability.h) and the prctl options that shape a thread's sets (linux/prctl.h).
export const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
export const _LINUX_CAPABILITY_U32S_3 = 2;
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_KILL = 5;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;
export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_SYS_ADMIN = 21;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_IS_SET = 1;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** Names above that no libc/kernel UAPI header defines; the header check skips them. */
export const NOT_IN_LIBC_HEADERS: readonly string[] = ["IPPROTO_VRRP"];

// nf_tables over nfnetlink (linux/netfilter.h, linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h): the
// no-accept filter's table, chains, set and rules, sent as one batch per change.
export const NETLINK_NETFILTER = 12;
export const NFNETLINK_V0 = 0;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG_BATCH_BEGIN = 16;
export const NFNL_MSG_BATCH_END = 17;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_IPV6 = 10;
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_LOCAL_OUT = 3;
export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_DELTABLE = 2;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_DELSETELEM = 14;
export const NFTA_TABLE_NAME = 1;
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_HOOK = 4;
export const NFTA_CHAIN_POLICY = 5;
export const NFTA_CHAIN_TYPE = 7;
export const NFTA_HOOK_HOOKNUM = 1;
export const NFTA_HOOK_PRIORITY = 2;
export const NFTA_SET_TABLE = 1;
export const NFTA_SET_NAME = 2;
export const NFTA_SET_FLAGS = 3;
export const NFTA_SET_KEY_TYPE = 4;
export const NFTA_SET_KEY_LEN = 5;
export const NFTA_SET_ID = 10;
export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
export const NFTA_SET_ELEM_KEY = 1;
export const NFTA_LIST_ELEM = 1;
export const NFTA_DATA_VALUE = 1;
export const NFTA_DATA_VERDICT = 2;
export const NFTA_VERDICT_CODE = 1;
export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;
export const NFTA_META_DREG = 1;
export const NFTA_META_KEY = 2;
export const NFT_META_NFPROTO = 15;
export const NFT_META_L4PROTO = 16;
export const NFTA_CMP_SREG = 1;
export const NFTA_CMP_OP = 2;
export const NFTA_CMP_DATA = 3;
export const NFT_CMP_EQ = 0;
export const NFTA_PAYLOAD_DREG = 1;
export const NFTA_PAYLOAD_BASE = 2;
export const NFTA_PAYLOAD_OFFSET = 3;
export const NFTA_PAYLOAD_LEN = 4;
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
export const NFT_PAYLOAD_TRANSPORT_HEADER = 2;
export const NFTA_LOOKUP_SET = 1;
export const NFTA_LOOKUP_SREG = 2;
export const NFTA_LOOKUP_SET_ID = 4;
export const NFTA_IMMEDIATE_DREG = 1;
export const NFTA_IMMEDIATE_DATA = 2;
export const NFT_REG_VERDICT = 0;
export const NFT_REG_1 = 1;
