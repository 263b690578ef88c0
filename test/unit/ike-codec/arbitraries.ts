/**
 * fast-check arbitraries for valid typed IKEv2 payloads: every value they produce satisfies the
 * decoder's rules (RFC 7296 §3, RFC 7383 §2.5), so encode -> decode must give it back.
 */
import fc from "fast-check";
import { CfgAttribute, DhGroup, PayloadType, ProtocolId } from "../../../src/ike/registry.js";
import type {
  CfgAttr,
  Payload,
  Proposal,
  TrafficSelector,
  Transform,
  TransformAttr,
  UnknownPayload,
} from "../../../src/ike/codec/payloads.js";

/** Records with an ordinary prototype, so decoded values can be compared with deepStrictEqual. */
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });
const critical = fc.boolean();

const attr: fc.Arbitrary<TransformAttr> = fc.oneof(
  record({ type: fc.integer({ min: 0, max: 0x7fff }), value: u16 }),
  record({ type: fc.integer({ min: 0, max: 0x7fff }), value: bytes(0, 12) }),
);
const transform: fc.Arbitrary<Transform> = record({ type: u8, id: u16, attributes: fc.array(attr, { maxLength: 3 }) });

/** SPI sizes that fit the protocol (§3.3.1); unknown protocols carry any SPI. */
const protocolAndSpi = fc.oneof(
  record({ protocolId: fc.constant<number>(ProtocolId.IKE), spi: fc.oneof(bytes(0, 0), bytes(8, 8)) }),
  record({ protocolId: fc.constantFrom<number>(ProtocolId.AH, ProtocolId.ESP), spi: bytes(4, 4) }),
  record({ protocolId: fc.integer({ min: 4, max: 0xff }), spi: bytes(0, 8) }),
);
const proposal: fc.Arbitrary<Proposal> = fc
  .tuple(u8, protocolAndSpi, fc.array(transform, { maxLength: 4 }))
  .map(([number, ps, transforms]) => ({ number, ...ps, transforms }));

const KE_LENGTHS: ReadonlyMap<number, number> = new Map([
  [DhGroup.MODP_2048, 256],
  [DhGroup.ECP_256, 64],
  [DhGroup.ECP_384, 96],
  [DhGroup.ECP_521, 132],
  [DhGroup.CURVE25519, 32],
]);
const knownGroups = new Set<number>(Object.values(DhGroup).filter((g) => g !== DhGroup.NONE));
const keBody = fc.oneof(
  fc.constantFrom(...KE_LENGTHS.keys()).chain((dhGroup) => bytes(KE_LENGTHS.get(dhGroup) ?? 0, KE_LENGTHS.get(dhGroup) ?? 0).map((keyData) => ({ dhGroup, keyData }))),
  record({ dhGroup: u16.filter((g) => !knownGroups.has(g)), keyData: bytes(0, 40) }),
);

const idBody = fc.oneof(
  record({ idType: fc.constant(1), data: bytes(4, 4) }),
  record({ idType: fc.constant(5), data: bytes(16, 16) }),
  record({ idType: u8.filter((t) => t !== 1 && t !== 5), data: bytes(0, 40) }),
);

const deleteBody = fc.oneof(
  record({ protocolId: fc.constant<number>(ProtocolId.IKE), spiSize: fc.constant(0), spis: fc.constant<Uint8Array[]>([]) }),
  record({ protocolId: fc.constantFrom<number>(ProtocolId.AH, ProtocolId.ESP), spiSize: fc.constant(4), spis: fc.array(bytes(4, 4), { maxLength: 5 }) }),
);

const selector: fc.Arbitrary<TrafficSelector> = fc
  .tuple(fc.constantFrom(7, 8), u8, u16, u16)
  .chain(([tsType, ipProtocol, startPort, endPort]) => {
    const n = tsType === 7 ? 4 : 16;
    return record({
      tsType: fc.constant(tsType),
      ipProtocol: fc.constant(ipProtocol),
      startPort: fc.constant(startPort),
      endPort: fc.constant(endPort),
      startAddress: bytes(n, n),
      endAddress: bytes(n, n),
    });
  });

