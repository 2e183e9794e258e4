// Checks across sections: names that must refer to something, VRIDs that must not collide, sync group
// membership, and the programs the config would run.

import { familyName } from "./address.ts";
import type { Problems } from "./config-error.ts";
import type { InstanceRead } from "./instance-section.ts";
import type { PathSegment } from "./key-path.ts";
import { checkProgram, type ProgramCheckOptions } from "./program-check.ts";
import type {
  Command,
  GlobalConfig,
  NotifyCommands,
  ScriptSection,
  TrackFileSection,
  TrackProcessSection,
  VirtualServerSection,
} from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import { defaultVmacNames } from "./vmac.ts";
import type { SyncGroupRead } from "./sync-group-section.ts";

/** Everything declared, also sections that had errors, so one mistake does not cause a cascade of others. */
export interface Declared {
  instances: string[];
  scripts: string[];
  trackFiles: string[];
  trackProcesses: string[];
}

export function checkVrids(problems: Problems, instances: InstanceRead[]): void {
  const seen = new Map<string, string>();
  for (const { instance, path } of instances) {
    if (instance.interface === "" || instance.virtualRouterId === 0) continue; // already reported
    const id = `${instance.interface} ${instance.family} ${instance.virtualRouterId}`;
    const other = seen.get(id);
    if (other !== undefined) {
      problems.error(
        [...path, "virtual_router_id"],
        `${instance.virtualRouterId} is already used by instance ${other} on ${instance.interface} (${familyName(instance.family)}); ` +
          "each instance on an interface and family needs its own VRID",
      );
    } else {
      seen.set(id, instance.name);
    }
  }
}

/**
 * `use_vmac = true` takes keepalived's first default name no other instance has (after the names given); a VMAC
 * name is then one instance's only, and not another instance's interface (keepalived refuses both).
 */
export function checkVmacNames(problems: Problems, instances: InstanceRead[]): void {
  const owner = new Map<string, string>();
  const interfaces = new Set(instances.map((i) => i.instance.interface));
  const taken = new Set([...interfaces, ...instances.flatMap((i) => (i.instance.vmac?.name ? [i.instance.vmac.name] : []))]);
  for (const { instance } of instances) {
    if (instance.vmac?.name !== "") continue;
    const candidates = defaultVmacNames(instance.virtualRouterId, instance.family);
    instance.vmac.name = candidates.find((n) => !taken.has(n)) ?? candidates[0]!;
    taken.add(instance.vmac.name);
  }
  for (const { instance, path } of instances) {
    if (!instance.vmac) continue;
    const at = [...path, "use_vmac"];
    const other = owner.get(instance.vmac.name);
    if (other !== undefined) {
      problems.error(at, `VMAC ${instance.vmac.name} is already instance ${other}'s; give this one its own: use_vmac = "NAME"`);
    } else if (interfaces.has(instance.vmac.name)) {
      problems.error(at, `VMAC ${instance.vmac.name} is an instance's interface; a VMAC is a macvlan vipd creates, give it another name`);
    }
    owner.set(instance.vmac.name, instance.name);
  }
}

export function checkTrackNames(problems: Problems, instances: InstanceRead[], declared: Declared): void {
  for (const read of instances) {
    for (const { ref, path } of read.trackScriptAt) {
      if (!declared.scripts.includes(ref.name)) {
        problems.error(path, `no script "${ref.name}"${didYouMean(ref.name, declared.scripts)}; define it as [scripts.${ref.name}]`);
      }
    }
    for (const { ref, path } of read.trackFileAt) {
      if (!declared.trackFiles.includes(ref.name)) {
        const hint = didYouMean(ref.name, declared.trackFiles);
        problems.error(path, `no track file "${ref.name}"${hint}; define it as [track_files.${ref.name}]`);
      }
    }
    for (const { ref, path } of read.trackProcessAt) {
      if (!declared.trackProcesses.includes(ref.name)) {
        const hint = didYouMean(ref.name, declared.trackProcesses);
        problems.error(path, `no track process "${ref.name}"${hint}; define it as [track_processes.${ref.name}]`);
      }
    }
  }
}

