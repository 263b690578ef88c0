/**
 * The scripted attacker on the WLAN: a raw UDP peer that sends whatever octets it is given to the
 * SeGW's IKE or NAT-T port and keeps what comes back, message builders on the project's own codec
 * (deliberately wrong where the test says so), and a half-open attacker that completes a real
 * IKE_SA_INIT (so it holds SK_e/SK_a) but has no PSK for IKE_AUTH.
 */
import { createSocket, type Socket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { decodeMessage, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";
import type { Payload, Proposal, Transform } from "../../../src/ike/codec/payloads.js";
import { createKeyExchange } from "../../../src/ike/crypto/dh.js";
import { createSkCipher, type SkCipher } from "../../../src/ike/crypto/sk-cipher.js";
import { openMessage } from "../../../src/ike/message-protection.js";
import { findPayloads, ke, nonce, notify, sa } from "../../../src/ike/payload-builders.js";
import { DhGroup, EncrId, ExchangeType, HeaderFlag, IdType, IKE_VERSION, NotifyType, PrfId, ProtocolId, TransformType } from "../../../src/ike/registry.js";
import { natDetectionHash } from "../../../src/ike/nat-detection.js";
import { IkeNode } from "../../../src/ike/ike-node.js";
import { parseProposalList } from "../../../src/ike/proposal.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import { systemClock } from "../../../src/io/clock.js";
import { createLogger } from "../../../src/io/log.js";
import { withNonEspMarker } from "../../../src/esp/udp-encap.js";
import { concatBytes } from "../../../src/wire/hex.js";
import { rawSkCbc, rawSkGcm, type BodySealer } from "../../fuzz/targets/raw-seal.js";
import { RecordingSink } from "../../support/ike-pair.js";
import type { LabPorts } from "./lab.js";
import { eventually } from "./lab.js";

const SEGW = "127.0.0.1";

/** A UDP socket on an attacker address (its own, so per-source rate limits apply to it alone). */
export class RawPeer {
  readonly received: Uint8Array[] = [];

  private constructor(private readonly socket: Socket, readonly address: string) {
    socket.on("message", (m) => void this.received.push(new Uint8Array(m)));
  }

  static async open(address: string, port = 0): Promise<RawPeer> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => resolve());
    });
    return new RawPeer(socket, address);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Uint8Array, port: number): void {
    this.socket.send(bytes, port, SEGW);
  }

  /** An IKE message to the NAT-T port, behind the non-ESP marker (RFC 3948 §2.2). */
  sendNatt(message: Uint8Array, port: number): void {
    this.send(withNonEspMarker(message), port);
  }

  /** Waits for a datagram (after `from` already received) and returns it, or undefined after `ms`. */
  async next(ms = 1500, from = 0): Promise<Uint8Array | undefined> {
    await eventually(() => this.received.length > from, ms);
    return this.received[from];
  }

  close(): void {
    this.socket.close();
  }
}

/** The Notify types of an unprotected IKE message (e.g. an IKE_SA_INIT response). */
export function notifyTypes(message: Uint8Array | undefined): number[] {
  const m = message && decodeMessage(withoutMarker(message));
  return m?.ok ? findPayloads(m.value.payloads, 41).map((n) => n.notifyType) : [];
}

function transform(type: number, id: number, keyBits?: number): Transform {
  return { type, id, attributes: keyBits === undefined ? [] : [{ type: 14, value: keyBits }] };
}

/** One IKE proposal with exactly these transforms (out-of-profile ones included). */
export function ikeProposal(encr: [number, number?], prf: number, integ: number | undefined, dh: number): Proposal {
  return {
    number: 1, protocolId: ProtocolId.IKE, spi: new Uint8Array(0),
    transforms: [
      transform(TransformType.ENCR, encr[0], encr[1]),
      transform(TransformType.PRF, prf),
      ...(integ === undefined ? [] : [transform(TransformType.INTEG, integ)]),
      transform(TransformType.DH, dh),
    ],
  };
}

