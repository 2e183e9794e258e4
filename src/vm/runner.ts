// Boots a Debian kernel under qemu (software emulation, `microvm` machine) and runs one shell command in it, for the
// tests that need kernel features this machine's kernel lacks (IPVS). The guest sees the host's root read-only
// over 9p under a RAM overlay, so /work, bun and the host's tools are there; its init (src/vm/guest-init.sh)
// runs the command from a per-run directory shared read-write and leaves stdout, stderr and the exit status there.
// The image (kernel, modules, initramfs) is built by scripts/vm-image.sh, which scripts/install-deps.sh calls.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import guestInit from "./guest-init.sh" with { type: "text" };

export const DEFAULT_CACHE = "/var/cache/vipd-vm";

export interface VmRunOptions {
  /** A /bin/sh command line, run as root in the guest. */
  command: string;
  /**
   * The guest's working directory (a host path: the guest sees the host's tree, except /run and /dev/shm, which
   * are its own empty tmpfs). Default: this process's cwd.
   */
  cwd?: string;
  /** Added to the guest command's environment (PATH and HOME come from here or from this process). */
  env?: Record<string, string>;
  /** Whole run, boot included; qemu is killed (by its PID) when it runs out. Default 120 s. */
  timeoutMs?: number;
  /** From qemu's start to the guest's init saying it runs; a boot that misses it is retried once. Default 30 s. */
  bootTimeoutMs?: number;
  /** Image cache built by scripts/vm-image.sh. Default VIPD_VM_CACHE or /var/cache/vipd-vm. */
  cacheDir?: string;
}

export interface VmRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The guest's serial console: kernel messages (quiet) and init's progress lines. */
  console: string;
  /** qemu start to init's first line, of the boot that ran the command. */
  bootMs: number;
  /** qemu start to qemu exit, of the boot that ran the command. */
  totalMs: number;
  attempts: number;
}

/** The VM could not run the command (no image, boot hung twice, timeout, guest init failed); says why. */
export class VmError extends Error {
  constructor(
    message: string,
    readonly console = "",
  ) {
    super(console ? `${message}\n--- guest console (last lines) ---\n${lastLines(console, 30)}` : message);
    this.name = "VmError";
  }
}

interface VmImage {
  release: string;
  vmlinux: string;
  initramfs: string;
  modules: string;
}

const QEMU = "qemu-system-x86_64";
const INIT_LINE = "vipd-vm: init";
const FAILED_LINE = "vipd-vm: FAILED";

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** The first 16 hex digits of the SHA-256 of guest-init.sh, as scripts/vm-image.sh computes them. */
function guestInitSum(): string {
  const hasher = new Bun.CryptoHasher("sha256");
  // Imported as text, so that the compiled executable (`vipd lab --lb`) has it too.
  hasher.update(guestInit);
  return hasher.digest("hex").slice(0, 16);
}