/** Members must exist and belong to one group only. */
export function checkSyncGroups(problems: Problems, groups: SyncGroupRead[], declared: Declared): void {
  const groupOf = new Map<string, string>();
  for (const { group, memberAt } of groups) {
    group.group.forEach((member, i) => {
      const at = memberAt[i]!;
      if (!declared.instances.includes(member)) {
        problems.error(at, `no instance "${member}"${didYouMean(member, declared.instances)}`);
        return;
      }
      const other = groupOf.get(member);
      if (other === group.name) problems.error(at, `${member} is listed twice`);
      else if (other !== undefined) problems.error(at, `${member} is already in sync group ${other}; an instance can be in one group only`);
      else groupOf.set(member, group.name);
    });
    if (group.group.length === 1) {
      problems.warn(["sync_groups", group.name, "group"], "has a single instance; a group needs two to do anything");
    }
  }
}

/**
 * keepalived sets the tracking weights of grouped instances to 0 (unless sync_group_tracking_weight), since
 * differing priorities inside a group make it flap. vipd does the same and says so.
 */
export function zeroGroupedWeights(
  problems: Problems,
  instances: InstanceRead[],
  groups: SyncGroupRead[],
  scripts: ScriptSection[],
  trackFiles: TrackFileSection[],
  trackProcesses: TrackProcessSection[],
): void {
  for (const { group } of groups) {
    if (group.syncGroupTrackingWeight) continue;
    for (const read of instances) {
      if (!group.group.includes(read.instance.name)) continue;
      const lists = [
        { at: read.trackScriptAt, own: (name: string) => scripts.find((s) => s.name === name)?.weight },
        { at: read.trackFileAt, own: (name: string) => trackFiles.find((f) => f.name === name)?.weight },
        { at: read.trackProcessAt, own: (name: string) => trackProcesses.find((p) => p.name === name)?.weight },
      ];
      for (const { at, own } of lists) {
        for (const { ref, path } of at) {
          const weight = ref.weight ?? own(ref.name) ?? 0;
          if (weight === 0) continue;
          problems.warn(
            path,
            `weight ${weight} is set to 0 because ${read.instance.name} is in sync group ${group.name} ` +
              "(set sync_group_tracking_weight = true to keep it)",
          );
          ref.weight = 0;
        }
      }
    }
  }
}

export function checkUnused(
  problems: Problems,
  instances: InstanceRead[],
  scripts: ScriptSection[],
  trackFiles: TrackFileSection[],
  trackProcesses: TrackProcessSection[],
): void {
  const used = (pick: (r: InstanceRead) => { ref: { name: string } }[], name: string) =>
    instances.some((r) => pick(r).some((t) => t.ref.name === name));
  for (const script of scripts) {
    if (used((r) => r.trackScriptAt, script.name)) continue;
    problems.warn(["scripts", script.name], "is not tracked by any instance and will not run");
  }
  for (const file of trackFiles) {
    if (used((r) => r.trackFileAt, file.name)) continue;
    problems.warn(["track_files", file.name], "is not tracked by any instance and will not be read");
  }
  for (const tracked of trackProcesses) {
    if (used((r) => r.trackProcessAt, tracked.name)) continue;
    problems.warn(["track_processes", tracked.name], "is not tracked by any instance and will not be watched");
  }
}

/**
 * smtp_alert needs somewhere to send to, and the mail settings need something to send (a virtual server's quorum,
 * or a real server a check moves, counts).
 */
export function checkMail(
  problems: Problems,
  global: GlobalConfig,
  instances: InstanceRead[],
  groups: SyncGroupRead[],
  virtualServers: readonly VirtualServerSection[] = [],
): void {
  const alerting = [
    ...instances.filter((r) => r.instance.smtpAlert).map((r) => ["instances", r.instance.name]),
    ...groups.filter((g) => g.group.smtpAlert).map((g) => ["sync_groups", g.group.name]),
    ...virtualServers.filter((vs) => vs.smtpAlert).map((vs) => ["virtual_servers", vs.name]),
  ];
  const checkerMail = virtualServers.some((vs) => vs.realServers.some((rs) => rs.smtpAlert && rs.checks.length > 0));
  const canSend = global.notificationEmail.length > 0 && global.smtpServer !== null;
  if (alerting.length > 0 && !canSend) {
    const at = global.smtpAlert ? ["global"] : alerting[0]!;
    problems.warn([...at, "smtp_alert"], "is true, but no mail is sent without [global] notification_email and smtp_server");
  }
  if (alerting.length === 0 && !checkerMail && canSend) {
    problems.warn(["global", "smtp_server"], "no instance or sync group has smtp_alert = true: no mail will be sent");
  }
}

