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

/**
 * Provisions a UE entry the way an eNB does (the control API's registry, without TLS); returns its
 * IDi, PSK and the SeGW address to attack (the worker holding it).
 */
async function provisionDecoy(ctx: DemoContext, windowSeconds: number): Promise<{ idi: Uint8Array; psk: Uint8Array; segw: string }> {
  const idi = random(16);
  const psk = random(32);
  const r = await ctx.lab.segwView.registry.provision("alpha", {
    enbUeXwapId: random(3), ueIdentity: random(6), lwipPsk: psk.slice(), ikeInitiatorIdentity: idi, windowSeconds,
    enbGtpTunnelEndpoint: { transportLayerAddress: ctx.lab.addresses.enbGtp, gtpTeid: random(4) },
  });
  if (!r.ok) throw new Error(`decoy not provisioned: ${r.reason}`);
  return { idi, psk, segw: r.entry.segwIpAddress ?? ctx.lab.addresses.segw };
}

/** Reads one sample of the SeGW's Prometheus text. */
async function sample(ctx: DemoContext, metric: string): Promise<number> {
  const text = await ctx.lab.segwView.metricsText();
  const m = new RegExp(`^${metric.replace(/[{}]/g, "\\$&")} (\\d+)`, "m").exec(text);
  return Number(m?.[1] ?? 0);
}

const drops = (ctx: DemoContext, reason: string) => sample(ctx, `lwip_segw_drops_total{reason="${reason}"}`);
const uplinkPackets = (ctx: DemoContext) => sample(ctx, 'lwip_segw_packets_total{direction="uplink"}');

export async function wrongPsk(ctx: DemoContext): Promise<void> {
  const decoy = await provisionDecoy(ctx, 30);
  const r = await tryHandshake(ctx.lab.addresses.rogue, decoy.segw, decoy.idi, random(32));
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH with a wrong PSK -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "wrong PSK refused (AUTHENTICATION_FAILED)", r === "AUTHENTICATION_FAILED", r);
}

/** `segw`: the address the UE was given with that IDi. */
export async function replayedPsk(ctx: DemoContext, idiHex: string | undefined, psk: Uint8Array | undefined, segw: string): Promise<void> {
  const idi = idiHex ? fromHex(idiHex) : undefined;
  const r = idi && psk ? await tryHandshake(ctx.lab.addresses.rogue, segw, idi, psk) : "missing";
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH replaying a used IDi + PSK -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "replayed PSK refused: deleted after its first use", r === "AUTHENTICATION_FAILED", r);
}

export async function expiredWindow(ctx: DemoContext): Promise<void> {
  const decoy = await provisionDecoy(ctx, 1);
  await eventually(async () => (await ctx.lab.segwView.registry.find("alpha", { idi: decoy.idi })) === undefined, 3000);
  const r = await tryHandshake(ctx.lab.addresses.rogue, decoy.segw, decoy.idi, decoy.psk);
  ctx.note(ATTACKER, "SeGW", "IKE_AUTH after the provisioning window -> AUTHENTICATION_FAILED", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "handshake after the provisioning window refused", r === "AUTHENTICATION_FAILED", r);
}

/** An authenticated UE sends to another address and another protocol: the SeGW drops both (16.2.2, 16.1). */
export async function forbiddenDestination(ctx: DemoContext): Promise<void> {
  const decoy = await provisionDecoy(ctx, 30);
  const client = await openIkeClient(ctx.lab.addresses.rogue, decoy.segw, decoy.idi, decoy.psk);
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
  const uplinkBefore = await uplinkPackets(ctx);
  client.sendUnchecked(encodeIpv4({ src, dst: other, protocol: 47, ttl: 64, id: 1, payload: lwipep }));
  client.sendUnchecked(encodeIpv4({ src, dst: enb, protocol: IpProtocol.UDP, ttl: 64, id: 2, payload: random(16) }));
  const counted = await eventually(async () => (await drops(ctx, "esp-policy")) > beforeSelector && (await drops(ctx, "forbidden-protocol")) > beforeProtocol);
  ctx.note(ATTACKER, "SeGW", "packets to 198.18.1.2 and UDP to the eNB -> dropped", "16.2.2", "attack");
  ctx.expect(ATTACKER, "16.2.2", "forbidden destination and protocol dropped and counted, nothing forwarded to the eNB",
    counted && (await uplinkPackets(ctx)) === uplinkBefore);
  await client.close();
}
