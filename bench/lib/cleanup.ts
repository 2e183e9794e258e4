// Clean-up that also runs on Ctrl-C / SIGTERM: the harness's own hook only runs on a normal exit, and a signal's
// default action would leave namespaces and keepalived behind. Handlers run newest first, each bounded.

type Cleanup = () => Promise<void> | void;

const handlers: Cleanup[] = [];
let installed = false;
let running: Promise<void> | null = null;

export function onCleanup(fn: Cleanup): void {
  handlers.push(fn);
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void runCleanup().finally(() => process.exit(130));
    });
  }
}

export function runCleanup(): Promise<void> {
  running ??= (async () => {
    for (const fn of handlers.splice(0).reverse()) {
      try {
        await Promise.race([fn(), Bun.sleep(5000)]);
      } catch (e) {
        console.error(`clean-up step failed: ${(e as Error).message}`);
      }
    }
  })();
  return running;
}
