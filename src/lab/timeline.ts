// Turns the packets captured on the client's link during one scenario into its timeline (what happened when,
// relative to the injected fault) and the outage the client saw. Pure: the tests feed it canned tcpdump text.

import type { AdvertPacket, EchoPacket, Packet } from "./capture.ts";

export interface NamedHost {
  name: string;
  ipv4: string;
  mac: string;
}

export interface ScenarioWindow {
  /** The fault's injection, epoch ms: 0 on the timeline. */
  t0: number;
  /** Packets in [start, end] are considered; start is before t0 so the last advert of the old master shows. */
  start: number;
  end: number;
  vip: string;
  vrid: number;
  advertIntervalMs: number;
  routers: NamedHost[];
  oldMaster: NamedHost;
  newMaster: NamedHost;
  /** Further moments the lab knows of (a daemon's start...), epoch ms. */
  marks?: Array<{ t: number; text: string }>;
  faultText: string;
  /** With use_vmac: the virtual MAC, which the new master's gratuitous ARP comes from. */
  virtualMac?: string | null;
}

export interface TimelineEvent {
  /** ms relative to t0. */
  at: number;
  text: string;
}

export interface ScenarioMeasure {
  events: TimelineEvent[];
  /** The longest time without an echo reply in the window, ms; `ongoing` when it lasts to the window's end. */
  outageMs: number;
  ongoing: boolean;
  sent: number;
  lost: number;
  /** Relative ms of the new master's first advert after t0, or null if it never spoke. */
  takeoverAt: number | null;
  /** The one router advertising (priority > 0) over the window's last three intervals, or null if none or several. */
  masterAtEnd: string | null;
}

/** A reply that comes later than this after its request is not a reply to it (ping's seq wraps at 65536). */
const REPLY_WITHIN_MS = 2000;
/** A longest gap below this is the ping's own rhythm and jitter, not an outage worth two timeline lines. */
const GAP_EVENT_MIN_MS = 10;
/** Requests this close to the window's end may still be answered: they are not counted at all. */
const IN_FLIGHT_MS = 100;

export function buildTimeline(packets: readonly Packet[], w: ScenarioWindow): ScenarioMeasure {
  const inWindow = packets.filter((p) => p.t >= w.start && p.t <= w.end);
  const rel = (t: number) => t - w.t0;
  const nameOfMac = (mac: string) => w.routers.find((r) => r.mac === mac)?.name ?? mac;
  const adverts = inWindow.filter((p): p is AdvertPacket => p.kind === "advert" && p.vrid === w.vrid);
  const events: TimelineEvent[] = [{ at: 0, text: w.faultText }];
  for (const mark of w.marks ?? []) events.push({ at: rel(mark.t), text: mark.text });

  const fromOld = adverts.filter((a) => a.src === w.oldMaster.ipv4);
  const lastOld = fromOld.filter((a) => a.priority > 0).at(-1);
  if (lastOld) events.push({ at: rel(lastOld.t), text: `last advert from ${w.oldMaster.name} (priority ${lastOld.priority})` });
  const resign = fromOld.find((a) => a.priority === 0 && a.t >= (lastOld?.t ?? -Infinity));
  if (resign) events.push({ at: rel(resign.t), text: `${w.oldMaster.name} sends priority 0 (leaving the master role)` });

  const firstNew = adverts.find((a) => a.src === w.newMaster.ipv4 && a.t >= w.t0 && a.priority > 0);
  if (firstNew)
    events.push({ at: rel(firstNew.t), text: `first advert from ${w.newMaster.name} (priority ${firstNew.priority}): new master` });
  else events.push({ at: rel(w.end), text: `${w.newMaster.name} never advertised` });

  // The GARP may leave just before the advert (the same transition), so look from the fault, not the advert.
  const garp = inWindow.find(
    (p) =>
      p.kind === "arp" &&
      p.gratuitous &&
      p.senderIp === w.vip &&
      (p.srcMac === w.newMaster.mac || p.srcMac === w.virtualMac) &&
      p.t >= w.t0,
  );
  if (garp) events.push({ at: rel(garp.t), text: `first gratuitous ARP for ${w.vip} (from ${w.newMaster.name})` });

  const echoes = inWindow.filter(
    (p): p is EchoPacket => (p.kind === "echo-request" && p.dst === w.vip) || (p.kind === "echo-reply" && p.src === w.vip),
  );
  const replies = echoes.filter((p) => p.kind === "echo-reply");
  const gap = longestGap(replies, w);
  const notable = gap.ms > GAP_EVENT_MIN_MS;
  if (notable && gap.before)
    events.push({ at: rel(gap.before.t), text: `last reply before the longest gap (from ${nameOfMac(gap.before.srcMac)})` });
  if (notable && gap.after) events.push({ at: rel(gap.after.t), text: `first reply after the gap (from ${nameOfMac(gap.after.srcMac)})` });
  const firstFromNew = replies.find((r) => r.srcMac === w.newMaster.mac && r.t >= w.t0);
  if (firstFromNew && (!notable || firstFromNew !== gap.after))
    events.push({ at: rel(firstFromNew.t), text: `first reply from ${w.newMaster.name}` });

  const { sent, lost } = countLoss(packets, echoes, w);
  events.sort((a, b) => a.at - b.at);
  return {
    events,
    outageMs: gap.ms,
    ongoing: gap.ongoing,
    sent,
    lost,
    takeoverAt: firstNew ? rel(firstNew.t) : null,
    masterAtEnd: masterAtEnd(adverts, w),
  };
}

function longestGap(replies: EchoPacket[], w: ScenarioWindow): { ms: number; ongoing: boolean; before?: EchoPacket; after?: EchoPacket } {
  if (replies.length === 0) return { ms: w.end - w.start, ongoing: true };
  let best: { ms: number; ongoing: boolean; before?: EchoPacket; after?: EchoPacket } = { ms: 0, ongoing: false };
  for (let i = 1; i < replies.length; i++) {
    const ms = replies[i]!.t - replies[i - 1]!.t;
    if (ms > best.ms) best = { ms, ongoing: false, before: replies[i - 1]!, after: replies[i]! };
  }
  const last = replies.at(-1)!;
  // Silence up to the window's end is an outage that has not ended: it counts too.
  if (w.end - last.t > best.ms) best = { ms: w.end - last.t, ongoing: true, before: last };
  return best;
}

function countLoss(all: readonly Packet[], echoes: EchoPacket[], w: ScenarioWindow): { sent: number; lost: number } {
  const replyAt = new Map<string, number[]>();
  for (const p of all) {
    if (p.kind !== "echo-reply" || p.src !== w.vip) continue;
    const key = `${p.id}:${p.seq}`;
    const list = replyAt.get(key);
    if (list) list.push(p.t);
    else replyAt.set(key, [p.t]);
  }
  let sent = 0;
  let lost = 0;
  for (const p of echoes) {
    if (p.kind !== "echo-request" || p.t > w.end - IN_FLIGHT_MS) continue;
    sent++;
    const answered = replyAt.get(`${p.id}:${p.seq}`)?.some((t) => t >= p.t && t - p.t <= REPLY_WITHIN_MS);
    if (!answered) lost++;
  }
  return { sent, lost };
}

function masterAtEnd(adverts: AdvertPacket[], w: ScenarioWindow): string | null {
  const recent = adverts.filter((a) => a.priority > 0 && a.t >= w.end - 3 * w.advertIntervalMs);
  const sources = new Set(recent.map((a) => a.src));
  if (sources.size !== 1) return null;
  const [src] = sources;
  return w.routers.find((r) => r.ipv4 === src)?.name ?? src ?? null;
}
