/**
 * Everything the exchanges need from outside the protocol, injected so that tests run in memory on a
 * fake clock: time, randomness, the datagram sender, the data plane, the application's policy.
 */
import type { Clock } from "../io/clock.js";
import type { Counters } from "../io/counters.js";
import type { Logger } from "../io/log.js";
import type { RateLimitedLog } from "../io/rate-limited-log.js";
import type { TrafficSelector } from "./codec/payloads.js";
import type { AddressPool } from "./address-pool.js";
import type { Endpoint } from "./endpoint.js";
import type { IkeEvent } from "./events.js";
import type { ProposalSpec } from "./proposal.js";
import type { ChildSa } from "./sa/child-sa.js";
import type { IkeSa, Identity } from "./sa/ike-sa.js";
import type { Certificate } from "./auth/certificates.js";
import type { Crl } from "./auth/crl.js";
import type { OwnCredential } from "./auth/certreq.js";

export interface DatagramSender {
  /** Sends an IKE message from our socket `local` to `remote` (the transport adds the non-ESP marker on the NAT-T port). */
  send(message: Uint8Array, local: Endpoint, remote: Endpoint): void;
}

/** Where negotiated CHILD SAs go: the ESP data plane. */
export interface ChildSaSink {
  install(sa: IkeSa, child: ChildSa): void;
  remove(sa: IkeSa, child: ChildSa): void;
  /** An IKE SA rekey moved `from`'s CHILD SAs to `to` (RFC 7296 §2.18). */
  rehome(from: IkeSa, to: IkeSa): void;
}

export type PskLookup =
  | {
    readonly ok: true;
    readonly psk: Uint8Array;
    /** Our side of this identity's CHILD SA, when it is narrower than the policy's (TS 33.401 16.2.2: only its eNB's LWIP interface). */
    readonly localTs?: readonly TrafficSelector[];
  }
  | { readonly ok: false; readonly reason: string };

/** How a responder decides who may connect (RFC 7296 §2.15 PSK; TS 33.401 16.2.2 for the SeGW). */
export interface ResponderPolicy {
  readonly ikeProposals: readonly ProposalSpec[];
  readonly espProposals: readonly ProposalSpec[];
  /** IDr we send. */
  readonly localId: Identity;
  /** IDr by the address the SA runs on, for a responder with several (e.g. WLAN side and backhaul). */
  readonly localIdFor?: (local: Endpoint) => Identity;
  /** Finds the PSK for an initiator identity; a refusal's reason is logged and counted, never sent. */
  lookupPsk(id: Identity, remote: Endpoint): PskLookup;
  /** Called once the initiator proved the PSK (the SeGW deletes a single-use PSK here). */
  onAuthenticated?(id: Identity, sa: IkeSa): void;
  /** Called with every failed authentication after lookup succeeded (wrong PSK). */
  onAuthenticationFailed?(id: Identity, sa: IkeSa): void;
  readonly pools: readonly AddressPool[];
  /** Our side of every CHILD SA (e.g. the eNB LWIP endpoint). */
  readonly localTs: readonly TrafficSelector[];
  /** The peer's side when it asked for no virtual address. */
  readonly remoteTs: readonly TrafficSelector[];
  /** Half-open SAs above which IKE_SA_INIT must carry a cookie (RFC 7296 §2.6). */
  readonly cookieThreshold: number;
  /** Certificate authentication (NDS/IP peers, TS 33.210): our credentials and the CAs we trust. */
  readonly certificates?: ResponderCertificates;
  /**
   * An initiator that authenticates with a PSK must ask for an inner address with CP(CFG_REQUEST)
   * (RFC 7296 §3.15; the LWIP-SeGW binds its policy to that address, TS 33.401 16.2.2). Without one
   * its CHILD SA is refused with FAILED_CP_REQUIRED (§3.10.1, §2.21.2). Certificate peers, which
   * get their selectors from `certificates.authorize` (NDS/IP gateways), are not affected.
   */
  readonly requireConfigurationPayload?: boolean;
  /**
   * The IKE SA exists for the CHILD SA of IKE_AUTH: when that is refused, the responder deletes the
   * IKE SA right after its IKE_AUTH response (§2.21.2 leaves this to policy; strongSwan's
   * close_ike_on_child_failure).
   */
  readonly closeIkeSaOnChildFailure?: boolean;
}

