// What every NeighbourAnnouncer must do, written once and run against FakeAnnouncer (test/adapters/fakes.test.ts)
// and the AF_PACKET announcer inside a lab namespace (test/netns/port-contracts.test.ts, through the agent), where
// tcpdump on the interface decodes what really left it. Returns the failures, [] when it holds.
//
// Not in the contract: the pause between frames (intervalMs), because the fake does not wait (driver tests run it
// on a fake clock); the Linux announcer's spacing is measured in test/netns/gratuitous.test.ts.
import { KEEPALIVED_ANNOUNCE_DEFAULTS, type NeighbourAnnouncer } from "../../src/adapters/neighbour-announcer.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";

/** One announcement frame as seen on the wire (or recorded by a fake), MACs as `02:00:5e:...`. */
export interface AnnouncementFrame {
  /** Gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6). */
  kind: "arp" | "na";
  /** The Ethernet header's source. */
  ethSource: string;
  /** The MAC the frame announces: the ARP sender hardware address, the NA's target link-layer address option. */
  announcedMac: string;
  /** The address announced: the ARP sender and target IP, the NA's target. */
  target: string;
}

export interface AnnouncerWorld {
  /** An Ethernet interface that is up. */
  ifname: string;
  mac(): Promise<string>;
  setMac(mac: string): Promise<void>;
  /** Runs `action` and returns the announcement frames that left `ifname` meanwhile, waiting (bounded) for `count`. */
  framesDuring(count: number, action: () => Promise<unknown>): Promise<AnnouncementFrame[]>;
}

const VIP4 = "192.0.2.200";
const VIP6 = "2001:db8::200";
const NEW_MAC = "02:00:5e:10:00:99";

const summary = (frames: AnnouncementFrame[]): string =>
  frames.map((f) => `${f.kind} ${f.target} from ${f.ethSource} announcing ${f.announcedMac}`).join("; ");

export async function neighbourAnnouncerContract(announcer: NeighbourAnnouncer, world: AnnouncerWorld): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const originalMac = await world.mac();
  /** Checks that `frames` are `repeat` of each address, all from and announcing `mac`. */
  const expectFrames = (what: string, frames: AnnouncementFrame[], repeat: number, targets: string[], mac: string) => {
    const want = targets.flatMap((t) => Array.from({ length: repeat }, () => t)).sort();
    const right = (f: AnnouncementFrame) =>
      f.ethSource === mac && f.announcedMac === mac && f.kind === (f.target.includes(":") ? "na" : "arp");
    const ok =
      frames.length === want.length &&
      frames.every(right) &&
      frames
        .map((f) => f.target)
        .sort()
        .join() === want.join();
    check(ok, `${what}: want ${repeat} × [${targets}] from ${mac}, got [${summary(frames)}]`);
  };

  try {
    const both = announcer.prepare(world.ifname, [parseIp(VIP4)!, parseIp(VIP6)!]);
    let sent = -1;
    const frames = await world.framesDuring(6, async () => {
      sent = await both.send({ repeat: 3, intervalMs: 0 });
    });
    check(sent === 6, `send() resolves with the frames sent: ${sent}, want 6`);
    expectFrames("prepare() + send({repeat: 3})", frames, 3, [VIP4, VIP6], originalMac);

    const v4 = announcer.prepare(world.ifname, [parseIp(VIP4)!]);
    const byDefault = await world.framesDuring(KEEPALIVED_ANNOUNCE_DEFAULTS.repeat, () => v4.send());
    expectFrames("send() without options (keepalived's defaults)", byDefault, KEEPALIVED_ANNOUNCE_DEFAULTS.repeat, [VIP4], originalMac);

    await world.setMac(NEW_MAC);
    both.refresh();
    const refreshed = await world.framesDuring(2, () => both.send({ repeat: 1, intervalMs: 0 }));
    expectFrames("send() after the MAC changed and refresh()", refreshed, 1, [VIP4, VIP6], NEW_MAC);

    const oneOff = await world.framesDuring(2, () => announcer.announce(world.ifname, [parseIp(VIP6)!], { repeat: 2, intervalMs: 0 }));
    expectFrames("announce()", oneOff, 2, [VIP6], NEW_MAC);

    let missing: ReturnType<NeighbourAnnouncer["prepare"]> | null = null;
    try {
      missing = announcer.prepare("nosuch0", [parseIp(VIP4)!]);
    } catch (e) {
      failures.push(`prepare() on a missing interface threw: ${(e as Error).message}`);
    }
    if (missing) {
      missing.refresh();
      const error = await missing.send().then(
        () => null,
        (e: Error & { code?: string }) => e,
      );
      check(error !== null, "send() on a missing interface rejects");
      check(
        error === null || (error.code === "ENODEV" && error.message.includes("nosuch0")),
        `a clear error names the interface: ${error?.message}`,
      );
    }
  } catch (e) {
    failures.push((e as Error).message);
  } finally {
    await world.setMac(originalMac);
  }
  return failures;
}

export const macText = (mac: Uint8Array): string => [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");
