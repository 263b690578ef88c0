// TS 33.401 clause 16 end to end against the multi-worker LWIP-SeGW (config `workers`): the
// primary process runs the control API, the event streams and the metrics; two worker processes
// run IKEv2, ESP and GTP-U on 198.18.0.1 and 198.18.0.5. A strongSwan UE (kernel-libipsec) is
// set up on the SECOND worker, the eNB "alpha" is played by `lwip segw ctl` and a GTP-U socket
// on its Xw-U address 198.18.1.2, as in ts33401-segw-strongswan.test.ts.
//
//   16.2.3  LWIP ADDITION REQUEST with fresh random IDis (as an eNB chooses them) until the
//           acknowledge names the second worker: lwipSegwIpAddress 198.18.0.5 (the address the
//           eNB gives the UE in ip-Address-r13, TS 36.331; TS 33.401 16.2.1) and that worker's
//           GTP-U address as LWIP-SeGW GTP Tunnel Endpoint. IDis that land on the first worker
//           are released again (LWIP RELEASE REQUEST), so alpha is left with the one UE.
//   16.2.2  the UE runs IKEv2 with 198.18.0.5; selectors narrowed to <virtual IP> <-> the eNB's
//           LWIP endpoint; uplink LWIPEP leaves in GTP-U from 198.18.0.5 on the eNB's TEID;
//           downlink G-PDUs sent to 198.18.0.5 on the SeGW TEID reach the UE in the tunnel.
//   The primary's event stream and metrics cover the worker's UE; after SIGTERM no daemon
//   process (primary or worker) is left in the namespace.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { encodeGpdu } from "../../src/gtpu/messages.js";
import { GRE_IP_PROTOCOL } from "../../src/lwipep/lwipep.js";
import { Charon } from "./harness/charon.js";
import { topologyFor } from "./harness/fixture.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { gpdu, lwipep } from "./harness/user-plane-packets.js";
import { PacketTap, sendRaw, sendUdp } from "./harness/packet-tap.js";
import { lwipPsk, metric, requireSegwInterop, SEGW_LAB, SegwLab, type Acknowledge } from "./harness/segw-lab.js";
import { initiate, listSas } from "./harness/vici-sa.js";

