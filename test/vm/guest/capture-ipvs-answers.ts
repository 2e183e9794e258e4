// Runs inside the test VM: builds the Ipvs contract's table with the adapter, then records the kernel's raw answers
// (genlmsghdr onwards, hex) to the dumps and queries the adapter decodes. Regenerate the golden file with
//   bun test/vm/run.ts -- 'node_modules/.bin/bun test/vm/guest/capture-ipvs-answers.ts' > test/golden/ipvs-answers.json
// (then check the diff: the decoders' host tests read it).
import * as C from "../../../ffi/constants.ts";
import { openGenl, resolveFamily } from "../../../ffi/genetlink.ts";
import { LinuxIpvs } from "../../../src/adapters/linux/ipvs-adapter.ts";
import { encodeBareCommand, encodeDestinationCommand, ipvsCommandName } from "../../../src/adapters/linux/ipvs-messages.ts";
import { buildTable, SERVICES } from "../../adapters/ipvs-contract.ts";

const ipvs = LinuxIpvs.open();
ipvs.flushAll();
buildTable(ipvs);
ipvs.setTimeouts({ tcpS: 1000, tcpFinS: 60, udpS: 200 });
ipvs.close();

const sock = openGenl(ipvsCommandName);
const family = resolveFamily(sock, "IPVS");
const hex = (b: Uint8Array, at: number, end: number) => Buffer.from(b.subarray(at, end)).toString("hex");
const collect = (into: string[]) => (type: number, b: Uint8Array, at: number, end: number) => {
  if (type === family.id) into.push(hex(b, at, end));
};

const services: string[] = [];
sock.dump(encodeBareCommand(sock.tx, sock.begin(family.id, 0), C.IPVS_CMD_GET_SERVICE), collect(services));
const destinations: Record<string, string[]> = {};
for (const [key] of SERVICES) {
  const into: string[] = [];
  const name = key.kind === "fwmark" ? `fwmark ${key.fwmark}` : `${key.protocol} ${Buffer.from(key.address).toString("hex")} ${key.port}`;
  sock.dump(encodeDestinationCommand(sock.tx, sock.begin(family.id, 0), C.IPVS_CMD_GET_DEST, key), collect(into));
  destinations[name] = into;
}
const config: string[] = [];
sock.exec(encodeBareCommand(sock.tx, sock.begin(family.id, 0), C.IPVS_CMD_GET_CONFIG), collect(config));
const info: string[] = [];
sock.exec(encodeBareCommand(sock.tx, sock.begin(family.id, 0), C.IPVS_CMD_GET_INFO), collect(info));
sock.close();

const cleanup = LinuxIpvs.open();
cleanup.setTimeouts({ tcpS: 900, tcpFinS: 120, udpS: 300 });
cleanup.flushAll();
cleanup.close();

const kernel = Bun.spawnSync(["uname", "-r"]).stdout.toString().trim();
console.log(JSON.stringify({ kernel, services, destinations, config: config[0], info: info[0] }, null, 2));
