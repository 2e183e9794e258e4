// Opening a checker's connection over node:net (SSL_GET's TLS, SMTP_CHECK's dialogue; TCP_CHECK and HTTP_GET use
// src/adapters/linux/stream-exchange.ts instead) with the whole check under one deadline: the socket is
// destroyed when the deadline passes, whatever it is doing, so a server that answers slowly in small pieces
// cannot stretch a check beyond connect_timeout. A check with bind_if or fwmark gets its socket from
// src/adapters/linux/placed-socket.ts (node:net can set neither), the rest from node:net directly.

import { createSocket } from "node:dgram";
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { connectPlacedStream, type PendingConnect, PlacedDatagram } from "../../adapters/linux/placed-socket.ts";
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

export interface CheckConnection {
  /** The socket once connected (after the TLS handshake for TLS); rejects with the socket's error. */
  readonly ready: Promise<Socket>;
  /** Ends the connection, or the attempt still under way. Idempotent. */
  close(): void;
}

/** True when the target asks for what only a placed socket can do. */
export function needsPlacedSocket(target: ConnectTarget): boolean {
  return target.bindInterface !== null || target.fwmark !== null;
}

/** Connects to the target; TLS does not verify the certificate, as keepalived. */
export function openConnection(target: ConnectTarget, tls: TlsOptions | null): CheckConnection {
  if (needsPlacedSocket(target)) return openPlacedConnection(target, tls);
  const common = {
    host: target.address,
    port: target.port,
    family: target.family,
    localAddress: target.bindAddress ?? undefined,
    localPort: target.bindPort ?? undefined,
  };
  const socket =
    tls === null ? tcpConnect(common) : tlsConnect({ ...common, rejectUnauthorized: false, servername: tls.serverName ?? undefined });
  const ready = new Promise<Socket>((resolve, reject) => {
    socket.once(tls === null ? "connect" : "secureConnect", () => resolve(socket));
    // Stays attached: a later error, once the caller listens too, must not be an unhandled 'error' event.
    socket.on("error", reject);
  });
  return { ready, close: () => socket.destroy() };
}

function openPlacedConnection(target: ConnectTarget, tls: TlsOptions | null): CheckConnection {
  const pending: PendingConnect = connectPlacedStream(target);
  let socket: Socket | null = null;
  let closed = false;
  const ready = pending.connected.then(
    (fd) =>
      new Promise<Socket>((resolve, reject) => {
        // node:net adopts the descriptor (and closes it when destroyed); it emits no 'connect' for it.
        const raw: Socket = tcpConnect({ fd } as unknown as { port: number });
        socket = tls === null ? raw : tlsConnect({ socket: raw, rejectUnauthorized: false, servername: tls.serverName ?? undefined });
        if (closed) socket.destroy();
        socket.on("error", reject);
        if (tls === null) resolve(socket);
        else socket.once("secureConnect", () => resolve(socket!));
      }),
  );
  return {
    ready,
    close: () => {
      closed = true;
      pending.cancel();
      socket?.destroy();
    },
  };
}

export interface CheckDatagram {
  send(payload: Buffer): void;
  close(): void;
}

/**
 * A UDP socket connected to the target (bound first to bindto / bind_port, placed with bind_if / fwmark): each
 * reply goes to onReply; an error (ECONNREFUSED for an ICMP port unreachable, a refused send) to onError.
 */
export function openDatagram(
  target: ConnectTarget,
  onReply: (reply: Buffer) => void,
  onError: (e: unknown) => void,
): Promise<CheckDatagram> {
  if (needsPlacedSocket(target)) {
    try {
      const socket = PlacedDatagram.open(target);
      socket.receive(onReply, onError);
      return Promise.resolve({
        send: (payload) => socket.send(payload),
        close: () => socket.close(),
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise<CheckDatagram>((resolve, reject) => {
    const socket = createSocket(target.family === 6 ? "udp6" : "udp4");
    let connected = false;
    socket.on("error", (e) => {
      if (connected) onError(e);
      else {
        socket.close();
        reject(e);
      }
    });
    socket.on("message", onReply);
    const start = () =>
      socket.connect(target.port, target.address, () => {
        connected = true;
        resolve({
          send: (payload) => socket.send(payload, (e) => e && onError(e)),
          close: () => socket.close(),
        });
      });
    if (target.bindAddress !== null || target.bindPort !== null) {
      socket.bind({ address: target.bindAddress ?? undefined, port: target.bindPort ?? 0 }, start);
    } else start();
  });
}

/** A short phrase for a socket error: its code when it has one (ECONNREFUSED, EHOSTUNREACH...). */
export function socketError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ?? err.message ?? String(e);
}