/** The workers' IKE (and GTP-U) addresses, in config order. */
const WORKERS = [SEGW_LAB.segw, "198.18.0.5"] as const;
const SECOND = WORKERS[1];
/** The second worker's share of the pool 198.18.64.0/18 split in two (config.ts resolveWorkers). */
const SECOND_POOL = "198.18.96.0/19";
/** With a fair hash each attempt lands on the second worker with probability 1/2: P(fail) = 2^-32. */
const MAX_ATTEMPTS = 32;
const ENB_TEID = "0a0b0c05";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("TS 33.401 16.2: strongSwan UE on the second worker of a multi-worker LWIP-SeGW", { timeout: 120_000 }, async (t) => {
  if (!requireSegwInterop(t, { python: true })) return;
  const topo = await topologyFor(t);
  const segw = await SegwLab.start(topo, { workers: WORKERS });
  let stopped: Awaited<ReturnType<SegwLab["stop"]>> | undefined;
  let daemonPids: number[] = [];
  try {
    const enb = await PacketTap.udp(topo, topo.segw, SEGW_LAB.alpha.gtpAddress, SEGW_LAB.gtpuPort);
    const ueGre = await PacketTap.raw(topo, topo.ue, GRE_IP_PROTOCOL);
    const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
    const stream = await segw.events("alpha");
    const diag = (): string => `${segw.diagnostics()}\n${enb.proc.diagnostics(10)}\n${ueGre.proc.diagnostics(10)}\n${ue.diagnostics()}`;
    const psks: string[] = [];

    await t.test("the primary and one worker process per address, each worker on its own address", async () => {
      const running = segw.logs("LWIP-SeGW running");
      assert.equal(running.length, 1, "one primary");
      assert.equal(running[0]?.["worker"], undefined, "logged by the primary, not a worker");
      assert.deepEqual(running[0]?.["workers"], [...WORKERS]);
      const workers = WORKERS.map((ike, i) => {
        const w = segw.logs("worker running", { worker: i });
        assert.equal(w.length, 1, `worker ${i} started once`);
        assert.equal(w[0]?.["ike"], ike, `worker ${i} IKE address`);
        assert.equal(w[0]?.["gtpu"], ike, `worker ${i} GTP-U address defaults to its IKE address`);
        return w[0]?.["pid"];
      });
      const procs = await segw.processes();
      assert.equal(procs.filter((p) => p.role === "primary").length, 1, JSON.stringify(procs));
      assert.deepEqual(procs.filter((p) => p.role === "worker").map((p) => p.pid).sort(), [...workers].sort(), "the workers' logged pids run in the SeGW namespace");
      daemonPids = procs.map((p) => p.pid);
    });

    let ack: Acknowledge | undefined;
    let idi = "";
    let psk = "";
    await t.test("16.2.3: random IDis until one lands on the second worker; its acknowledge names that worker", async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS && ack === undefined; attempt++) {
        const candidate = randomBytes(16).toString("hex");
        const candidatePsk = await lwipPsk(randomBytes(32).toString("hex"), attempt);
        psks.push(candidatePsk);
        const a = await segw.provision("alpha", { idi: candidate, psk: candidatePsk, gtpTeid: ENB_TEID });
        assert.ok(WORKERS.some((w) => w === a.lwipSegwIpAddress), `lwipSegwIpAddress names a worker: ${JSON.stringify(a)}`);
        assert.equal(a.lwipSegwGtpTunnelEndpoint.transportLayerAddress, a.lwipSegwIpAddress, "GTP-U on the same worker's address");
        if (a.lwipSegwIpAddress === SECOND) {
          [ack, idi, psk] = [a, candidate, candidatePsk];
        } else {
          const r = await segw.ctl("alpha", "release", ["--idi", candidate]);
          assert.equal(r.code, 0, `LWIP RELEASE REQUEST of an IDi on the first worker: ${r.stderr}`);
        }
      }
      assert.ok(ack !== undefined, `none of ${MAX_ATTEMPTS} random IDis landed on ${SECOND}\n${diag()}`);
      assert.match(ack.lwipSegwGtpTunnelEndpoint.gtpTeid, /^[0-9a-f]{8}$/);
      assert.notEqual(ack.lwipSegwGtpTunnelEndpoint.gtpTeid, "00000000", "TEID 0 is reserved (TS 29.281)");
      const listed = (await segw.ctl("alpha", "list")).lines;
      assert.deepEqual(listed.map((u) => u["ikeInitiatorIdentity"]), [idi], "only the UE of the second worker is left");
      assert.equal(listed[0]?.["lwipSegwIpAddress"], SECOND);
    });

    let vip = "";
    await t.test("16.2.2: IKEv2 with lwipSegwIpAddress -> CHILD SA up, selectors narrowed to the eNB's LWIP endpoint", async () => {
      assert.ok(ack !== undefined, "provisioned");
      await ue.load({
        role: "initiator", idi, psk, ikeProposals: ["aes128gcm16-prfsha256-ecp256"], espProposals: ["aes128gcm16"],
        localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: ack.lwipSegwIpAddress ?? "",
      });
      const r = await initiate(ue.vici, "lwip", "lwip");
      assert.ok(r.success, `strongSwan initiate: ${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);
      const sa = (await listSas(ue.vici))[0];
      vip = sa?.localVips[0] ?? "";
      assert.equal(sa?.remoteHost, SECOND, "IKE SA with the second worker");
      assert.equal(sa?.remoteId, SECOND, "IDr is the worker's address");
      assert.ok(inIpv4Prefix(vip, SECOND_POOL), `virtual IP ${vip} from the second worker's share ${SECOND_POOL} of ${SEGW_LAB.pool}`);
      assert.equal(sa?.children[0]?.state, "INSTALLED");
      assert.deepEqual(sa?.children[0]?.localTs, [`${vip}/32`]);
      assert.deepEqual(sa?.children[0]?.remoteTs, [`${SEGW_LAB.alpha.lwipEndpoint}/32`], "TSr narrowed to the provisioning eNB's LWIP endpoint only");
    });

    await t.test("the primary's event stream reports tunnel-up for the worker's UE", async () => {
      const up = await stream.waitFor((e) => e["type"] === "tunnel-up" && e["ikeInitiatorIdentity"] === idi, 5_000, "tunnel-up", 0, diag);
      assert.equal(up["wtUeXwapId"], ack?.wtUeXwapId);
      assert.equal(up["enbUeXwapId"], ack?.enbUeXwapId);
      assert.equal(up["innerAddress"], vip);
    });

    await t.test("16.2.2 uplink: the UE's LWIPEP packet reaches the eNB in GTP-U from the worker's address on the eNB's TEID", async () => {
      const sent = lwipep(5, "uplink PDCP SDU on DRB 5 via worker 1");
      const mark = enb.mark;
      await sendRaw(topo, topo.ue, { src: vip, dst: SEGW_LAB.alpha.lwipEndpoint, protocol: GRE_IP_PROTOCOL, payload: sent });
      const got = await enb.waitForPacket((p) => gpdu(p) !== undefined, 10_000, "a G-PDU at the eNB", mark, diag);
      assert.equal(got.src, SECOND, "sent from the second worker's GTP-U address");
      assert.equal(got.srcPort, SEGW_LAB.gtpuPort);
      assert.equal(gpdu(got)?.teid.toString(16).padStart(8, "0"), ENB_TEID, "the eNB's uplink TEID from LWIP ADDITION REQUEST");
      assert.equal(hex(gpdu(got)?.payload ?? new Uint8Array(0)), hex(sent), "the T-PDU is exactly the LWIPEP packet");
    });

    await t.test("16.2.2 downlink: a G-PDU to the worker's address on the SeGW's TEID comes back to the UE inside the tunnel", async () => {
      const segwTeid = Number.parseInt(ack?.lwipSegwGtpTunnelEndpoint.gtpTeid ?? "0", 16);
      const down = lwipep(5, "downlink PDCP SDU on DRB 5 via worker 1");
      const mark = ueGre.mark;
      await sendUdp(topo, topo.segw, { src: SEGW_LAB.alpha.gtpAddress, dst: SECOND, port: SEGW_LAB.gtpuPort, payload: encodeGpdu(segwTeid, down) });
      const got = await ueGre.waitForPacket((p) => p.dst === vip, 10_000, "the LWIPEP packet at the UE", mark, diag);
      assert.equal(got.src, SEGW_LAB.alpha.lwipEndpoint, "from the eNB's LWIP endpoint");
      assert.equal(hex(got.bytes), hex(down), "exactly the LWIPEP packet of the G-PDU");
      const child = (await listSas(ue.vici))[0]?.children[0];
      assert.ok((child?.packetsIn ?? 0) >= 1, "strongSwan decrypted it from the ESP SA");
    });

    await t.test("the primary's metrics endpoint sums the workers: handshake established, one active UE, one packet each way", async () => {
      const m = await segw.metrics();
      assert.ok(metric(m, "lwip_segw_handshakes_total", { outcome: "established" }) >= 1, "lwip_segw_handshakes_total{outcome=\"established\"} >= 1");
      assert.equal(metric(m, "lwip_segw_active_ues"), 1);
      assert.equal(metric(m, "lwip_segw_packets_total", { direction: "uplink" }), 1);
      assert.equal(metric(m, "lwip_segw_packets_total", { direction: "downlink" }), 1);
    });

    await t.test("still three daemon processes with the UE up; no LWIP-PSK in any process's log", async () => {
      assert.deepEqual((await segw.processes()).map((p) => p.pid).sort(), [...daemonPids].sort(), "primary and both workers, none restarted");
      assert.deepEqual(segw.logs("worker exited; its UEs' tunnels are gone, restarting it"), []);
      assert.deepEqual(segw.logProblems(psks), [], "the primary's and the workers' stderr: JSON lines, no PSK");
    });
  } finally {
    stopped = await segw.stop();
  }
  assert.deepEqual(stopped, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
  assert.equal(daemonPids.length, 3, "primary and two workers were seen running");
  assert.deepEqual(await segw.processes(), [], "no primary or worker process is left in the SeGW namespace");
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
