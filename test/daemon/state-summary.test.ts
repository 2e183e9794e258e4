import { expect, test } from "bun:test";
import { stateSummary } from "../../src/daemon/state-summary.ts";

test("the STATUS= summary counts instances per state, MASTER first, leaving out states nobody is in", () => {
  expect(stateSummary(["BACKUP", "MASTER", "MASTER", "FAULT", "MASTER"])).toBe("3 MASTER, 1 BACKUP, 1 FAULT");
  expect(stateSummary(["STOP", "STOPPING"])).toBe("1 STOPPING, 1 STOP");
  expect(stateSummary([])).toBe("no instances");
});
