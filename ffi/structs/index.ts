// Every struct layout, for the header check in test/ffi/struct-layout.test.ts and for callers that want one import.
export * as cmsghdr from "./cmsghdr.ts";
export * as ifaddrmsg from "./ifaddrmsg.ts";
export * as ifinfomsg from "./ifinfomsg.ts";
export * as ifreq from "./ifreq.ts";
export * as iovec from "./iovec.ts";
export * as ipMreqn from "./ip-mreqn.ts";
export * as ipv6Mreq from "./ipv6-mreq.ts";
export * as msghdr from "./msghdr.ts";
export * as nlmsgerr from "./nlmsgerr.ts";
export * as nlmsghdr from "./nlmsghdr.ts";
export * as pollfd from "./pollfd.ts";
export * as rtattr from "./rtattr.ts";
export * as rtmsg from "./rtmsg.ts";
export * as sockaddrIn from "./sockaddr-in.ts";
export * as sockaddrIn6 from "./sockaddr-in6.ts";
export * as sockaddrLl from "./sockaddr-ll.ts";
export * as sockaddrNl from "./sockaddr-nl.ts";
