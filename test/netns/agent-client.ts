// The test side of fixtures/agent.ts: starts an agent in a lab host and talks to it line by line.
import { join } from "node:path";
import type { Lab, LabProcess } from "./harness.ts";

const AGENT = join(import.meta.dir, "fixtures", "agent.ts");

// biome-ignore lint/suspicious/noExplicitAny: answers are the agent's JSON, shaped by each op
export type Json = Record<string, any>;

export class Agent {
  private nextId = 1;
  private constructor(readonly proc: LabProcess) {}

  static async start(lab: Lab, host: string): Promise<Agent> {
    const proc = lab.spawn(host, [process.execPath, AGENT]);
    await proc.waitLine((l) => l.includes('"ready":true'), 10_000);
    return new Agent(proc);
  }

  /** Sends one command and waits (bounded) for its answer; a refusal throws with the adapter's message. */
  // biome-ignore lint/suspicious/noExplicitAny: answers are the agent's JSON, shaped by each op
  async call(op: string, args: Json = {}, timeoutMs = 10_000): Promise<any> {
    const id = this.nextId++;
    const from = this.proc.lines.length;
    this.proc.write(`${JSON.stringify({ id, op, ...args })}\n`);
    const { line } = await this.proc.waitLine((l) => l.startsWith(`{"id":${id},`), timeoutMs, from);
    const answer = JSON.parse(line) as Json;
    if (!answer.ok) throw Object.assign(new Error(`${op}: ${answer.error}`), { code: answer.code });
    return answer.result;
  }

  /** Every event line so far (from index `from` on) with event type `event`. */
  events(event: string, from = 0): Json[] {
    return this.proc.lines
      .slice(from)
      .filter((l) => l.startsWith('{"event":'))
      .map((l) => JSON.parse(l) as Json)
      .filter((e) => e.event === event);
  }

  get lineCount(): number {
    return this.proc.lines.length;
  }

  /** The first event at or after line `from` matching `pred`; rejects after `timeoutMs`. */
  async waitEvent(event: string, pred: (e: Json) => boolean, timeoutMs: number, from = 0): Promise<Json> {
    const { line } = await this.proc.waitLine(
      (l) => {
        if (!l.startsWith('{"event":')) return false;
        const e = JSON.parse(l) as Json;
        return e.event === event && pred(e);
      },
      timeoutMs,
      from,
    );
    return JSON.parse(line) as Json;
  }

  async stop(): Promise<void> {
    if (this.proc.exited) return;
    try {
      this.proc.closeInput();
    } catch {
      // already closed
    }
    await Promise.race([this.proc.proc.exited, Bun.sleep(2000)]);
    await this.proc.stop(500);
  }
}
