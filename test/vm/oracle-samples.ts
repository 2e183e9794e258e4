// The corpus's load-balancing samples made ready for the oracle (test/vm/lvs-oracle.test.ts): each sample with its
// health checkers, VRRP blocks and global_defs taken out, so that keepalived's checker process and vipd both set up
// every real server as up (a real server without a checker is up, for both) and nothing needs the sample's
// interfaces or mail server; then `vipd convert`ed. keepalived runs the stripped file, vipd the converted one.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { convertKeepalived } from "../../src/convert/convert.ts";
import { KEEPALIVED_SAMPLES } from "../shared-corpus.ts";

/** keepalived 2.2.7's checker blocks: all of them, so that no real server is ever marked down. */
const CHECKERS = [
  "HTTP_GET",
  "SSL_GET",
  "TCP_CHECK",
  "SMTP_CHECK",
  "MISC_CHECK",
  "UDP_CHECK",
  "DNS_CHECK",
  "PING_CHECK",
  "BFD_CHECK",
  "FILE_CHECK",
];
/**
 * Everything but the LVS part: VRRP needs the sample's interfaces and would add its VIPs; global_defs carries the
 * samples' SMTP servers (addresses outside any test network), so of it only the LVS settings in GLOBAL_LVS stay.
 */
const NOT_LVS = ["vrrp_instance", "vrrp_sync_group", "vrrp_script", "static_ipaddress", "static_routes", "static_rules"];
const STRIPPED = new Set([...CHECKERS, ...NOT_LVS]);
const GLOBAL_LVS = new Set(["lvs_timeouts"]);

export interface OracleSample {
  name: string;
  /** The sample without checkers and non-LVS blocks: what keepalived runs. */
  keepalived: string;
  /** `vipd convert` of that text: what vipd runs. */
  toml: string;
}

/**
 * Removes the blocks named in STRIPPED, counting braces (blocks nest: HTTP_GET { url { … } }), and global_defs'
 * lines but those in GLOBAL_LVS.
 */
export function stripForOracle(text: string): string {
  const kept: string[] = [];
  let skipDepth = 0;
  let globalDepth = 0;
  for (const line of text.split("\n")) {
    const code = line.replace(/[!#].*$/, "");
    const opens = (code.match(/\{/g) ?? []).length;
    const closes = (code.match(/\}/g) ?? []).length;
    const keyword = code.trim().split(/\s+/)[0] ?? "";
    if (skipDepth > 0) {
      skipDepth += opens - closes;
    } else if (globalDepth > 0) {
      globalDepth += opens - closes;
      if (globalDepth === 0 || (globalDepth === 1 && opens === 0 && GLOBAL_LVS.has(keyword))) kept.push(line);
    } else if (keyword === "global_defs" && opens > 0) {
      globalDepth = opens - closes;
      kept.push(line);
    } else if (STRIPPED.has(keyword) && opens > 0) {
      skipDepth = opens - closes;
    } else {
      kept.push(line);
    }
  }
  if (skipDepth !== 0 || globalDepth !== 0) throw new Error("unbalanced braces in a sample");
  return kept.join("\n");
}

/** vipd's own samples, for what the corpus leaves out. */
export const OWN_SAMPLES = join(import.meta.dir, "fixtures");

/**
 * The samples (the corpus's, then vipd's own) that hold a virtual_server, stripped and converted; throws (naming
 * the sample) when convert fails.
 */
export function oracleSamples(scratch: string, dirs = [KEEPALIVED_SAMPLES, OWN_SAMPLES]): OracleSample[] {
  const samples: OracleSample[] = [];
  for (const [dir, name] of dirs.flatMap((dir) =>
    readdirSync(dir)
      .sort()
      .map((name) => [dir, name] as const),
  )) {
    if (!name.startsWith("keepalived.conf.")) continue;
    const text = readFileSync(join(dir, name), "utf8");
    if (!/^\s*virtual_server\s/m.test(text)) continue;
    const keepalived = stripForOracle(text);
    const path = join(scratch, name);
    writeFileSync(path, keepalived);
    const converted = convertKeepalived(path);
    if (converted.toml === null) throw new Error(`vipd convert refused ${name}: ${JSON.stringify(converted.errors)}`);
    samples.push({ name, keepalived, toml: converted.toml });
  }
  return samples;
}
