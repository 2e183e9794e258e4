// The scheduler's alarm on Linux: a timerfd read through Bun's event loop like the sockets (fd-stream.ts), so a
// deadline keeps its fraction of a millisecond and gets none of a timed epoll wait's slack.
import { armTimerFd, closeFd, disarmTimerFd, openTimerFd } from "../../../ffi/index.ts";
import type { Alarm, AlarmFactory } from "../../clock/alarm.ts";
import { adapterCall, toAdapterError } from "../adapter-error.ts";
import { FdStream } from "./fd-stream.ts";

class TimerFdAlarm implements Alarm {
  private readonly fd = adapterCall("open the scheduler's timerfd", openTimerFd);
  private readonly stream: FdStream;
  private closed = false;

  constructor(onAlarm: () => void) {
    // Each read is one expiry (its 8-byte count). One that Bun had read before a cancel or a new setting still
    // arrives: the scheduler checks its deadline on every ring.
    this.stream = new FdStream(
      this.fd,
      () => onAlarm(),
      (error) => {
        throw new Error(`the scheduler's timerfd stopped delivering expiries: ${String(error)}`);
      },
    );
  }

  set(waitMs: number): void {
    if (this.closed) return;
    try {
      armTimerFd(this.fd, waitMs);
    } catch (error) {
      throw toAdapterError(`arm the scheduler's timerfd for ${waitMs} ms`, error);
    }
  }

  cancel(): void {
    if (this.closed) return;
    try {
      disarmTimerFd(this.fd);
    } catch (error) {
      throw toAdapterError("disarm the scheduler's timerfd", error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancel();
    this.closed = true;
    await this.stream.cancel();
    adapterCall("close the scheduler's timerfd", () => closeFd(this.fd));
  }
}

export const timerFdAlarms: AlarmFactory = (onAlarm) => new TimerFdAlarm(onAlarm);
