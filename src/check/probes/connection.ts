// Opening a checker's connection (TCP, or TLS over it) with the whole check under one deadline: the socket is
// destroyed when the deadline passes, whatever it is doing, so a server that answers slowly in small pieces
// cannot stretch a check beyond connect_timeout.

import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ConnectTarget } from "../check-definition.ts";

export interface Deadline {
  /** Resolves (never rejects) when the deadline passes. */
  readonly expired: Promise<"timeout">;
  cancel(): void;
}

export function deadline(ms: number): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return { expired, cancel: () => clearTimeout(timer) };
}

export interface TlsOptions {
  /** The TLS server name to send; null: none. */
  serverName: string | null;
}

/** A socket connecting to the target (not yet connected); TLS does not verify the certificate, as keepalived. */
export function openSocket(target: ConnectTarget, tls: TlsOptions | null): Socket {
  const common = {
    host: target.address,
    port: target.port,
    family: target.family,
    localAddress: target.bindAddress ?? undefined,
    localPort: target.bindPort ?? undefined,
  };
  if (tls === null) return tcpConnect(common);
  return tlsConnect({ ...common, rejectUnauthorized: false, servername: tls.serverName ?? undefined });
}

/** A short phrase for a socket error: its code when it has one (ECONNREFUSED, EHOSTUNREACH...). */
export function socketError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ?? err.message ?? String(e);
}
