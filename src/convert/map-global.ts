// global_defs → [global]. Some global keepalived settings are defaults of every instance (skip_check_adv_addr,
// the notify FIFO); they are collected here and written into the instances later.

import { MAX_DOWN_TIMER_ADVERTS } from "../config/election-section.ts";
import { MAX_GARP_REPEAT, MAX_GARP_SECONDS, MAX_LIFECYCLE_TIMEOUT_S, MAX_STARTUP_DELAY_S } from "../config/global-section.ts";
import type { ConvertContext } from "./convert-context.ts";
import { mapGarpExtraIf } from "./map-garp-extra-if.ts";
import { commandValue } from "./notify-command.ts";
import type { TomlSection, TomlValue } from "./toml-writer.ts";
import type { ConfNode } from "./types.ts";
import { GLOBAL_UNSUPPORTED } from "./unsupported-keywords.ts";
import { addressArg, boolArg, decimalArg, firstArg, intArg, numberValue } from "./values.ts";
import { walkBlock, type Handler } from "./walk-block.ts";

export interface GlobalDefaults {
  vrrpVersion: 2 | 3;
  skipCheckAdvAddr: boolean;
  /** vrrp_strict, written as [global] vrrp_strict; the instances' rules that are clearer written out use it. */
  strict: boolean;
  /** vrrp_check_unicast_src: without it keepalived accepts unicast adverts from any source (vipd's default checks). */
  checkUnicastSrc: boolean;
  /** notify_fifo / vrrp_notify_fifo, which keepalived writes for every instance. */
  notifyFifo: { path: string; node: ConfNode } | null;
  /** notify_fifo_script / vrrp_notify_fifo_script, by the keyword of the FIFO each one reads. */
  notifyFifoScripts: Map<string, { value: TomlValue; node: ConfNode }>;
}

/** keepalived's vrrp_garp_* spelling → vipd's key. */
const GARP_KEYS: Record<string, { key: string; repeat: boolean }> = {
  vrrp_garp_master_delay: { key: "garp_master_delay", repeat: false },
  vrrp_garp_master_repeat: { key: "garp_master_repeat", repeat: true },
  vrrp_garp_lower_prio_delay: { key: "garp_lower_prio_delay", repeat: false },
  vrrp_garp_lower_prio_repeat: { key: "garp_lower_prio_repeat", repeat: true },
  vrrp_garp_master_refresh: { key: "garp_master_refresh", repeat: false },
  vrrp_garp_master_refresh_repeat: { key: "garp_master_refresh_repeat", repeat: true },
};

export function newGlobalDefaults(): GlobalDefaults {
  return { vrrpVersion: 2, skipCheckAdvAddr: false, checkUnicastSrc: false, strict: false, notifyFifo: null, notifyFifoScripts: new Map() };
}