/** The profile's ECP-256 + AES-GCM-16 proposal, for requests that should get past proposal selection. */
export const GOOD_PROPOSAL = ikeProposal([EncrId.ENCR_AES_GCM_16, 128], PrfId.PRF_HMAC_SHA2_256, undefined, DhGroup.ECP_256);

export interface InitRequestOptions {
  readonly spiI?: Uint8Array;
  readonly proposals?: readonly Proposal[];
  /** KE payload: group and Key Exchange Data (default: a fresh valid ECP-256 public value). */
  readonly ke?: { readonly group: number; readonly data: Uint8Array } | null;
  readonly payloads?: readonly Payload[];
  readonly version?: number;
}

/** HDR, SAi1, KEi, Ni, N(NAT_DETECTION_*) built with the project's codec, from `source`. */
export function initRequest(source: RawPeer, o: InitRequestOptions = {}): Uint8Array {
  const spiI = o.spiI ?? new Uint8Array(randomBytes(8));
  const keyExchange = o.ke === undefined ? { group: DhGroup.ECP_256, data: createKeyExchange(DhGroup.ECP_256)?.publicValue ?? new Uint8Array(64) } : o.ke;
  const payloads: Payload[] = o.payloads ? [...o.payloads] : [
    sa(o.proposals ?? [GOOD_PROPOSAL]),
    ...(keyExchange ? [ke(keyExchange.group, keyExchange.data)] : []),
    nonce(new Uint8Array(randomBytes(32))),
    notify(NotifyType.NAT_DETECTION_SOURCE_IP, natDetectionHash(spiI, new Uint8Array(8), { address: source.address, port: source.port })),
    notify(NotifyType.NAT_DETECTION_DESTINATION_IP, new Uint8Array(20)),
  ];
  return encodeMessage({ spiI, spiR: new Uint8Array(8), version: o.version ?? IKE_VERSION, exchangeType: ExchangeType.IKE_SA_INIT, flags: HeaderFlag.INITIATOR, messageId: 0 }, payloads);
}

/** Keys and ciphers of an IKE SA the attacker shares with the SeGW. */
export interface AttackerKeys {
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  /** Seals what the attacker (initiator) sends; opens what the SeGW sends. */
  readonly out: SkCipher;
  readonly in: SkCipher;
  /** Seals with valid ICV around whatever plaintext (trailer included) the test writes. */
  readonly raw: BodySealer;
}

/** The keys of an IKE SA we are the original initiator of (a UE's established SA, or a half-open attacker's). */
export function keysOf(s: IkeSa): AttackerKeys {
  const suite = s.suite;
  const k = s.crypto?.keys;
  if (!suite || !k) throw new Error("IKE SA without keys");
  const gcm = suite.encrId === EncrId.ENCR_AES_GCM_16;
  const make = (e: Uint8Array, a: Uint8Array) => createSkCipher(suite, e.slice(), gcm ? undefined : a.slice());
  const out = make(k.SK_ei, k.SK_ai);
  const back = make(k.SK_er, k.SK_ar);
  if (!out || !back) throw new Error("suite without SkCipher");
  const raw = gcm ? rawSkGcm(k.SK_ei.slice()) : rawSkCbc(k.SK_ei.slice(), k.SK_ai.slice(), "sha256", 16);
  return { spiI: s.spiI.slice(), spiR: s.spiR.slice(), out, in: back, raw };
}

/**
 * An attacker that completes IKE_SA_INIT with the SeGW from `address` (a real DH exchange, so
 * it holds the SK keys) and then stops: the engine's own IKE_AUTH is never sent; the test
 * sends its own on the NAT-T port with `peer`.
 */