/** Configuration attribute lengths allowed by RFC 7296 §3.15.1 for the types the codec checks. */
const CFG_FIXED: readonly (readonly [number, number])[] = [
  [CfgAttribute.INTERNAL_IP4_ADDRESS, 4],
  [CfgAttribute.INTERNAL_IP4_DNS, 4],
  [CfgAttribute.INTERNAL_IP6_ADDRESS, 17],
  [CfgAttribute.INTERNAL_IP6_DNS, 16],
  [CfgAttribute.INTERNAL_IP4_SUBNET, 8],
];
const cfgAttr: fc.Arbitrary<CfgAttr> = fc.oneof(
  fc.constantFrom(...CFG_FIXED).chain(([type, n]) => record({ type: fc.constant(type), value: fc.oneof(bytes(0, 0), bytes(n, n)) })),
  record({ type: fc.constant<number>(CfgAttribute.SUPPORTED_ATTRIBUTES), value: fc.integer({ min: 0, max: 4 }).chain((n) => bytes(2 * n, 2 * n)) }),
  record({ type: fc.integer({ min: 16, max: 0x7fff }), value: bytes(0, 20) }),
);

const eapMessage = fc.tuple(u8, u8, bytes(0, 30)).map(([code, identifier, rest]) => {
  const m = new Uint8Array(4 + rest.length);
  m[0] = code;
  m[1] = identifier;
  new DataView(m.buffer).setUint16(2, m.length);
  m.set(rest, 4);
  return m;
});

const KNOWN_TYPES = new Set<number>(Object.values(PayloadType));
const unknownPayload: fc.Arbitrary<UnknownPayload> = record({
  type: fc.integer({ min: 1, max: 0xff }).filter((t) => !KNOWN_TYPES.has(t)),
  critical: fc.constant(false),
  body: bytes(0, 30),
  unknown: fc.constant(true as const),
});

/** Any valid payload that may appear before the end of a chain (everything but SK and SKF). */
export const plainPayload: fc.Arbitrary<Payload> = fc.oneof(
  record({ type: fc.constant(PayloadType.SA), critical, proposals: fc.array(proposal, { minLength: 1, maxLength: 3 }) }),
  keBody.chain((b) => record({ type: fc.constant(PayloadType.KE), critical, dhGroup: fc.constant(b.dhGroup), keyData: fc.constant(b.keyData) })),
  fc.tuple(fc.constantFrom(PayloadType.IDi, PayloadType.IDr), critical, idBody).map(([type, c, b]) => ({ type, critical: c, ...b })),
  record({ type: fc.constant(PayloadType.CERT), critical, encoding: u8, data: bytes(0, 40) }),
  record({ type: fc.constant(PayloadType.CERTREQ), critical, encoding: u8, data: bytes(0, 40) }),
  record({ type: fc.constant(PayloadType.AUTH), critical, method: u8, data: bytes(0, 40) }),
  record({ type: fc.constant(PayloadType.NONCE), critical, nonce: bytes(16, 256) }),
  record({ type: fc.constant(PayloadType.NOTIFY), critical, protocolId: u8, spi: bytes(0, 8), notifyType: u16, data: bytes(0, 30) }),
  fc.tuple(critical, deleteBody).map(([c, b]) => ({ type: PayloadType.DELETE, critical: c, ...b })),
  record({ type: fc.constant(PayloadType.VENDOR), critical, vendorId: bytes(0, 30) }),
  record({ type: fc.constantFrom(PayloadType.TSi, PayloadType.TSr), critical, selectors: fc.array(selector, { maxLength: 4 }) }),
  record({ type: fc.constant(PayloadType.CP), critical, cfgType: u8, attributes: fc.array(cfgAttr, { maxLength: 5 }) }),
  record({ type: fc.constant(PayloadType.EAP), critical, message: eapMessage }),
  unknownPayload,
);

/** SK or SKF, which end a chain. */
export const encryptedPayload: fc.Arbitrary<Payload> = fc.oneof(
  record({ type: fc.constant(PayloadType.SK), critical, innerFirst: u8, body: bytes(0, 64) }),
  fc
    .integer({ min: 1, max: 0xffff })
    .chain((total) =>
      record({
        type: fc.constant(PayloadType.SKF),
        critical,
        innerFirst: u8,
        fragmentNumber: fc.integer({ min: 1, max: total }),
        totalFragments: fc.constant(total),
        body: bytes(0, 64),
      }),
    ),
);

/** A valid payload chain: plain payloads, optionally ending with SK or SKF. */
export const payloadChain: fc.Arbitrary<Payload[]> = fc
  .tuple(fc.array(plainPayload, { maxLength: 6 }), fc.option(encryptedPayload, { nil: undefined }))
  .map(([plain, last]) => (last === undefined ? plain : [...plain, last]));
