// Is another daemon answering on the control socket's path? Asked before a start changes anything: a second
// `vipd run` with the same socket would otherwise take the socket over (a start removes a file left there by a
// crashed run) and then contend with the first for its VIPs and IPVS services, as keepalived's pid file prevents.
// The Linux implementation is src/adapters/linux/socket-probe.ts.

/**
 * "answers": a process listens on the Unix socket at the path (its queue may be full); "free": nothing is there, a
 * socket nobody listens on (a crashed run's), or a file that is not a socket. Throws an AdapterError otherwise.
 */
export type ControlSocketProbe = (path: string) => "answers" | "free";