export async function halfOpenAttacker(address: string, ports: LabPorts, ike = "aes128gcm16-prfsha256-ecp256"): Promise<{ keys: AttackerKeys; peer: RawPeer }> {
  const peer = await RawPeer.open(address);
  let captured: (() => void) | undefined;
  const authSent = new Promise<void>((resolve) => (captured = resolve));
  const node = new IkeNode({
    clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), sink: new RecordingSink(), log: createLogger("error", () => {}), onEvent: () => {},
    sender: {
      send: (m) => {
        // The engine's IKE_AUTH request marks the end of IKE_SA_INIT; it (and every retransmission) stays here.
        if (m[18] === ExchangeType.IKE_AUTH) return captured?.();
        if (m[18] === ExchangeType.IKE_SA_INIT) peer.send(m, ports.ikePort);
      },
    },
  });
  const original = peer.received.length;
  const specs = parseProposalList(ike, "ike");
  if (!specs.ok) throw new Error(specs.error);
  const ikeSa = node.initiate({
    local: { address, port: peer.port }, remote: { address: SEGW, port: ports.ikePort }, idi: { idType: IdType.ID_KEY_ID, data: Uint8Array.of(0) },
    psk: new Uint8Array(32), ikeProposals: specs.specs, espProposals: [], tsi: [], tsr: [], requestVirtualIp: false,
  });
  const reply = await peer.next(3000, original);
  if (!reply) throw new Error("no IKE_SA_INIT response");
  node.receive(reply, { address: SEGW, port: ports.ikePort }, { address, port: peer.port });
  await authSent;
  const keys = keysOf(ikeSa);
  node.shutdown();
  return { keys, peer };
}

/** The octets without a leading non-ESP marker (RFC 3948 §2.2), as they came from the NAT-T port. */
function withoutMarker(m: Uint8Array): Uint8Array {
  return m.length > 4 && m[0] === 0 && m[1] === 0 && m[2] === 0 && m[3] === 0 ? m.subarray(4) : m;
}

/** HDR, SK{inner chain} from the attacker: `inner` is the encoded chain (well formed or not) whose first payload is `first`. */
export function sealInner(k: AttackerKeys, exchangeType: number, messageId: number, first: number, inner: Uint8Array, sealer: BodySealer = k.out, spis: { spiI: Uint8Array; spiR: Uint8Array } = k): Uint8Array {
  const skLength = 4 + sealer.bodyLength(inner.length);
  const header = encodeMessage({ spiI: spis.spiI, spiR: spis.spiR, version: IKE_VERSION, exchangeType, flags: HeaderFlag.INITIATOR, messageId }, []);
  header[16] = 46;
  new DataView(header.buffer).setUint32(24, 28 + skLength);
  const aad = concatBytes(header, Uint8Array.of(first, 0, skLength >> 8, skLength & 0xff));
  return concatBytes(aad, sealer.seal(aad, inner));
}

/** HDR, SK{payloads} from the attacker, sealed with its keys (or another sealer). */
export function attackerMessage(k: AttackerKeys, exchangeType: number, messageId: number, payloads: readonly Payload[], sealer: BodySealer = k.out): Uint8Array {
  return sealInner(k, exchangeType, messageId, payloads[0]?.type ?? 0, encodePayloads(payloads), sealer);
}

/** A sealer that writes a valid ICV around a bad trailer: Pad Length `padLength` with no padding before it. */
export function badPadding(k: AttackerKeys, padLength: number): BodySealer {
  return { bodyLength: (n) => k.raw.bodyLength(n + 1), seal: (aad, p) => k.raw.seal(aad, concatBytes(p, Uint8Array.of(padLength))) };
}

/** A sealer whose ICV is wrong: the last octet flipped. */
export function badIcv(k: AttackerKeys): BodySealer {
  return {
    bodyLength: (n) => k.out.bodyLength(n),
    seal: (aad, p) => {
      const body = k.out.seal(aad, p);
      body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 0x01;
      return body;
    },
  };
}

/** The payloads of a protected message from the SeGW, opened with the attacker's keys. */
export function openFromSegw(k: AttackerKeys, datagram: Uint8Array | undefined): Payload[] | undefined {
  if (!datagram) return undefined;
  const raw = withoutMarker(datagram);
  const m = decodeMessage(raw);
  if (!m.ok) return undefined;
  const opened = openMessage(raw, m.value, k.in);
  return opened.ok ? opened.payloads : undefined;
}

