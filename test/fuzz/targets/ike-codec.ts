/**
 * IKE codec targets. "ike-message": the header (RFC 7296 §3.1) and payload chain decoders
 * (§3.2-§3.16, RFC 7383 SKF), the UDP 4500 demultiplexer (RFC 3948) and the SeGW's cheap
 * IKE_SA_INIT check, with the round trip decode -> encode -> decode as the oracle.
 * "ike-cert": CERT payload data (X.509, RFC 7296 §3.6) through our DER walker and the chain
 * validation an unauthenticated NDS/IP peer reaches in IKE_AUTH, plus CERTREQ and RFC 7427 data.
 */
import { isDeepStrictEqual } from "node:util";
import { decodeIkeHeader } from "../../../src/ike/codec/header.js";
import { decodeMessage, decodePayloads, encodeMessage } from "../../../src/ike/codec/message.js";
import { classifyUdp4500 } from "../../../src/esp/udp-encap.js";
import { isIkeSaInitRequest } from "../../../src/segw/ike-gate.js";
import { parseCertificatesPem, validatePeerCertificate, type Certificate } from "../../../src/ike/auth/certificates.js";
import { readCertificateFields } from "../../../src/ike/auth/cert-fields.js";
import { decodeCertReqData } from "../../../src/ike/auth/certreq.js";
import { decodeSignatureHashAlgorithms } from "../../../src/ike/auth/hash-algorithms.js";
import { CertEncoding, IdType } from "../../../src/ike/registry.js";
import { createDevPki } from "../../../src/pki/dev-pki.js";
import { hex } from "../../../src/wire/hex.js";
import { loadVectors } from "../../support/vectors.js";
import type { FuzzTarget } from "../campaign/target.js";
import { FuzzViolation, invariant } from "../campaign/target.js";
import { captureEngineMessages, IKE_DICTIONARY } from "./ike-engine.js";
import { IKE_CHAIN_MUTATORS } from "./ike-forms.js";
import { tokens } from "../campaign/mutators.js";

/** Captured strongSwan / node-ikev2 messages (test/vectors) and our own handshakes' messages. */
export function ikeMessageSeeds(): Uint8Array[] {
  const vectors = loadVectors<{ cases: { ike_message: string }[] }>("ikev2-messages-captured-node-ikev2.json").cases.map((c) => hex(c.ike_message));
  const free5gc = loadVectors<{ cases: { message: string }[] }>("ikev2-message-sk-eap-free5gc.json").cases.map((c) => hex(c.message));
  return [...vectors, ...free5gc, ...captureEngineMessages().map((c) => c.plaintext)];
}

function reEncode(msg: Parameters<typeof encodeMessage>[1], header: Parameters<typeof encodeMessage>[0]): Uint8Array {
  try {
    return encodeMessage(header, msg);
  } catch (e) {
    throw new FuzzViolation(`a decoded message does not encode again: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** One ike-message input: every IKE-level decoder, and the round trip for what decodes. */
export function runIkeMessage(input: Uint8Array): void {
  classifyUdp4500(input);
  isIkeSaInitRequest(input);
  decodeIkeHeader(input);
  decodePayloads(input[0] ?? 0, input.subarray(1));
  const m = decodeMessage(input);
  if (!m.ok) return;
  const { header, payloads } = m.value;
  const again = decodeMessage(reEncode(payloads, { spiI: header.spiI, spiR: header.spiR, version: header.version, exchangeType: header.exchangeType, flags: header.flags, messageId: header.messageId }));
  invariant(again.ok, `re-encoded message does not decode: ${again.ok ? "" : again.error.message}`);
  invariant(isDeepStrictEqual(again.value.payloads, payloads), "decode -> encode -> decode changed the payloads");
}

export const ikeMessageTarget: FuzzTarget = {
  name: "ike-message",
  inputFormat: "one IKE message (UDP payload on port 500); also read as [first payload type][payload chain]",
  async seeds() {
    return ikeMessageSeeds();
  },
  run: runIkeMessage,
  maxLength: 4096,
  dictionary: IKE_DICTIONARY,
  mutators: IKE_CHAIN_MUTATORS,
};

interface CertContext {
  readonly anchors: readonly Certificate[];
  readonly ders: readonly Uint8Array[];
}

let certContext: CertContext | undefined;

function pemDer(pem: string): Uint8Array[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g)].map((m) => new Uint8Array(Buffer.from((m[1] ?? "").replace(/\s/g, ""), "base64")));
}

async function loadCertContext(): Promise<CertContext> {
  if (certContext) return certContext;
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw.lwip.test", segwAddresses: ["127.0.0.1"], days: 1 });
  const ca = files.find((f) => f.name === "ca.pem")?.pem ?? "";
  const anchors = parseCertificatesPem(ca);
  if (!anchors.ok) throw new Error(anchors.error.detail);
  const ders = files.filter((f) => !f.secret).flatMap((f) => pemDer(f.pem));
  certContext = { anchors: anchors.value, ders };
  return certContext;
}

/** [count n (mod 4)][u16 length, DER] x n: the CERT payloads of one IKE_AUTH, then CERTREQ data after them. */
export function runIkeCert(input: Uint8Array): void {
  const anchors = certContext?.anchors ?? [];
  const count = (input[0] ?? 0) % 4;
  const certs: { encoding: number; data: Uint8Array }[] = [];
  let at = 1;
  for (let i = 0; i < count && at + 2 <= input.length; i++) {
    const n = ((input[at] ?? 0) << 8) | (input[at + 1] ?? 0);
    const data = input.subarray(at + 2, at + 2 + n);
    at += 2 + data.length;
    readCertificateFields(data);
    certs.push({ encoding: CertEncoding.X509_SIGNATURE, data });
  }
  const rest = input.subarray(at);
  decodeCertReqData(rest);
  decodeSignatureHashAlgorithms(rest);
  const id = { idType: (input[0] ?? 0) & 0x80 ? IdType.ID_IPV4_ADDR : IdType.ID_FQDN, data: new TextEncoder().encode("alpha") };
  validatePeerCertificate({ certPayloads: certs, id, trustAnchors: anchors, now: Date.UTC(2030, 0, 1) });
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

export const ikeCertTarget: FuzzTarget = {
  name: "ike-cert",
  inputFormat: "octet 0: number of CERT payloads (mod 4, bit 7: ID_IPV4_ADDR), then per CERT a u16 length and DER; the rest is CERTREQ / SIGNATURE_HASH_ALGORITHMS data",
  async seeds() {
    const c = await loadCertContext();
    return c.ders.flatMap((der) => [
      Uint8Array.of(1, ...u16(der.length), ...der),
      Uint8Array.of(2, ...u16(der.length), ...der, ...u16(c.ders[0]?.length ?? 0), ...(c.ders[0] ?? [])),
    ]);
  },
  run: runIkeCert,
  maxLength: 8192,
  dictionary: [...tokens([0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x80, 0x81, 0x82, 0x83, 0x84, 0xa0, 0xa3], 1), hex("2a864886f70d01010b"), hex("2a8648ce3d040302"), hex("551d0f"), hex("551d11"), hex("551d13"), hex("551d25")],
  mutators: [],
};
