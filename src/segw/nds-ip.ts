/**
 * NDS/IP on Xw-U, built in (TS 33.401 16.1: "The interface between the eNB and the LWIP-SeGW shall be
 * confidentiality and integrity protected by NDS/IP TS 33.210"): each eNB sets up an IKE SA with
 * certificates (its identity: ID_FQDN = its configured certificate identity) and an ESP CHILD SA
 * narrowed to SeGW GTP-U address <-> eNB GTP-U address. GTP-U travels only as UDP inside that SA;
 * GTP-U arriving as plain UDP is dropped and counted.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseCertificatesPem, type Certificate } from "../ike/auth/certificates.js";
import { crlProblem, parseCrlsPem, type Crl } from "../ike/auth/crl.js";
import type { ResponderCertificates } from "../ike/context.js";
import type { Endpoint } from "../ike/endpoint.js";
import { IdType } from "../ike/registry.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { formatIp, hostSelector, parseIp } from "../ike/traffic-selector.js";
import { decodeUdpPacket, encodeUdpPacket } from "../inet/udp.js";
import { GTPU_UDP_PORT } from "../gtpu/constants.js";
import type { EspTunnels } from "../dataplane/esp-tunnels.js";
import type { SegwConfig, SegwEnbConfig } from "./config.js";

export class NdsIpZb {
  /** The eNBs' Zb IKE SAs, by eNB GTP-U address. */
  private readonly byGtpAddress = new Map<string, IkeSa>();
  private readonly enbOfSa = new Map<IkeSa, SegwEnbConfig>();
  private readonly gtpuAddress: Uint8Array;

  constructor(private readonly config: SegwConfig, private readonly tunnels: EspTunnels) {
    this.gtpuAddress = parseIp(config.gtpu.advertiseAddress) ?? new Uint8Array(4);
  }

  /** The responder's certificate policy: our SeGW certificate, the eNB CA, and one Zb selector pair per eNB. @throws on unreadable PEM files (start-up error). */
  certificates(): ResponderCertificates {
    const tls = this.config.controlApi.tls;
    const chain = parseCertificatesPem(readFileSync(tls.cert, "utf8"));
    const anchors = parseCertificatesPem(readFileSync(tls.ca, "utf8"));
    if (!chain.ok || !anchors.ok) throw new Error(`NDS/IP certificates: ${chain.ok ? "" : chain.error.detail} ${anchors.ok ? "" : anchors.error.detail}`);
    const crls = tls.crl === undefined ? [] : readCrls(tls.crl, anchors.value);
    return {
      credentials: [{ chain: chain.value, privateKey: createPrivateKey(readFileSync(tls.key, "utf8")) }],
      trustAnchors: anchors.value,
      crls,
      authorize: (id) => {
        const enb = this.enbFor(id.idType, id.data);
        const enbGtp = enb ? parseIp(enb.gtpAddress) : undefined;
        return enb && enbGtp ? { localTs: [hostSelector(this.gtpuAddress)], remoteTs: [hostSelector(enbGtp)] } : undefined;
      },
    };
  }

  private enbFor(idType: number, data: Uint8Array): SegwEnbConfig | undefined {
    if (idType !== IdType.ID_FQDN) return undefined;
    const name = new TextDecoder().decode(data).toLowerCase();
    return this.config.enbs.find((e) => e.certificateIdentity.toLowerCase() === name);
  }

  /** Notes a CHILD SA that came up; true when it is an eNB's Zb SA (not a UE's). */
  noteInstalled(sa: IkeSa): boolean {
    const enb = sa.idi ? this.enbFor(sa.idi.idType, sa.idi.data) : undefined;
    if (!enb) return false;
    this.enbOfSa.set(sa, enb);
    this.byGtpAddress.set(enb.gtpAddress, sa);
    return true;
  }

  isZb(sa: IkeSa): boolean {
    return this.enbOfSa.has(sa);
  }

  /** An IKE SA rekey moved the Zb CHILD SA to `to`; an SA that ended no longer carries anything. */
  rehome(from: IkeSa, to: IkeSa): void {
    const enb = this.enbOfSa.get(from);
    if (!enb) return;
    this.enbOfSa.delete(from);
    this.enbOfSa.set(to, enb);
    this.byGtpAddress.set(enb.gtpAddress, to);
  }

  forget(sa: IkeSa): void {
    const enb = this.enbOfSa.get(sa);
    this.enbOfSa.delete(sa);
    if (enb && this.byGtpAddress.get(enb.gtpAddress) === sa) this.byGtpAddress.delete(enb.gtpAddress);
  }

  /** Sends a GTP-U message to an eNB inside its Zb SA; false if that eNB has none. */
  send(gtpu: Uint8Array, to: Endpoint): boolean {
    const sa = this.byGtpAddress.get(to.address);
    const dst = parseIp(to.address);
    if (!sa || !dst) return false;
    return this.tunnels.send(sa, encodeUdpPacket({ src: this.gtpuAddress, dst, srcPort: GTPU_UDP_PORT, dstPort: to.port, payload: gtpu }));
  }

  /** A packet that came out of a Zb SA: the GTP-U datagram and its eNB sender, or undefined if it is not GTP-U. */
  receive(packet: Uint8Array): { gtpu: Uint8Array; from: Endpoint } | undefined {
    const d = decodeUdpPacket(packet);
    if (!d.ok || d.value.dstPort !== GTPU_UDP_PORT) return undefined;
    return { gtpu: d.value.payload, from: { address: formatIp(d.value.src), port: d.value.srcPort } };
  }
}

/** The configured CRLs, checked against the CA file. @throws on an unreadable or unusable file (a start-up error). */
export function readCrls(file: string, anchors: readonly Certificate[]): Crl[] {
  const crls = parseCrlsPem(readFileSync(file, "utf8"));
  if (!crls.ok) throw new Error(`controlApi.tls.crl ${file}: ${crls.error.detail}`);
  const problem = crlProblem(crls.value, anchors);
  if (problem) throw new Error(`controlApi.tls.crl ${file}: ${problem}`);
  return crls.value;
}
