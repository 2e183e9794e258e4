// The in-memory IPVS fake passes the same contract as the kernel (test/vm/ipvs-kernel.test.ts runs it there).
import { expect, test } from "bun:test";
import { FakeIpvs } from "./fake-ipvs.ts";
import { buildTable, expectedLines, ipvsContract, tableLines } from "./ipvs-contract.ts";

test("the fake passes the Ipvs contract", () => {
  expect(ipvsContract(new FakeIpvs())).toEqual([]);
});

test("the fake's listing is a copy: changing it changes nothing", () => {
  const ipvs = new FakeIpvs();
  buildTable(ipvs);
  const listed = ipvs.services();
  listed[0]?.destinations.splice(0);
  if (listed[0]) listed[0].settings.scheduler = "changed";
  expect(tableLines(ipvs.services())).toEqual(expectedLines());
});
