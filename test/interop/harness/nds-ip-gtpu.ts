// GTP-U path management messages composed and read octet by octet from TS 29.281 (not with the
// project's GTP-U codec, which is what the SeGW under test uses), and a UDP exchange inside a
// namespace: the eNB's Echo Request to the SeGW's GTP-U address and whatever comes back.
//
// TS 29.281 §5.1 header, with the sequence number present (S = 1):
//   octet 1     Version (3 bits) = 1 | PT = 1 | spare 0 | E | S | PN  -> 0b001_1_0_0_1_0 = 0x32
//   octet 2     Message Type (§7.1: 1 Echo Request, 2 Echo Response)
//   octets 3-4  Length: the octets after the mandatory 8, i.e. the 4 optional octets plus the IEs
//   octets 5-8  TEID (0 for path management, §5.1)
//   octets 9-10 Sequence Number; octet 11 N-PDU Number (0); octet 12 Next Extension Header Type (0)
// §7.2.1 Echo Request: no mandatory IE. §7.2.2 Echo Response: the request's sequence number
// (§4.3.1 / §5.1) and the Recovery IE (§8.2: type 14, one octet Restart Counter, sent as 0).
import { assertLabAddress } from "./lab-addr.js";
import type { Topology } from "./netns.js";

/** The GTP-U UDP port (TS 29.281 §4.4.2.1). */
export const GTPU_PORT = 2152;

const FLAGS_V1_PT_S = 0x32;
const ECHO_REQUEST = 1;
const ECHO_RESPONSE = 2;
const RECOVERY_IE = 14;

/** An Echo Request (12 octets) with sequence number `seq`. */
export function gtpuEchoRequest(seq: number): Uint8Array {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) throw new Error(`sequence number ${seq} is not 16 bits`);
  return new Uint8Array([FLAGS_V1_PT_S, ECHO_REQUEST, 0x00, 0x04, 0, 0, 0, 0, seq >> 8, seq & 0xff, 0x00, 0x00]);
}

/** What an Echo Response says, or why the octets are not one. */
export type EchoResponseCheck = { readonly ok: true; readonly seq: number; readonly restartCounter: number } | { readonly ok: false; readonly why: string };

/**
 * Reads `bytes` as an Echo Response to the request with sequence number `seq`: version 1, PT 1,
 * S set, type 2, Length matching the datagram, TEID 0, the same sequence number, and a Recovery
 * IE after the optional fields (skipping extension headers when E is set).
 */
export function checkEchoResponse(bytes: Uint8Array, seq: number): EchoResponseCheck {
  const at = (i: number): number => bytes[i] ?? -1;
  if (bytes.length < 12) return { ok: false, why: `only ${bytes.length} octets` };
  const flags = at(0);
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return { ok: false, why: `flags 0x${flags.toString(16)}: not GTP-U version 1 (PT 1)` };
  if ((flags & 0x02) === 0) return { ok: false, why: "S flag clear: an Echo Response carries the sequence number" };
  if (at(1) !== ECHO_RESPONSE) return { ok: false, why: `message type ${at(1)}, not 2 (Echo Response)` };
  const length = (at(2) << 8) | at(3);
  if (length !== bytes.length - 8) return { ok: false, why: `Length ${length} but ${bytes.length - 8} octets follow the mandatory header` };
  if (at(4) !== 0 || at(5) !== 0 || at(6) !== 0 || at(7) !== 0) return { ok: false, why: "TEID is not 0" };
  const gotSeq = (at(8) << 8) | at(9);
  if (gotSeq !== seq) return { ok: false, why: `sequence number ${gotSeq}, request had ${seq}` };
  let i = 12;
  // §5.2: each extension header is Length (in 4-octet units) ... Next Extension Header Type.
  for (let next = (flags & 0x04) === 0 ? 0 : at(11); next !== 0; ) {
    const units = at(i);
    if (units <= 0 || i + units * 4 > bytes.length) return { ok: false, why: `bad extension header at octet ${i}` };
    next = at(i + units * 4 - 1);
    i += units * 4;
  }
  if (at(i) !== RECOVERY_IE || i + 2 > bytes.length) return { ok: false, why: `no Recovery IE (type 14) at octet ${i}` };
  return { ok: true, seq: gotSeq, restartCounter: at(i + 1) };
}

/** A datagram that came back. */
export interface UdpReply {
  readonly from: string;
  readonly port: number;
  readonly bytes: Uint8Array;
}

/** Outcome of {@link udpExchange}: the first reply, or null when none came within the wait. */
export interface UdpExchange {
  readonly reply: UdpReply | null;
}

/**
 * Binds src:srcPort, sends one datagram, prints the first answer (or none after waitMs) as JSON.
 * Passed to `node -e`, so nothing has to be copied next to the compiled tests.
 */
const EXCHANGE_SCRIPT = `
const dgram = require("node:dgram");
const [src, srcPort, dst, dstPort, hex, waitMs] = process.argv.slice(1);
const s = dgram.createSocket("udp4");
const done = (o) => { clearTimeout(timer); console.log(JSON.stringify(o)); s.close(); };
const timer = setTimeout(() => done({ reply: null }), Number(waitMs));
s.on("message", (m, r) => done({ reply: { from: r.address, port: r.port, hex: m.toString("hex") } }));
s.on("error", (e) => { console.error(e.message); process.exit(2); });
s.bind(Number(srcPort), src, () => s.send(Buffer.from(hex, "hex"), Number(dstPort), dst, (e) => { if (e) { console.error(e.message); process.exit(3); } }));
`;

/**
 * Sends `payload` from src:srcPort to dst:port inside namespace `ns` and waits at most `waitMs`
 * for the first datagram back on that socket; resolves as soon as one arrives.
 * @throws Error when the socket cannot be bound or the datagram cannot be sent.
 */
export async function udpExchange(
  topo: Topology,
  ns: string,
  p: { readonly src: string; readonly srcPort: number; readonly dst: string; readonly port: number; readonly payload: Uint8Array; readonly waitMs: number },
): Promise<UdpExchange> {
  assertLabAddress(p.src, "UDP source");
  assertLabAddress(p.dst, "UDP destination");
  const argv = [process.execPath, "-e", EXCHANGE_SCRIPT, p.src, String(p.srcPort), p.dst, String(p.port), Buffer.from(p.payload).toString("hex"), String(p.waitMs)];
  const r = await topo.exec(ns, argv, { timeoutMs: p.waitMs + 10_000 });
  const out = JSON.parse(r.stdout) as { reply: { from: string; port: number; hex: string } | null };
  return { reply: out.reply === null ? null : { from: out.reply.from, port: out.reply.port, bytes: new Uint8Array(Buffer.from(out.reply.hex, "hex")) } };
}
