// The control socket: a Unix socket answering GET /status (the snapshot as JSON) and POST /handover?instance=NAME
// [&undo=1]. Root only by its mode (0600); on top of that, a command that changes state is refused unless the
// connection's credentials (SO_PEERCRED, read when it is accepted) are root's or the daemon's user's.
//
// Why Bun.listen: Bun.serve and node:http hide the connection a request came on, while a Bun.listen socket carries
// its accepted descriptor (`fd`, not in Bun's types; Bun's own tests check it as node:net's `socket._handle.fd`).
// Reading SO_PEERCRED from that very descriptor in `open` ties the credentials to the exact connection, with no
// race and no polling. The alternative, our own listening socket through ffi, would have needed a readiness signal
// Bun cannot give for a listening descriptor (its fd streams read(), which a listening socket refuses: EINVAL).

import type { Socket, UnixSocketListener } from "bun";
import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { PeerCredentials, PeerCredentialsReader } from "../adapters/peer-credentials.ts";
import { type ControlCommand, decideAccess, refusalLine } from "./control-access.ts";
import { type ControlRequest, httpResponse, parseRequestHead } from "./control-http.ts";
import type { Log } from "./log.ts";
import type { StatusSnapshot } from "./status.ts";

/** A client has this long to send its request; then the connection is closed (what Bun.serve did before). */
const REQUEST_TIMEOUT_S = 10;

export interface ControlCommands {
  status(): StatusSnapshot;
  /** `vipd handover`: the problem, or null when done. */
  handover(instance: string | null, undo: boolean): string | null;
}

interface Connection {
  /** Null when the credentials could not be read: state-changing commands are then refused. */
  peer: PeerCredentials | null;
  received: string;
  /** The answer being written, and how much of it the socket took (a large status waits for `drain`). */
  answer: Uint8Array | null;
  written: number;
}

export class ControlSocket {
  private listener: UnixSocketListener<Connection> | null = null;
  /** The socket file's inode, so stop() never removes a socket another daemon has created since. */
  private inode = -1;
  private readonly latin1 = new TextDecoder("latin1");

  constructor(
    private readonly socketPath: string,
    private readonly commands: ControlCommands,
    private readonly peerCredentials: PeerCredentialsReader,
    private readonly log: Log,
    /** The user the daemon runs as: it may change state, as root may. */
    private readonly daemonUid: number,
  ) {}

  start(): void {
    mkdirSync(dirname(this.socketPath), { recursive: true });
    // A socket left by a crashed daemon would make the bind fail.
    if (existsSync(this.socketPath)) rmSync(this.socketPath, { force: true });
    this.listener = Bun.listen<Connection>({
      unix: this.socketPath,
      socket: {
        open: (socket) => {
          socket.data = { peer: this.readPeer(socket), received: "", answer: null, written: 0 };
          socket.timeout(REQUEST_TIMEOUT_S);
        },
        data: (socket, chunk) => this.received(socket, chunk),
        drain: (socket) => this.flush(socket),
        timeout: (socket) => {
          socket.end();
        },
        error: (_socket, error) => this.log.warn(`control socket: a connection failed: ${error.message}`),
      },
    });
    // Root only: the socket also takes commands that change state (handover).
    chmodSync(this.socketPath, 0o600);
    this.inode = statSync(this.socketPath).ino;
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
    const current = existsSync(this.socketPath) ? statSync(this.socketPath).ino : -1;
    if (current === this.inode) rmSync(this.socketPath, { force: true });
  }

  private readPeer(socket: Socket<Connection>): PeerCredentials | null {
    const fd = (socket as unknown as { fd?: unknown }).fd;
    try {
      if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0) throw new Error(`Bun gave no descriptor for it (fd: ${String(fd)})`);
      return this.peerCredentials(fd);
    } catch (error) {
      this.log.error(
        `control socket: cannot read a client's credentials, its commands that change state are refused: ${(error as Error).message}`,
      );
      return null;
    }
  }

  private received(socket: Socket<Connection>, chunk: Uint8Array): void {
    const connection = socket.data;
    if (connection.answer !== null) return; // one request per connection: anything after it is not read
    connection.received += this.latin1.decode(chunk);
    const head = parseRequestHead(connection.received);
    if (head.kind === "incomplete") return;
    connection.answer =
      head.kind === "bad" ? httpResponse(head.status, `${head.reason}\n`, "text/plain") : this.answerSafely(head.request, connection.peer);
    this.flush(socket);
  }

  /** A command that throws is a bug: the client hears so and the log says what, the daemon goes on. */
  private answerSafely(request: ControlRequest, peer: PeerCredentials | null): Uint8Array {
    try {
      return this.answer(request, peer);
    } catch (error) {
      this.log.error(`control socket: ${request.method} ${request.path} failed: ${(error as Error).stack ?? String(error)}`);
      return httpResponse(500, JSON.stringify({ ok: false, problem: `the daemon failed to answer: ${(error as Error).message}` }));
    }
  }

  private answer(request: ControlRequest, peer: PeerCredentials | null): Uint8Array {
    if (request.path === "/status" && request.method === "GET") return httpResponse(200, JSON.stringify(this.commands.status()));
    if (request.path !== "/handover" || request.method !== "POST") return httpResponse(404, "not found\n", "text/plain");
    const undo = request.query.get("undo") === "1";
    const command: ControlCommand = undo ? "handover --undo" : "handover";
    const access = decideAccess(command, peer, this.daemonUid);
    if (!access.allowed) {
      this.log.warn(refusalLine(command, peer, access.reason));
      return httpResponse(403, JSON.stringify({ ok: false, refused: true, problem: access.reason }));
    }
    const problem = this.commands.handover(request.query.get("instance"), undo);
    return problem === null ? httpResponse(200, JSON.stringify({ ok: true })) : httpResponse(409, JSON.stringify({ ok: false, problem }));
  }

  /** Writes what the socket takes now; the rest on `drain`. The connection closes once all is written. */
  private flush(socket: Socket<Connection>): void {
    const connection = socket.data;
    if (connection.answer === null) return;
    // Bun takes the length too: without it, it assumes the whole buffer from the offset on and throws.
    connection.written += socket.write(connection.answer, connection.written, connection.answer.byteLength - connection.written);
    if (connection.written >= connection.answer.byteLength) socket.end();
  }
}
