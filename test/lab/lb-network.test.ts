// The load-balancing lab's pieces that need neither root nor IPVS: the directors' configuration is valid vipd TOML
// with the VIP, the back gateway and the NAT service; without root the lab refuses before creating anything.
import { expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { lbPreflight } from "../../src/lab/lb-lab.ts";
import { directorConfig, REAL_SERVERS, VIP } from "../../src/lab/lb-network.ts";

test("a director's configuration loads: one instance holding the VIP and the gateway, one NAT service, two real servers", () => {
  const loaded = loadConfigText(directorConfig("d1", 150), "d1.toml", { checkPrograms: false });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatConfigError).join("\n"));
  const [instance] = loaded.config.instances;
  expect(instance?.priority).toBe(150);
  expect(JSON.stringify(instance?.virtualIpaddress)).toContain(VIP);
  expect(JSON.stringify(instance?.virtualIpaddress)).toContain("198.51.100.1");
  const [service] = loaded.config.virtualServers;
  expect(service?.forwarding.kind).toBe("NAT");
  expect(service?.realServers.map((r) => r.address)).toEqual([...REAL_SERVERS]);
});

test("without root the lab says so and does nothing", () => {
  expect(lbPreflight(1000)).toEqual([
    "vipd lab --lb must run as root: it creates network namespaces and IPVS services (try: sudo vipd lab --lb)",
  ]);
});
