// What every NoAcceptFilter must do, written once and run against the in-memory fake
// (test/adapters/no-accept-filter-fake.test.ts) and the nf_tables adapter in a network namespace
// (test/netns/no-accept.root.test.ts). Returns the failures, [] when it holds. Leaves no table behind.
import type { NoAcceptFilter } from "../../src/adapters/no-accept-filter.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";

const ip = (text: string) => parseIp(text) as Uint8Array;
// The kernel lists a set in hash order: compared sorted.
const list = (f: NoAcceptFilter) =>
  f
    .blocked()
    .map((a) => formatIp(a))
    .sort()
    .join(" ");

export function noAcceptFilterContract(filter: NoAcceptFilter): string[] {
  const failures: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted))
      failures.push(`${what}: got ${JSON.stringify(actual)}, wanted ${JSON.stringify(wanted)}`);
  };
  const refused = (what: string, action: () => void) => {
    try {
      action();
      failures.push(`${what}: succeeded without a table`);
    } catch {
      // refused, as it must be
    }
  };
  try {
    filter.remove();
    expect("no table after remove", filter.installed(), false);
    expect("nothing blocked without a table", list(filter), "");
    filter.remove();
    expect("remove without a table is fine", filter.installed(), false);
    refused("block without a table", () => filter.block([ip("192.0.2.1")]));
    refused("unblock without a table", () => filter.unblock([ip("192.0.2.1"), ip("192.0.2.2")]));

    filter.install();
    expect("installed", filter.installed(), true);
    expect("installed empty", list(filter), "");
    filter.block([ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.2")]);
    expect("both families blocked", list(filter), "192.0.2.1 192.0.2.2 2001:db8::1");
    filter.block([ip("192.0.2.1")]);
    expect("blocking again is fine", list(filter), "192.0.2.1 192.0.2.2 2001:db8::1");
    filter.unblock([ip("192.0.2.1"), ip("2001:db8::1")]);
    expect("unblocked", list(filter), "192.0.2.2");
    filter.unblock([ip("192.0.2.1"), ip("192.0.2.2")]);
    expect("unblocking one not blocked still unblocks the rest", list(filter), "");

    filter.block([ip("198.51.100.7")]);
    filter.install();
    expect("install replaces a table left behind, empty", list(filter), "");
    filter.block([ip("198.51.100.7")]);
    filter.remove();
    expect("remove deletes the table with its addresses", [filter.installed(), list(filter)], [false, ""]);

    // The daemon closes a filter nobody needs (start without no-accept instances) and uses it again on a reload.
    filter.close();
    filter.install();
    filter.block([ip("192.0.2.3")]);
    expect("usable again after close", [filter.installed(), list(filter)], [true, "192.0.2.3"]);
    filter.remove();
  } catch (error) {
    failures.push(`threw: ${(error as Error).message}`);
  } finally {
    try {
      filter.remove();
    } catch (error) {
      failures.push(`cleanup threw: ${(error as Error).message}`);
    }
  }
  return failures;
}
