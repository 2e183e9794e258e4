// The command line of bench/failover.ts. Soak is opt-in: it holds a pair up for minutes per interval.

export interface BenchOptions {
  runs: number;
  quick: boolean;
  /** Minutes per soak interval, or null when the soak is skipped. */
  soakMinutes: number | null;
  /** --soak-only: skip parts 1–4 (a long soak on its own). */
  soakOnly: boolean;
  /** --soak-intervals 10,20: the advert intervals (ms) to soak; null for all of them. */
  soakIntervalsMs: number[] | null;
  /** --memory-only: part 3 (idle) and the memory table alone. */
  memoryOnly: boolean;
  /** --memory-soak-minutes M: vipd's memory while trackers flap, for M minutes; null when skipped. */
  memorySoakMinutes: number | null;
}

export const USAGE =
  "usage: bun bench/failover.ts [--runs N] [--quick] [--soak] [--soak-minutes M] [--soak-only] [--soak-intervals MS,MS] [--memory-only] [--memory-soak-minutes M]";
const DEFAULT_RUNS = 5;
const DEFAULT_SOAK_MINUTES = 10;
/** --quick soaks each interval for 30 s: enough to see it work, not a proof. */
const QUICK_SOAK_MINUTES = 0.5;

export function parseOptions(argv: string[]): BenchOptions {
  let runs: number | null = null;
  let quick = false;
  let soak = false;
  let soakMinutes: number | null = null;
  let soakOnly = false;
  let soakIntervalsMs: number[] | null = null;
  let memoryOnly = false;
  let memorySoakMinutes: number | null = null;
  const positive = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${text ?? "nothing"}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--soak") soak = true;
    else if (arg === "--runs") runs = Math.round(positive(arg, argv[++i]));
    else if (arg === "--soak-minutes") soakMinutes = positive(arg, argv[++i]);
    else if (arg === "--soak-only") soakOnly = soak = true;
    else if (arg === "--soak-intervals") soakIntervalsMs = (argv[++i] ?? "").split(",").map((ms) => Math.round(positive(arg, ms)));
    else if (arg === "--memory-only") memoryOnly = true;
    else if (arg === "--memory-soak-minutes") memorySoakMinutes = positive(arg, argv[++i]);
    else if (arg === "--help" || arg === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const minutes = soakMinutes ?? (soak ? (quick ? QUICK_SOAK_MINUTES : DEFAULT_SOAK_MINUTES) : null);
  return {
    runs: runs ?? (quick ? 1 : DEFAULT_RUNS),
    quick,
    soakMinutes: minutes,
    soakOnly,
    soakIntervalsMs,
    memoryOnly,
    memorySoakMinutes,
  };
}
