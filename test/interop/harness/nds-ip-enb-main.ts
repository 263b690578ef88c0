// Our eNB's NDS/IP function (src/lwip/enb-nds-ip.ts, TS 33.401 16.1 / TS 33.210 Zb) as a program
// that nds-ip-enb.ts starts with node inside the eNB namespace (it runs on import; nothing else
// imports it). It opens EnbNdsIp towards the SeGW's security gateway (IKE 500, NAT-T 4500 on both
// sides) with the PEM files given, and prints JSON lines on stdout:
//
//   {"event":"started","pid":N}                 once the sockets are bound
//   {"event":"established"}                     when the CHILD SA is up (EnbNdsIp.established)
//   {"event":"echo-sent","seq":N,"ok":bool}     on each SIGUSR1: a GTP-U Echo Request (TS 29.281
//                                               §7.2.1) with the next sequence number, through the SA
//   {"event":"datagram","from","port","hex"}    each GTP-U datagram that came out of the SA
//   {"time","level","subsys","msg",...}         EnbNdsIp's and the IKE engine's log (info and up)
//
// On SIGTERM it closes EnbNdsIp (which deletes the IKE SA) and exits 0.
//
//   node nds-ip-enb-main.js --address <enb> --segw <segw ike> --gtpu <segw gtp-u> --cert <pem> --key <pem> --ca <pem> [--seq <first>]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EnbNdsIp } from "../../../src/lwip/enb-nds-ip.js";
import { encodeEchoRequest } from "../../../src/gtpu/messages.js";
import { GTPU_UDP_PORT } from "../../../src/gtpu/constants.js";
import { createLogger } from "../../../src/io/log.js";

/** The log line EnbNdsIp writes when its CHILD SA comes up. */
const SA_UP = "NDS/IP SA to the SeGW up";

function print(o: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** @throws Error for a missing argument (this program's only input is the test's argv). */
function required(values: Readonly<Record<string, string | undefined>>, name: string): string {
  const v = values[name];
  if (v === undefined || v === "") throw new Error(`--${name} is required`);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: "string" }, segw: { type: "string" }, gtpu: { type: "string" },
      cert: { type: "string" }, key: { type: "string" }, ca: { type: "string" }, seq: { type: "string" },
    },
    strict: true,
  });
  const pem = (name: string): string => readFileSync(required(values, name), "utf8");
  const gtpu = { address: required(values, "gtpu"), port: GTPU_UDP_PORT };
  const holder: { zb?: EnbNdsIp } = {};
  const log = createLogger("info", (line) => {
    process.stdout.write(line);
    // EnbNdsIp sets `established` before it logs the SA as up
    if (line.includes(`"msg":"${SA_UP}"`)) print({ event: "established", established: holder.zb?.established ?? false });
  });
  const zb = (holder.zb = await EnbNdsIp.open({
    address: required(values, "address"), segwAddress: required(values, "segw"),
    ikePort: 500, nattPort: 4500, segwIkePort: 500, segwNattPort: 4500,
    cert: pem("cert"), key: pem("key"), ca: pem("ca"),
    // no liveness checks during a test: nothing but the test's GTP-U crosses the CHILD SA
    dpdMs: 600_000, retransmitMs: [1000, 2000],
    log,
    onDatagram: (bytes, from) => print({ event: "datagram", from: from.address, port: from.port, hex: Buffer.from(bytes).toString("hex") }),
  }));
  let seq = Number(values.seq ?? "1");
  process.on("SIGUSR1", () => {
    const ok = zb.send(encodeEchoRequest(seq), gtpu);
    print({ event: "echo-sent", seq, ok });
    seq = (seq + 1) & 0xffff;
  });
  const terminated = new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  // the signal handlers are in place before the test learns the pid
  print({ event: "started", pid: process.pid });
  await terminated;
  zb.close();
  // close() sends the Delete at once and closes the sockets 50 ms later
  await new Promise((resolve) => setTimeout(resolve, 200));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    print({ event: "enb-error", error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  },
);
