/**
 * Attacks the SeGW must stop (TS 33.401 16.1, 16.2.2), run by an initiator on a rogue WLAN address:
 * a wrong PSK, a PSK replayed after use, a handshake after the window, and an authenticated UE
 * reaching for addresses other than its eNB's LWIP endpoint. Each must be refused and counted.
 */
import { encodeIpv4 } from "../inet/ipv4.js";
import { IpProtocol } from "../inet/constants.js";
import { encodeLwipep, EtherType } from "../lwipep/lwipep.js";
import { parseIp } from "../ike/traffic-selector.js";
import { fromHex } from "../wire/hex.js";
import { ENB_LWIP_ENDPOINT, openIkeClient, tryHandshake } from "./lab.js";
import { eventually, type DemoContext } from "./demo-context.js";

const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const ATTACKER = "attacker";

/** Provisions a UE entry the way an eNB does, straight into the store; returns its IDi and PSK. */
function provisionDecoy(ctx: DemoContext, windowSeconds: number): { idi: Uint8Array; psk: Uint8Array } {
  const idi = random(16);
  const psk = random(32);
  const r = ctx.lab.segw.store.provision("alpha", {
    enbUeXwapId: random(3), ueIdentity: random(6), lwipPsk: psk.slice(), ikeInitiatorIdentity: idi, windowSeconds,
    enbGtpTunnelEndpoint: { transportLayerAddress: ctx.lab.addresses.enbGtp, gtpTeid: random(4) },
  });
  if (!r.ok) throw new Error(`decoy not provisioned: ${r.reason}`);
  return { idi, psk };
}

async function pollAsync(cond: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Reads one labelled sample of lwip_segw_drops_total from the SeGW's Prometheus registry. */
async function drops(ctx: DemoContext, reason: string): Promise<number> {
  const text = await ctx.lab.segw.metrics.metrics();
  const m = new RegExp(`^lwip_segw_drops_total\\{reason="${reason}"\\} (\\d+)`, "m").exec(text);
  return Number(m?.[1] ?? 0);
}

export async function wrongPsk(ctx: DemoContext): Promise<void> {
  const decoy = provisionDecoy(ctx, 30);
  const r = await tryHandshake(ctx.lab.addresses.rogue, ctx.lab.addresses.segw, decoy.idi, random(32));
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH with a wrong PSK -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "wrong PSK refused (AUTHENTICATION_FAILED)", r === "AUTHENTICATION_FAILED", r);
}

export async function replayedPsk(ctx: DemoContext, idiHex: string | undefined, psk: Uint8Array | undefined): Promise<void> {
  const idi = idiHex ? fromHex(idiHex) : undefined;
  const r = idi && psk ? await tryHandshake(ctx.lab.addresses.rogue, ctx.lab.addresses.segw, idi, psk) : "missing";
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH replaying a used IDi + PSK -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "replayed PSK refused: deleted after its first use", r === "AUTHENTICATION_FAILED", r);
}

export async function expiredWindow(ctx: DemoContext): Promise<void> {
  const decoy = provisionDecoy(ctx, 1);
  await eventually(() => ctx.lab.segw.store.get(decoy.idi) === undefined, 3000);
  const r = await tryHandshake(ctx.lab.addresses.rogue, ctx.lab.addresses.segw, decoy.idi, decoy.psk);
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH after the provisioning window -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "handshake after the provisioning window refused", r === "AUTHENTICATION_FAILED", r);
}

/** An authenticated UE sends to another address and another protocol: the SeGW drops both (16.2.2, 16.1). */
export async function forbiddenDestination(ctx: DemoContext): Promise<void> {
  const decoy = provisionDecoy(ctx, 30);
  const client = await openIkeClient(ctx.lab.addresses.rogue, ctx.lab.addresses.segw, decoy.idi, decoy.psk);
  const src = client.virtualIp;
  const enb = parseIp(ENB_LWIP_ENDPOINT);
  const other = parseIp("198.18.1.2");
  if (client.result !== "up" || !src || !enb || !other) {
    ctx.expect(ATTACKER, "16.2.2", "attacker UE connected to try forbidden traffic", false, client.result);
    return client.close();
  }
  const lwipep = encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: random(32) });
  const beforeSelector = await drops(ctx, "esp-policy");
  const beforeProtocol = await drops(ctx, "forbidden-protocol");
  const uplinkBefore = ctx.lab.segw.userPlane.counters.uplinkPackets;
  client.sendUnchecked(encodeIpv4({ src, dst: other, protocol: 47, ttl: 64, id: 1, payload: lwipep }));
  client.sendUnchecked(encodeIpv4({ src, dst: enb, protocol: IpProtocol.UDP, ttl: 64, id: 2, payload: random(16) }));
  const counted = await pollAsync(async () => (await drops(ctx, "esp-policy")) > beforeSelector && (await drops(ctx, "forbidden-protocol")) > beforeProtocol);
  ctx.note(ATTACKER, "SeGW", "packets to 198.18.1.2 and UDP to the eNB -> dropped", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "forbidden destination and protocol dropped and counted, nothing forwarded to the eNB",
    counted && ctx.lab.segw.userPlane.counters.uplinkPackets === uplinkBefore);
  await client.close();
}
