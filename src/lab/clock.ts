// The lab's clock: epoch milliseconds with sub-millisecond precision, comparable with tcpdump's -tt kernel
// timestamps (both are the realtime clock; performance.now() adds the precision Date.now() lacks).

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