/** Every command the config would run, with the key that names it. */
export function* commandsOf(
  instances: InstanceRead[],
  groups: SyncGroupRead[],
  scripts: ScriptSection[],
  virtualServers: readonly VirtualServerSection[] = [],
  global?: LifecycleScripts,
): Generator<{ at: PathSegment[]; command: Command }> {
  if (global?.startupScript) yield { at: ["global", "startup_script"], command: global.startupScript };
  if (global?.shutdownScript) yield { at: ["global", "shutdown_script"], command: global.shutdownScript };
  for (const script of scripts) yield { at: ["scripts", script.name, "script"], command: script.script };
  for (const { instance, path } of instances) {
    if (instance.notifyFifoScript) yield { at: [...path, "notify_fifo_script"], command: instance.notifyFifoScript };
  }
  for (const vs of virtualServers) {
    const vsAt: PathSegment[] = ["virtual_servers", vs.name];
    if (vs.quorumUp) yield { at: [...vsAt, "quorum_up"], command: vs.quorumUp };
    if (vs.quorumDown) yield { at: [...vsAt, "quorum_down"], command: vs.quorumDown };
    for (let i = 0; i < vs.realServers.length; i++) {
      const rs = vs.realServers[i]!;
      if (rs.notifyUp === null && rs.notifyDown === null && rs.checks.length === 0) continue;
      if (rs.notifyUp) yield { at: [...vsAt, "real_servers", i, "notify_up"], command: rs.notifyUp };
      if (rs.notifyDown) yield { at: [...vsAt, "real_servers", i, "notify_down"], command: rs.notifyDown };
      for (const { at, definition: c } of rs.checks) {
        if (c.kind === "MISC_CHECK") yield { at: [...at, "misc_path"], command: { raw: c.command, argv: c.argv, runAs: c.runAs } };
      }
    }
  }
  const notifies = function* (base: PathSegment[], notify: NotifyCommands) {
    const keys = [
      ["notify_master", notify.master],
      ["notify_backup", notify.backup],
      ["notify_fault", notify.fault],
      ["notify_stop", notify.stop],
      ["notify", notify.any],
    ] as const;
    for (const [key, command] of keys) if (command) yield { at: [...base, key], command };
  };
  for (const { instance, path } of instances) yield* notifies(path, instance.notify);
  for (const { group } of groups) yield* notifies(["sync_groups", group.name], group.notify);
}

export function checkPrograms(
  problems: Problems,
  instances: InstanceRead[],
  groups: SyncGroupRead[],
  scripts: ScriptSection[],
  virtualServers: readonly VirtualServerSection[],
  options: ProgramCheckOptions,
  global?: LifecycleScripts,
): void {
  for (const { at, command } of commandsOf(instances, groups, scripts, virtualServers, global))
    checkProgram(problems, at, command, options);
}

type LifecycleScripts = Pick<GlobalConfig, "startupScript" | "shutdownScript">;

/**
 * notify_fifo_script reads the instance's notify_fifo, so it needs one; instances sharing a FIFO share its one
 * reader, so they must name the same program.
 */
export function checkNotifyFifoScripts(problems: Problems, instances: InstanceRead[]): void {
  const readers = new Map<string, { raw: string; name: string }>();
  for (const { instance, path } of instances) {
    const script = instance.notifyFifoScript;
    if (script === null) continue;
    if (instance.notifyFifo === null) {
      problems.error([...path, "notify_fifo_script"], "needs notify_fifo: the program is started to read that FIFO");
      continue;
    }
    const other = readers.get(instance.notifyFifo);
    if (other === undefined) readers.set(instance.notifyFifo, { raw: script.raw, name: instance.name });
    else if (other.raw !== script.raw) {
      problems.error(
        [...path, "notify_fifo_script"],
        `differs from instance ${other.name}'s for the same notify_fifo ${instance.notifyFifo}: one FIFO has one reader`,
      );
    }
  }
}

/** keepalived warns too: scripts that run as root with nothing checking who could have replaced them. */
export function warnUncheckedRootScripts(
  problems: Problems,
  global: { enableScriptSecurity: boolean; scriptUser: unknown } & Partial<LifecycleScripts>,
  instances: InstanceRead[],
  groups: SyncGroupRead[],
  scripts: ScriptSection[],
  virtualServers: readonly VirtualServerSection[],
): void {
  if (global.enableScriptSecurity || global.scriptUser !== null) return;
  const lifecycle = { startupScript: global.startupScript ?? null, shutdownScript: global.shutdownScript ?? null };
  if (commandsOf(instances, groups, scripts, virtualServers, lifecycle).next().done) return;
  problems.warn(
    ["global", "enable_script_security"],
    "is off and global.script_user is not set: scripts run as root and nothing checks that only root can change them",
  );
}