export function mapGlobalDefs(ctx: ConvertContext, section: TomlSection, block: ConfNode, defaults: GlobalDefaults): void {
  const setString = (key: string) => (node: ConfNode) => {
    const value = firstArg(ctx, node, "a word");
    if (value !== null) section.set(key, node.args.join(" "));
  };
  const setBool = (key: string) => (node: ConfNode) => {
    const value = boolArg(ctx, node);
    if (value !== null) section.set(key, value);
  };
  const garp = (node: ConfNode) => {
    const { key, repeat } = GARP_KEYS[node.keyword]!;
    const value = repeat ? intArg(ctx, node, 1, MAX_GARP_REPEAT) : decimalArg(ctx, node, 0, MAX_GARP_SECONDS);
    if (value !== null) section.set(key, numberValue(value));
  };
  const interval = (key: string) => (node: ConfNode) => {
    const value = decimalArg(ctx, node, 0, 10);
    if (value !== null) section.set(key, numberValue(value));
  };
  const fifo = (node: ConfNode) => {
    const path = firstArg(ctx, node, "a FIFO path");
    if (path === null) return;
    if (defaults.notifyFifo !== null && defaults.notifyFifo.node.keyword !== node.keyword) {
      const other = defaults.notifyFifo.node.keyword;
      ctx.unsupported(section, node, `a second FIFO besides ${other}; vipd writes one FIFO per instance, ${other} is kept`, false);
      return;
    }
    defaults.notifyFifo = { path, node };
    if (node.args.length > 1) {
      ctx.warn(
        section,
        node,
        `owner ${node.args.slice(1).join(" ")} of the FIFO: not supported by vipd (keepalived created the FIFO with this owner)`,
      );
    }
  };
  const program = (node: ConfNode) => {
    const value = commandValue(ctx, node);
    if (value !== null) section.set(node.keyword, value);
  };
  const scriptTimeout = (node: ConfNode) => {
    const value = intArg(ctx, node, 1, MAX_LIFECYCLE_TIMEOUT_S);
    if (value !== null) section.set(node.keyword, value);
  };
  const fifoScript = (node: ConfNode) => {
    const value = commandValue(ctx, node);
    if (value !== null) defaults.notifyFifoScripts.set(node.keyword.replace(/_script$/, ""), { value, node });
  };
  let vrrpAlertSet = false;
  const handlers: Record<string, Handler> = {
    router_id: setString("router_id"),
    script_user: (node) => {
      if (firstArg(ctx, node, "a user name") !== null) section.set("script_user", node.args.slice(0, 2).join(" "));
    },
    enable_script_security: () => section.set("enable_script_security", true),
    vrrp_version: (node) => {
      const version = intArg(ctx, node, 2, 3);
      if (version === null) return;
      defaults.vrrpVersion = version as 2 | 3;
      section.set("vrrp_version", version);
    },
    vrrp_mcast_group4: (node) => {
      if (addressArg(ctx, node) !== null) section.set("vrrp_mcast_group4", node.args[0]!);
    },
    vrrp_mcast_group6: (node) => {
      if (addressArg(ctx, node) !== null) section.set("vrrp_mcast_group6", node.args[0]!);
    },
    ...Object.fromEntries(Object.keys(GARP_KEYS).map((k) => [k, garp])),
    vrrp_garp_interval: interval("garp_interval"),
    vrrp_garp_extra_if: (node) => mapGarpExtraIf(ctx, section, node),
    vrrp_vmac_garp_intvl: (node) => mapGarpExtraIf(ctx, section, node),
    vrrp_startup_delay: (node) => {
      const value = decimalArg(ctx, node, 0, MAX_STARTUP_DELAY_S);
      if (value !== null) section.set("vrrp_startup_delay", numberValue(value));
    },
    vrrp_gna_interval: interval("gna_interval"),
    vrrp_min_garp: (node) => {
      if (boolArg(ctx, node) !== true) return;
      section.set("garp_master_repeat", 1, "from vrrp_min_garp: one message per burst");
      section.set("garp_master_delay", 0, "from vrrp_min_garp: no second burst");
    },
    notification_email: (node) => {
      const emails = (node.children ?? []).flatMap((c) => [c.keyword, ...c.args]);
      section.set("notification_email", emails);
    },
    notification_email_from: setString("notification_email_from"),
    smtp_server: (node) => {
      const host = firstArg(ctx, node, "a host name or address");
      if (host === null) return;
      section.set("smtp_server", host);
      if (node.args[1] === undefined) return;
      const port = intArg(ctx, { ...node, args: node.args.slice(1) }, 1, 65535);
      if (port !== null) section.set("smtp_port", port);
    },
    smtp_helo_name: setString("smtp_helo_name"),
    lvs_timeouts: (node) => {
      const timeouts: Record<string, number> = {};
      for (let i = 0; i < node.args.length; i += 2) {
        const key = node.args[i]!;
        if (key !== "tcp" && key !== "tcpfin" && key !== "udp") {
          ctx.error(node, `lvs_timeouts: unknown timeout '${key}' (tcp, tcpfin or udp)`);
          return;
        }
        const value = intArg(ctx, node, 0, 86400 * 31, node.args[i + 1]);
        if (value === null) return;
        timeouts[key] = value;
      }
      if (Object.keys(timeouts).length === 0) ctx.error(node, "lvs_timeouts: missing values (tcp N, tcpfin N, udp N)");
      else section.set("lvs_timeouts", timeouts);
    },
    smtp_connect_timeout: (node) => {
      const value = intArg(ctx, node, 1, 3600);
      if (value !== null) section.set("smtp_connect_timeout", value);
    },
    // keepalived: smtp_alert_vrrp, wherever it is written, wins over smtp_alert for VRRP.
    smtp_alert: (node) => {
      const value = boolArg(ctx, node);
      if (value !== null && !vrrpAlertSet) section.set("smtp_alert", value);
    },
    smtp_alert_checker: (node) => {
      const value = boolArg(ctx, node);
      if (value !== null) section.set("smtp_alert_checker", value);
    },
    checker_log_all_failures: (node) => {
      const value = boolArg(ctx, node);
      if (value !== null) section.set("checker_log_all_failures", value);
    },
    smtp_alert_vrrp: (node) => {
      const value = boolArg(ctx, node);
      if (value === null) return;
      vrrpAlertSet = true;
      section.set("smtp_alert", value, "from smtp_alert_vrrp");
    },
    no_email_faults: () => section.set("no_email_faults", true),
    dynamic_interfaces: (node) => {
      section.set("dynamic_interfaces", true);
      if (node.args.includes("allow_if_changes")) {
        ctx.warn(section, node, "allow_if_changes: not supported by vipd (keepalived accepted an interface recreated with another type)");
      }
    },
    vrrp_lower_prio_no_advert: setBool("lower_prio_no_advert"),
    vrrp_higher_prio_send_advert: setBool("higher_prio_send_advert"),
    vrrp_down_timer_adverts: (node) => {
      const value = intArg(ctx, node, 1, MAX_DOWN_TIMER_ADVERTS);
      if (value !== null) section.set("down_timer_adverts", value);
    },
    vrrp_check_unicast_src: () => {
      defaults.checkUnicastSrc = true;
    },
    vrrp_skip_check_adv_addr: (node) => {
      defaults.skipCheckAdvAddr = boolArg(ctx, node) ?? false;
    },
    notify_fifo: fifo,
    vrrp_notify_fifo: fifo,
    notify_fifo_script: fifoScript,
    vrrp_notify_fifo_script: fifoScript,
    startup_script: program,
    startup_script_timeout: scriptTimeout,
    shutdown_script: program,
    shutdown_script_timeout: scriptTimeout,
    vrrp_strict: () => {
      defaults.strict = true;
      section.set("vrrp_strict", true);
    },
  };
  walkBlock(ctx, section, block.children ?? [], handlers, GLOBAL_UNSUPPORTED);
  // A FIFO script whose FIFO vipd does not write (none, or the other one of notify_fifo / vrrp_notify_fifo).
  for (const [fifoKeyword, { node }] of defaults.notifyFifoScripts) {
    if (defaults.notifyFifo?.node.keyword === fifoKeyword) continue;
    const why = defaults.notifyFifo === null ? `without ${fifoKeyword}` : `for ${fifoKeyword}, which vipd does not write`;
    ctx.unsupported(section, node, `ran a program that read the notify FIFO (${why} there is nothing to read)`, true);
  }
}

/**
 * Where vipd deliberately behaves better than keepalived by default, the output says so, with the setting that
 * gives keepalived's behaviour back. Handover changes no wire behaviour: keepalived backups take over from a
 * vipd that hands over exactly as from a keepalived that releases at once. The advert before yielding is one
 * more advert a keepalived peer already handles (it answers a lower priority as MASTER, ignores it as BACKUP).
 */
export function writeKeepalivedDefaults(section: TomlSection): void {
  section.comment("On stop, a MASTER keeps its addresses until the new master advertises (no lost packet);");
  section.comment("keepalived released them at once. shutdown_handover = false gives keepalived's behaviour.");
  if (section.has("higher_prio_send_advert")) return;
  section.comment("A MASTER yielding to a higher priority advertises once first, so that after a partition heals the");
  section.comment("winner re-announces the addresses at once; higher_prio_send_advert = false gives keepalived's behaviour.");
}
