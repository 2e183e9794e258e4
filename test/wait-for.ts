// Waits for a condition with a bound on time: tests never wait for ever.

export async function waitFor(condition: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (condition()) return true;
    await Bun.sleep(stepMs);
  }
  return condition();
}
