/**
 * The clause-16 procedures the demo runs on its UEs, each checking what TS 33.401 requires of it.
 * Every step waits on events (or polls state no event reports) with a deadline.
 */
import type { DrbConfig, LwipEvent } from "../lwip/events.js";
import { probeSdu } from "../lwip/traffic.js";
import { fromHex } from "../wire/hex.js";
import { CELLS, is, tryHandshake } from "./lab.js";
import { eventually, settles, type DemoContext, type DemoUe } from "./demo-context.js";

export const SETUP_DRBS: readonly DrbConfig[] = [
  { drbId: 1, type: "lwip" },
  { drbId: 2, type: "lwip-DL-only" },
  { drbId: 3, type: "eutran" },
];

const SDUS_PER_DRB = 5;
const zero = (b: Uint8Array) => b.every((x) => x === 0);

function lastIdi(ctx: DemoContext, ue: string, from: number): string | undefined {
  const rrc = ctx.lab.log.of(ue, from).filter((e): e is Extract<LwipEvent, { event: "rrc-lwip-configuration" }> => e.event === "rrc-lwip-configuration");
  return rrc.at(-1)?.idi;
}

/** The SeGW still carries this IDi: an established SA (one being deleted carries nothing). */
async function segwHasSa(ctx: DemoContext, idi: string | undefined): Promise<boolean> {
  return idi !== undefined && (await ctx.lab.segwView.hasEstablishedSa(idi));
}

/** The SeGW's entry for an IDi (hex), if it has one. */
function segwEntry(ctx: DemoContext, idi: string | undefined) {
  return idi === undefined ? Promise.resolve(undefined) : ctx.lab.segwView.registry.find("alpha", { idi: fromHex(idi) ?? new Uint8Array(0) });
}

/** The SeGW address the UE was given with this IDi (a multi-worker SeGW has one per worker). */
export function segwFor(ctx: DemoContext, ue: string, idi: string | undefined): string {
  const rrc = ctx.lab.log.of(ue).find((e): e is Extract<LwipEvent, { event: "rrc-lwip-configuration" }> => e.event === "rrc-lwip-configuration" && e.idi === idi);
  return rrc?.segw ?? ctx.lab.addresses.segw;
}

/** 16.2.3 then 16.2.1, 16.2.2: the SeGW is provisioned before the UE is told; the tunnel comes up; both delete the PSK. */
export async function setUp(ctx: DemoContext, u: DemoUe, drbs: readonly DrbConfig[] = SETUP_DRBS): Promise<string | undefined> {
  const from = ctx.lab.log.mark();
  const r = await ctx.lab.enb.setupLwip(u.id, drbs);
  const up = await settles(ctx.lab.log.waitFor(is("lwip-tunnel-up", "UE", u.id), `${u.id} tunnel up`, from, 8000));
  const events = ctx.lab.log.of(u.id, from).map((e) => e.event);
  const ordered = events.indexOf("lwip-addition-acknowledge") >= 0 && events.indexOf("lwip-addition-acknowledge") < events.indexOf("rrc-lwip-configuration");
  ctx.expect(u.id, "16.2.3", "SeGW provisioned (IDi, LWIP-PSK) before the UE is configured", r.ok && ordered);
  ctx.expect(u.id, "16.2.2", "IKEv2 with the LWIP-PSK: IKE SA and CHILD SA up", up);
  const idi = lastIdi(ctx, u.id, from);
  const psk = u.psks.at(-1);
  ctx.expect(u.id, "16.2.2", "PSK deleted at the UE after the handshake", psk !== undefined && zero(psk.buffer));
  const entry = await segwEntry(ctx, idi);
  ctx.expect(u.id, "16.2.2", "PSK deleted at the SeGW (entry connected, no key)", entry?.state === "connected");
  u.procedures.push("set-up");
  return idi;
}

/** Sends SDUs on every DRB both ways and checks each arrived on its path (16.3: one tunnel for all offloaded DRBs). */
export async function traffic(ctx: DemoContext, u: DemoUe, drbs: readonly DrbConfig[], label: string): Promise<void> {
  const enbSide = ctx.lab.enbTrafficOf(u.id);
  const before = { enb: enbSide.snapshot(), ue: u.traffic.snapshot() };
  const expected: { drbId: number; dir: "uplink" | "downlink"; path: "wlan" | "lte" }[] = [];
  for (let seq = 0; seq < SDUS_PER_DRB; seq++) {
    for (const { drbId } of drbs) {
      const ul = u.ue.sendUplink(drbId, probeSdu({ drbId, direction: "uplink", seq }));
      const dl = ctx.lab.enb.sendDownlink(u.id, drbId, probeSdu({ drbId, direction: "downlink", seq }));
      if (ul) u.sent.sent(drbId, "uplink", ul);
      if (dl) u.sent.sent(drbId, "downlink", dl);
      if (seq === 0 && ul) expected.push({ drbId, dir: "uplink", path: ul });
      if (seq === 0 && dl) expected.push({ drbId, dir: "downlink", path: dl });
    }
  }
  const count = (dir: "uplink" | "downlink", drbId: number, path: "wlan" | "lte", now: boolean) => {
    const table = dir === "uplink" ? (now ? enbSide.snapshot() : before.enb) : (now ? u.traffic.snapshot() : before.ue);
    return table[`drb${drbId} ${dir}`]?.received[path] ?? 0;
  };
  const all = () => expected.every((x) => count(x.dir, x.drbId, x.path, true) - count(x.dir, x.drbId, x.path, false) >= SDUS_PER_DRB);
  const ok = await eventually(all, 5000);
  const paths = expected.map((x) => `DRB${x.drbId} ${x.dir === "uplink" ? "UL" : "DL"} ${x.path.toUpperCase()}`).join(", ");
  ctx.expect(u.id, "16.3", `${label}: ${SDUS_PER_DRB} SDUs each way on ${drbs.length} DRBs arrived (${paths})`, ok && expected.length === 2 * drbs.length);
}