export interface ResponderCertificates {
  readonly credentials: readonly OwnCredential[];
  readonly trustAnchors: readonly Certificate[];
  /** Revocation lists the peers' chains are checked against (RFC 5280 §6.3; TS 33.310). */
  readonly crls?: readonly Crl[];
  /**
   * Whether a peer with a valid certificate for `id` may connect (e.g. it is a configured eNB), and
   * the selectors of its CHILD SA (ours, its own); undefined refuses it.
   */
  authorize(id: Identity, certificate: Certificate): CertificatePeerPolicy | undefined;
}

export interface CertificatePeerPolicy {
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
}

export interface IkeTiming {
  /** Retransmission timeouts of one request; the exchange fails after the last (RFC 7296 §2.1). */
  readonly retransmitMs: readonly number[];
  /** CHILD SA and IKE SA lifetimes: the original initiator rekeys after these (0: never). */
  readonly childRekeyMs?: number;
  readonly ikeRekeyMs?: number;
  /** How long a responder keeps an SA that has not completed IKE_AUTH. */
  readonly halfOpenMs: number;
  /** Liveness check after this much inbound silence (RFC 7296 §1.4); 0 disables it. */
  readonly dpdMs: number;
}

export const DEFAULT_TIMING: IkeTiming = {
  retransmitMs: [1000, 2000, 4000, 8000, 16000],
  halfOpenMs: 30_000,
  dpdMs: 30_000,
};

/**
 * Key material handed out for decryption tables (Wireshark's ikev2_decryption_table and esp_sa).
 * Only an application that was explicitly asked to export keys (a debug-keys flag) sets the hook.
 */
export type KeyExport =
  | {
    readonly kind: "ike";
    readonly spiI: Uint8Array;
    readonly spiR: Uint8Array;
    readonly encrId: number;
    readonly encrKeyBits: number;
    readonly integId: number;
    readonly SK_ei: Uint8Array;
    readonly SK_er: Uint8Array;
    readonly SK_ai: Uint8Array;
    readonly SK_ar: Uint8Array;
  }
  | {
    readonly kind: "esp";
    /** Addresses of the packets this SA protects (outer, as sent). */
    readonly src: string;
    readonly dst: string;
    readonly spi: number;
    readonly encrId: number;
    readonly encrKeyBits: number;
    readonly integId: number;
    readonly encrKey: Uint8Array;
    readonly integKey: Uint8Array;
  };

export interface IkeContext {
  readonly clock: Clock;
  /** Wall-clock milliseconds since the epoch, for certificate validity (RFC 5280 §4.1.2.5). */
  readonly wallClock: () => number;
  readonly random: (n: number) => Uint8Array;
  readonly sender: DatagramSender;
  readonly sink: ChildSaSink;
  readonly emit: (e: IkeEvent) => void;
  readonly log: Logger;
  /** Refusals inside an IKE SA (out-of-window IDs, CHILD_SA_NOT_FOUND...): logged per reason, rate-limited. */
  readonly rejections: RateLimitedLog;
  readonly counters: Counters;
  readonly timing: IkeTiming;
  /**
   * RFC 7383: the largest IP packet an IKE message or fragment of ours may make (IP and UDP headers
   * and the non-ESP marker included); 0 turns fragmentation off (not announced, never sent).
   */
  readonly fragmentSize: number;
  readonly policy?: ResponderPolicy;
  /** Set only when keys are to be exported (debugging with Wireshark); never by default. */
  readonly exportKeys?: (k: KeyExport) => void;
  /** Makes an SA findable by the SPI we chose (and forgets it when deleted). */
  register(sa: IkeSa): void;
  unregister(sa: IkeSa): void;
  /** Ends an SA: removes its CHILD SAs from the data plane, zeroizes keys, emits ike-sa-down. */
  terminate(sa: IkeSa, reason: import("./events.js").IkeSaDownReason): void;
}