/** Reads the image description scripts/vm-image.sh wrote; fails saying how to build it. */
export function loadImage(cacheDir = process.env.VIPD_VM_CACHE ?? DEFAULT_CACHE): VmImage {
  const envFile = join(cacheDir, "image.env");
  if (!existsSync(envFile)) {
    throw new VmError(`no VM image at ${envFile}: run \`bash scripts/install-deps.sh\` (it calls scripts/vm-image.sh) as root`);
  }
  const values = new Map<string, string>();
  for (const line of readFileSync(envFile, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new VmError(`${envFile} has no ${key}: rebuild it with scripts/vm-image.sh`);
    return value;
  };
  const release = get("VIPD_VM_RELEASE");
  const image = {
    release,
    vmlinux: get("VIPD_VM_VMLINUX"),
    // This tree's own init: scripts/vm-image.sh names the initramfs by the content of the init it packed.
    initramfs: join(cacheDir, `initramfs-${release}-${guestInitSum()}.cpio.gz`),
    modules: get("VIPD_VM_MODULES"),
  };
  for (const path of [image.vmlinux, image.initramfs, image.modules]) {
    if (!existsSync(path)) throw new VmError(`${path} is missing: run \`bash scripts/install-deps.sh\` (scripts/vm-image.sh) as root`);
  }
  return image;
}

/**
 * The host's TSC rate in kHz. Under emulation the guest reads the host's TSC; told its rate up front, the kernel
 * skips calibrating it against the emulated PIT, which hung ≈ 40 % of boots.
 */
export function hostTscKhz(): number {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const mhz = /^cpu MHz\s*:\s*([0-9.]+)/m.exec(cpuinfo);
  if (!mhz?.[1]) throw new VmError("cannot read the host's TSC rate (no `cpu MHz` in /proc/cpuinfo)");
  return Math.round(Number(mhz[1]) * 1000);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function runScript(options: VmRunOptions): string {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
    HOME: "/root",
    ...options.env,
  };
  const cwd = options.cwd ?? process.cwd();
  if (/^\/(run|dev\/shm)(\/|$)/.test(cwd)) throw new VmError(`the guest's /run and /dev/shm are its own empty tmpfs: cannot run in ${cwd}`);
  const lines = [`cd ${shellQuote(cwd)} || exit 125`];
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new VmError(`invalid environment variable name ${JSON.stringify(key)}`);
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  lines.push(options.command, "");
  return lines.join("\n");
}

function qemuArgs(image: VmImage, outDir: string, tscKhz: number): string[] {
  const append = [
    "console=ttyS0",
    "quiet",
    "panic=-1",
    `tsc_early_khz=${tscKhz}`,
    // microvm has no HPET or ACPI timer, and the kernel finds TCG's TSCs "unsynchronized", so without this the
    // guest's clock is refined-jiffies: 4 ms steps, and every clock_gettime a system call (≈ 1.4 µs). No real
    // server has that clock; it coarsened every timer in the guest and charged each clock read to the daemon
    // reading it. TCG's TSC is one counter for both vCPUs (checked: 20,000 CPU switches, never backwards), so
    // it is trusted: the vDSO reads it (≈ 0.2 µs) to the nanosecond, as on a real server.
    "tsc=reliable",
    `vipd_release=${image.release}`,
    `vipd_modules=${image.modules}`,
  ].join(" ");
  return [
    ...["-M", "microvm,rtc=on", "-cpu", "max", "-smp", "2", "-m", "1024"],
    ...["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot"],
    ...["-kernel", image.vmlinux, "-initrd", image.initramfs, "-append", append],
    // multidevs=remap: the host root spans several filesystems, whose inode numbers would collide in one export.
    ...["-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"],
    ...["-device", "virtio-9p-device,fsdev=hostroot,mount_tag=hostroot"],
    ...["-fsdev", `local,id=vmout,path=${outDir},security_model=none`],
    ...["-device", "virtio-9p-device,fsdev=vmout,mount_tag=vmout"],
  ];
}

/**
 * A guest CPU the soft-lockup watchdog reports stuck in the kernel this long is not coming back: seen once under
 * TCG (bench/checkers.ts, 1,000 TCP checks a second), both vCPUs stuck for 15 minutes until the run's timeout.
 */
const LOCKUP_GIVE_UP_S = 60;

/** The kernel's soft-lockup line that gives the run up (a CPU stuck ≥ LOCKUP_GIVE_UP_S), or null. */
export function kernelLockup(consoleText: string): string | null {
  // "watchdog: BUG: soft lockup - CPU#0 stuck for 827s! [HeapHelper:588]"
  for (const m of consoleText.matchAll(/soft lockup - CPU#\d+ stuck for (\d+)s! \[[^\]\n]*\]/g)) {
    if (Number(m[1]) >= LOCKUP_GIVE_UP_S) return m[0];
  }
  return null;
}

type BootOutcome = { kind: "exited"; console: string; bootMs: number; totalMs: number } | { kind: "hung"; console: string };

/** One qemu run: "hung" when init never spoke within the boot timeout; throws on the overall timeout. */
async function bootOnce(image: VmImage, outDir: string, tscKhz: number, bootTimeoutMs: number, deadline: number): Promise<BootOutcome> {
  const started = performance.now();
  const qemu = Bun.spawn([QEMU, ...qemuArgs(image, outDir, tscKhz)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  // qemu is not our process group's: should this process end first (a test runner giving up), take qemu along.
  const killOnExit = () => qemu.kill("SIGKILL");
  process.once("exit", killOnExit);
  let consoleText = "";
  let bootMs = -1;
  let timedOut: "boot" | "run" | undefined;
  let lockedUp: string | null = null;
  const check = (): void => {
    const now = performance.now();
    if (bootMs < 0 && now - started > bootTimeoutMs) timedOut = "boot";
    else if (now > deadline) timedOut = "run";
    if (timedOut) qemu.kill("SIGKILL");
  };
  const watchdog = setInterval(check, 200);
  const stderr = new Response(qemu.stderr).text();
  try {
    const decoder = new TextDecoder();
    for await (const chunk of qemu.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      consoleText += text;
      if (bootMs < 0 && consoleText.includes(INIT_LINE)) bootMs = performance.now() - started;
      // The new text and enough before it for a line cut in two: each part of the console is scanned once.
      if (lockedUp === null) {
        lockedUp = kernelLockup(consoleText.slice(-(text.length + 200)));
        if (lockedUp !== null) qemu.kill("SIGKILL");
      }
    }
    await qemu.exited;
  } finally {
    clearInterval(watchdog);
    process.off("exit", killOnExit);
  }
  consoleText += await stderr;
  if (lockedUp !== null) throw new VmError(`the guest kernel locked up (${lockedUp}): the run is given up (qemu killed)`, consoleText);
  if (timedOut === "boot") return { kind: "hung", console: consoleText };
  if (timedOut === "run") throw new VmError("the VM run timed out (qemu killed)", consoleText);
  if (qemu.exitCode !== 0) throw new VmError(`qemu exited with status ${qemu.exitCode}`, consoleText);
  if (consoleText.includes(FAILED_LINE)) throw new VmError("the guest's init failed", consoleText);
  return { kind: "exited", console: consoleText, bootMs, totalMs: performance.now() - started };
}

/** Boots the VM, runs `options.command` in it and returns its output and exit status. */
export async function runInVm(options: VmRunOptions): Promise<VmRunResult> {
  const image = loadImage(options.cacheDir);
  if (!Bun.which(QEMU)) throw new VmError(`${QEMU} not found: run \`bash scripts/install-deps.sh\``);
  const tscKhz = hostTscKhz();
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  const bootTimeoutMs = options.bootTimeoutMs ?? 30_000;
  const outDir = mkdtempSync(join(tmpdir(), "vipd-vm-"));
  try {
    writeFileSync(join(outDir, "run.sh"), runScript(options));
    let hungConsole = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
      const outcome = await bootOnce(image, outDir, tscKhz, bootTimeoutMs, deadline);
      if (outcome.kind === "hung") {
        hungConsole = outcome.console;
        continue;
      }
      const statusFile = join(outDir, "status");
      if (!existsSync(statusFile)) throw new VmError("the guest ended without writing the command's exit status", outcome.console);
      const exitCode = Number.parseInt(readFileSync(statusFile, "utf8").trim(), 10);
      if (!Number.isInteger(exitCode)) throw new VmError("the guest wrote an unreadable exit status", outcome.console);
      return {
        exitCode,
        stdout: readFileSync(join(outDir, "stdout"), "utf8"),
        stderr: readFileSync(join(outDir, "stderr"), "utf8"),
        console: outcome.console,
        bootMs: outcome.bootMs,
        totalMs: outcome.totalMs,
        attempts: attempt,
      };
    }
    throw new VmError(`the VM did not boot within ${bootTimeoutMs} ms, twice`, hungConsole);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
