// The checker's output cut into lines and handed on a bounded number per event-loop turn. A burst (every check's
// result at once: 5,000 real servers failing together) is handled in slices with the VRRP daemon's timers between
// them, instead of one block that held adverts back by hundreds of milliseconds under the test VM's emulation
// (bench/checkers.ts, part 4). 25 lines are ≈ 10 ms of the interpreter-only daemon's work there.

export const LINES_PER_TURN = 25;

export interface LineReaderOptions {
  perTurn?: number;
  /** Runs `next` on a later turn of the event loop (default setImmediate). */
  later?: (next: () => void) => void;
}

/** Returns the function to feed each chunk to; `onLine` gets every complete line, in order, without its newline. */
export function lineReader(onLine: (line: string) => void, options: LineReaderOptions = {}): (chunk: Buffer | string) => void {
  const perTurn = options.perTurn ?? LINES_PER_TURN;
  const later = options.later ?? ((next) => void setImmediate(next));
  let pending = "";
  const lines: string[] = [];
  let head = 0;
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    const end = Math.min(lines.length, head + perTurn);
    // The position moves before each call: a line whose handler throws is not handed on again.
    while (head < end) onLine(lines[head++]!);
    if (head < lines.length) schedule();
    else {
      lines.length = 0;
      head = 0;
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    later(drain);
  };
  return (chunk) => {
    pending += typeof chunk === "string" ? chunk : chunk.toString();
    let start = 0;
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n", start)) {
      lines.push(pending.slice(start, newline));
      start = newline + 1;
    }
    pending = pending.slice(start);
    // The first slice at once, as before: a quiet channel's lines lose no time.
    if (!scheduled && lines.length > head) drain();
  };
}