/** 16.3: a DRB added to the same tunnel; deleting the last offloaded DRB releases the tunnel at SeGW and UE. */
export async function drbAddThenLastRelease(ctx: DemoContext, u: DemoUe, idi: string | undefined): Promise<void> {
  const added: DrbConfig = { drbId: 4, type: "lwip" };
  const addedOk = (await ctx.lab.enb.addDrb(u.id, added)).ok && await eventually(() => u.ue.drbs.get(added.drbId) === added.type);
  ctx.expect(u.id, "16.3", "DRB 4 added to the existing tunnel", addedOk && u.ue.ikeSaCount === 1);
  await traffic(ctx, u, [added], "new DRB 4");
  const from = ctx.lab.log.mark();
  for (const drbId of [4, 2, 1]) await ctx.lab.enb.deleteDrb(u.id, drbId);
  const released = await settles(ctx.lab.log.waitFor((e) => e.event === "lwip-release-request" && e.ue === u.id && e.trigger === "last-drb", "last-DRB release", from));
  const gone = await eventually(async () => !(await segwHasSa(ctx, idi)) && u.ue.ikeSaCount === 0);
  ctx.expect(u.id, "16.3", "last offloaded DRB deleted: tunnel released at SeGW and UE", released && gone);
  u.procedures.push("DRB add", "last-DRB release");
}

/** 16.4.2: new KeNB -> release, next counter, new PSK provisioned, the UE re-initiates; the old PSK is dead. */
export async function keyRefresh(ctx: DemoContext, u: DemoUe, oldIdi: string | undefined): Promise<string | undefined> {
  const oldPsk = u.psks.at(-1)?.copy;
  const from = ctx.lab.log.mark();
  const r = await ctx.lab.enb.refreshKeys(u.id);
  const up = await settles(ctx.lab.log.waitFor(is("lwip-tunnel-up", "UE", u.id), "the new tunnel", from, 8000));
  const idi = lastIdi(ctx, u.id, from);
  ctx.expect(u.id, "16.4.2", "AS key refresh: old tunnel released, new PSK from the new KeNB, UE re-initiated", r.ok && up && idi !== oldIdi);
  const replay = oldIdi && oldPsk ? await tryHandshake(ctx.lab.addresses.rogue, segwFor(ctx, u.id, oldIdi), fromHex(oldIdi) ?? new Uint8Array(0), oldPsk) : "missing";
  ctx.note("attacker", "SeGW", "IKE_AUTH with the pre-refresh PSK", "16.4.2", "attack");
  ctx.expect(u.id, "16.4.2", "the old PSK no longer authenticates", replay === "AUTHENTICATION_FAILED", replay);
  u.procedures.push("key refresh");
  return idi;
}

/** 16.5: S1/X2 handover releases the tunnel at SeGW and UE; both deleted the PSK. */
export async function handover(ctx: DemoContext, u: DemoUe, idi: string | undefined): Promise<void> {
  const target = CELLS[1] ?? CELLS[0];
  const r = target ? await ctx.lab.enb.handover(u.id, target) : { ok: false };
  const gone = await eventually(async () => !(await segwHasSa(ctx, idi)) && u.ue.ikeSaCount === 0);
  const noPsk = u.psks.every((p) => zero(p.buffer)) && (await segwEntry(ctx, idi)) === undefined;
  ctx.expect(u.id, "16.5", "handover: no SA remains at UE or SeGW, PSK deleted at both", r.ok && gone && noPsk);
  u.procedures.push("handover");
}

/** 16.6: radio link failure releases the tunnel at the SeGW (and the UE). */
export async function radioLinkFailure(ctx: DemoContext, u: DemoUe, idi: string | undefined): Promise<void> {
  const r = await ctx.lab.enb.radioLinkFailure(u.id);
  const gone = await eventually(async () => !(await segwHasSa(ctx, idi)) && u.ue.ikeSaCount === 0);
  ctx.expect(u.id, "16.6", "radio link failure: tunnel released at the SeGW and the UE", r.ok && gone);
  u.procedures.push("RLF");
}

/** 16.6: WLAN loss detected by liveness and reported; on recovery a fresh tunnel with a new PSK. */
export async function wlanLossAndRecovery(ctx: DemoContext, u: DemoUe, idi: string | undefined): Promise<string | undefined> {
  const from = ctx.lab.log.mark();
  u.ue.setWlanAvailable(false);
  const lost = await settles(ctx.lab.log.waitFor(is("wlan-loss-detected", "UE", u.id), "liveness failure", from, 8000));
  const released = await eventually(async () => !(await segwHasSa(ctx, idi)), 8000);
  ctx.expect(u.id, "16.6", "WLAN loss detected by liveness, reported, tunnel released at the SeGW", lost && released);
  const back = ctx.lab.log.mark();
  u.ue.setWlanAvailable(true);
  const up = await settles(ctx.lab.log.waitFor(is("lwip-tunnel-up", "UE", u.id), "the fresh tunnel", back, 8000));
  const fresh = lastIdi(ctx, u.id, back);
  ctx.expect(u.id, "16.6", "WLAN recovered: fresh tunnel with a new IDi and PSK", up && fresh !== undefined && fresh !== idi);
  u.procedures.push("WLAN loss", "WLAN recovery");
  return fresh;
}
