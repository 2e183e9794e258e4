import { describe, expect, test } from "bun:test";
import { effectiveLinkDelays } from "../../src/config/link-delays.ts";
import { LinkDebounce } from "../../src/daemon/link-debounce.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { instance, loadOk } from "../config/helpers.ts";

function debounce(delays: Record<string, { downMs: number; upMs: number }>) {
  const timers = new FakeTimers();
  const applied: string[] = [];
  const notes: string[] = [];
  const links = new LinkDebounce(
    timers,
    (ifname, up) => applied.push(`${timers.now()} ${ifname} ${up ? "up" : "down"}`),
    (m) => notes.push(m),
  );
  links.setDelays(new Map(Object.entries(delays)));
  return { timers, applied, notes, links };
}

describe("interface_up_down_delays (LinkDebounce)", () => {
  test("a change counts once it has lasted its delay: down after `down`, up after `up`", () => {
    const { timers, applied, links } = debounce({ eth0: { downMs: 2000, upMs: 500 } });
    links.report("eth0", true);
    links.report("eth0", false);
    timers.advance(1999);
    expect(applied).toEqual(["0 eth0 up"]);
    timers.advance(1);
    links.report("eth0", true);
    timers.advance(500);
    expect(applied).toEqual(["0 eth0 up", "2000 eth0 down", "2500 eth0 up"]);
  });

  test("a flap shorter than the delay changes nothing, and is said", () => {
    const { timers, applied, notes, links } = debounce({ eth0: { downMs: 2000, upMs: 0 } });
    links.report("eth0", true);
    links.report("eth0", false);
    timers.advance(1000);
    links.report("eth0", false); // the same pending state again: still pending, not restarted
    links.report("eth0", true);
    timers.advance(5000);
    expect(applied).toEqual(["0 eth0 up"]);
    expect(notes).toEqual([
      "eth0: down, taken into account in 2 s unless it changes back (interface_up_down_delays)",
      "eth0: up again within its delay (interface_up_down_delays): the pending change is cancelled",
    ]);
  });

  test("the first state, a link never seen up, and interfaces without a delay apply at once", () => {
    const { applied, links } = debounce({ eth0: { downMs: 2000, upMs: 2000 } });
    links.report("eth0", false);
    links.report("eth0", true); // never seen up before: at once, as keepalived
    links.report("eth1", true);
    links.report("eth1", false);
    expect(applied).toEqual(["0 eth0 down", "0 eth0 up", "0 eth1 up", "0 eth1 down"]);
  });

  test("an interface that disappears is down at once; what was pending is dropped; close() cancels everything", () => {
    const { timers, applied, links } = debounce({ eth0: { downMs: 2000, upMs: 0 }, eth1: { downMs: 1000, upMs: 0 } });
    links.report("eth0", true);
    links.report("eth1", true);
    links.report("eth0", false);
    links.removed("eth0");
    links.report("eth1", false);
    links.close();
    timers.advance(5000);
    expect(applied).toEqual(["0 eth0 up", "0 eth1 up", "0 eth0 down"]);
  });
});

describe("effectiveLinkDelays: keepalived's bounds", () => {
  test("below (down_timer_adverts − 1) advert intervals on the instance's interface, none with down_timer_adverts = 1", () => {
    const config = loadOk(`[global]
interface_up_down_delays = { eth0 = { down = 5, up = 1 }, eth1 = { down = 5 } }
${instance("A", "", 1)}
[instances.B]
interface = "eth1"
virtual_router_id = 2
virtual_ipaddress = ["198.51.100.1/24"]
down_timer_adverts = 1
`);
    const { delays, adjusted } = effectiveLinkDelays(config.global.interfaceUpDownDelays, config.instances);
    // advert_int 1 s, 3 adverts: below 2 s, at 2 s − 1/256 s.
    expect(delays.get("eth0")).toEqual({ downMs: 2000 - 1000 / 256, upMs: 1000 });
    expect(delays.get("eth1")).toEqual({ downMs: 0, upMs: 0 });
    expect(adjusted).toEqual([
      "interface_up_down_delays: eth0's 5 s down, 1 s up lowered to 1.99609375 s down, 1 s up for instance A (they must stay below 2 advert intervals)",
      "interface_up_down_delays: eth1's 5 s down, 0 s up lowered to 0 s down, 0 s up for instance B (down_timer_adverts is 1)",
    ]);
  });
});
