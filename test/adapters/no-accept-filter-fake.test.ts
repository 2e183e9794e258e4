// The in-memory no-accept table passes the same contract as nf_tables (test/netns/no-accept.root.test.ts).
import { expect, test } from "bun:test";
import { FakeNoAcceptFilter } from "./fake-no-accept-filter.ts";
import { noAcceptFilterContract } from "./no-accept-filter-contract.ts";

test("the fake passes the NoAcceptFilter contract", () => {
  expect(noAcceptFilterContract(new FakeNoAcceptFilter())).toEqual([]);
});
