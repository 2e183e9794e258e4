// Reads a socket through Bun's own event loop (ARCHITECTURE §2): Bun.file(fd).stream() is driven by Bun's epoll on
// the main thread, so receiving costs no thread, no timer and no polling. A chunk may hold several datagrams (the
// caller splits them). The descriptor stays ours: cancel() detaches Bun from it, and only then may it be closed
// (closing first leaks Bun's registration).

export type ChunkHandler = (chunk: Uint8Array) => void;
/** Called once when the stream ends or fails without cancel(): for netlink this is ENOBUFS (events lost). */
export type EndHandler = (error: unknown) => void;

export class FdStream {
  private readonly reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> };
  private readonly loop: Promise<void>;
  private cancelled = false;

  constructor(fd: number, onChunk: ChunkHandler, onEnd: EndHandler) {
    this.reader = Bun.file(fd).stream().getReader();
    this.loop = this.pump(onChunk, onEnd);
  }

  private async pump(onChunk: ChunkHandler, onEnd: EndHandler): Promise<void> {
    let error: unknown = null;
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        if (!value || value.byteLength === 0) continue;
        try {
          onChunk(value);
        } catch (e) {
          // A failing handler must not stop reception; the error still surfaces as an uncaught exception.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    } catch (e) {
      error = e;
    }
    if (!this.cancelled) onEnd(error ?? new Error("stream ended"));
  }

  /** Stops reading and waits (bounded) until Bun has let go of the descriptor. Idempotent. */
  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    await this.reader.cancel().catch(() => undefined);
    await Promise.race([this.loop, Bun.sleep(1000)]);
  }
}
