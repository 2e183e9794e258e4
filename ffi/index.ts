// The public surface of ffi/: typed wrappers, constants, struct layouts and the error type. The raw dlopen symbol
// table (ffi/libc.ts) is deliberately not re-exported: every call goes through a wrapper that checks its result.
export {
  ambientSetHas,
  boundingSetHas,
  capget,
  capset,
  clearAmbientSet,
  dropFromBoundingSet,
  type ThreadCapabilities,
} from "./caps.ts";
export { monotonicMicroseconds } from "./clock.ts";
export * from "./constants.ts";
export { ERRNO, errnoName, SyscallError, type ErrnoCode } from "./errno.ts";
export { epollControl, epollCreate, epollWait } from "./epoll.ts";
export { execve } from "./exec.ts";
export { mkfifo } from "./fifo.ts";
export { LIBC_NAME } from "./libc.ts";
export { inNetworkNamespace } from "./netns.ts";
export { getGroupId, getPasswdEntry, type PasswdEntry } from "./nss.ts";
export {
  attachFilter,
  bindDevice,
  bindSocket,
  closeFd,
  connectSocket,
  getPid,
  getSockName,
  getsockoptBytes,
  getsockoptInt,
  ifNameToIndex,
  ioctlIfFlags,
  ioctlIfHwaddr,
  ioctlIfIndex,
  ioctlIfMtu,
  MsgBuffers,
  openSocket,
  optionName,
  peerCredentials,
  pollOne,
  recvFrom,
  recvMsg,
  sendMsg,
  sendTo,
  SOCKADDR_STORAGE_SIZE,
  SockaddrStorage,
  setsockoptBytes,
  setsockoptInt,
  stableBuffer,
} from "./socket.ts";
export * from "./structs/index.ts";
export { armTimerFd, disarmTimerFd, openTimerFd } from "./timerfd.ts";
