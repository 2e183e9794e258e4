// keepalived's mails of the load-balancing side beyond the checks' own: a virtual server with smtp_alert mails
// when its quorum is lost and gained (and when it starts without); a live real server with smtp_alert that a
// reload removes, or an omega stop shuts down, is mailed too.

import { describe, expect, test } from "bun:test";
import type { VipdConfig } from "../../src/config/schema.ts";
import type { Log } from "../../src/daemon/log.ts";
import { LoadBalancer } from "../../src/lvs/load-balancer.ts";
import { NO_RECORD } from "../../src/lvs/owned-services.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { FakeChecker } from "../check/fake-checker.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { loadOk } from "../config/helpers.ts";

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
const rs = (address: string, weight: number, extra = "") =>
  `[[virtual_servers.web.real_servers]]\naddress = "${address}"\nport = 8080\nweight = ${weight}\n${extra}[[virtual_servers.web.real_servers.TCP_CHECK]]\nconnect_timeout = 1\n`;
const web = (head: string, ...servers: string[]) =>
  `[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\ndelay_loop = 2\nwarmup = 0\nretry = 0\n${head}\n${servers.join("")}`;

function setup(text: string) {
  const timers = new FakeTimers();
  const checker = new FakeChecker(timers);
  const mails: string[] = [];
  const lb = new LoadBalancer({
    openIpvs: () => new FakeIpvs(),
    record: NO_RECORD,
    log: quiet,
    checkLog: quiet,
    timers,
    spawnChecker: checker.spawn,
    runScript: () => {},
    mail: (render) => {
      const text = render("lb-a");
      mails.push(`${text.subject} | ${text.body}`);
    },
  });
  const apply = (t: string) => lb.apply(loadOk(t) as VipdConfig, new Map());
  apply(text);
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      timers.advance(100);
      for (let i = 0; i < 4; i++) await Promise.resolve();
    }
  };
  return { lb, checker, mails, apply, advance };
}

const VS = "[lb-a] Virtualserver [192.0.2.10]:tcp:80";

describe("virtual server smtp_alert", () => {
  test("lost and gained quorum are mailed with keepalived's figures: quorum+hysteresis=threshold <= live weight", async () => {
    const head = "smtp_alert = true\nquorum = 3\nhysteresis = 1";
    const { checker, mails, advance, lb } = setup(
      web(head, rs("198.51.100.1", 1, "smtp_alert = false\n"), rs("198.51.100.2", 4, "smtp_alert = false\n")),
    );
    await advance(500);
    expect(mails).toEqual([]);
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(2000);
    expect(mails).toEqual([`${VS} - DOWN | => Lost quorum 3+1=2 <= 1 <=`]);
    checker.targets.delete("198.51.100.2:8080");
    await advance(2000);
    expect(mails.slice(1)).toEqual([`${VS} - UP | => Gained quorum 3+1=4 <= 5 <=`]);
    lb.stop("remove");
    // Without omega, stopping mails nothing.
    expect(mails).toHaveLength(2);
  });

  test("a start without quorum is mailed; off by default, nothing is", async () => {
    // alpha: the real server starts down, so the service starts without its quorum.
    const text = (head: string) => web(`quorum = 2\nalpha = true\n${head}`, rs("198.51.100.1", 2, "smtp_alert = false\n"));
    const on = setup(text("smtp_alert = true"));
    expect(on.mails).toEqual([`${VS} - DOWN | => Starting with quorum down 2+0=2 <= 0 <=`]);
    on.lb.stop("remove");
    const off = setup(text(""));
    expect(off.mails).toEqual([]);
    off.lb.stop("remove");
  });

  test("a live real server a reload removes is mailed (its smtp_alert); an omega stop mails the shutdown of each and of the quorum", async () => {
    const both = web("smtp_alert = true\nomega = true", rs("198.51.100.1", 1), rs("198.51.100.2", 1, "smtp_alert = false\n"));
    const { mails, apply, advance, lb } = setup(both);
    await advance(500);
    apply(web("smtp_alert = true\nomega = true", rs("198.51.100.2", 1, "smtp_alert = false\n")));
    expect(mails).toEqual(["[lb-a] Realserver [198.51.100.1]:tcp:8080 of virtual server [192.0.2.10]:tcp:80 - DOWN | => Removing <="]);
    apply(web("smtp_alert = true\nomega = true", rs("198.51.100.2", 1)));
    lb.stop("remove");
    expect(mails.slice(1)).toEqual([
      "[lb-a] Realserver [198.51.100.2]:tcp:8080 of virtual server [192.0.2.10]:tcp:80 - DOWN | => Shutting down <=",
      `${VS} - DOWN | => Shutting down <=`,
    ]);
  });

  test("an omega virtual server a reload removes mails its live real servers' removal and the quorum lost", async () => {
    const { mails, apply, advance, lb } = setup(web("smtp_alert = true\nomega = true\nquorum = 2", rs("198.51.100.1", 2)));
    await advance(500);
    apply(
      web("", rs("198.51.100.1", 2))
        .replace("[virtual_servers.web]", "[virtual_servers.other]")
        .replace(/virtual_servers\.web\./g, "virtual_servers.other.")
        .replace("192.0.2.10", "192.0.2.20"),
    );
    expect(mails).toEqual([
      "[lb-a] Realserver [198.51.100.1]:tcp:8080 of virtual server [192.0.2.10]:tcp:80 - DOWN | => Removing <=",
      `${VS} - DOWN | => Lost quorum 2+0=2 <= 0 <=`,
    ]);
    lb.stop("remove");
  });
});
