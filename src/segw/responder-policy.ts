/**
 * The IKE responder policy of the SeGW: the PSK is found by IDi in the provisioning store (TS 33.401
 * 16.2.2), single use, and the UE's CHILD SA is narrowed to its inner address <-> the LWIP interface
 * of the eNB that provisioned it. Every refusal looks the same to the UE (AUTHENTICATION_FAILED).
 */
import { AddressPool } from "../ike/address-pool.js";
import type { TrafficSelector } from "../ike/codec/payloads.js";
import type { PskLookup, ResponderPolicy } from "../ike/context.js";
import { IdType } from "../ike/registry.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { formatEndpoint, type Endpoint } from "../ike/endpoint.js";
import { formatIp, hostSelector, parseIp, selectorFromCidr } from "../ike/traffic-selector.js";
import { fromByteString, toHex } from "../wire/hex.js";
import type { SegwConfig, SegwEnbConfig } from "./config.js";
import type { SegwMetrics } from "./metrics.js";
import type { ProvisioningStore, TunnelInfo } from "./provisioning-store.js";

/** enbSelectors per eNB configuration object: asked on every IKE_AUTH and CHILD SA of its UEs. */
const selectorsOfEnb = new WeakMap<SegwEnbConfig, readonly TrafficSelector[]>();

/** The host selectors of an eNB's LWIP endpoints: the only destinations its UEs may reach. */
export function enbSelectors(enb: SegwEnbConfig): readonly TrafficSelector[] {
  let selectors = selectorsOfEnb.get(enb);
  if (selectors === undefined) {
    selectors = enb.lwipEndpoints.flatMap((a) => {
      const ip = parseIp(a);
      return ip ? [hostSelector(ip)] : [];
    });
    selectorsOfEnb.set(enb, selectors);
  }
  return selectors;
}

/**
 * TunnelInfo over what the UE's IKE SA holds anyway (its endpoint object, SPI pair string and
 * virtual address, shared, not copied), formatted when read: a SeGW keeps one per UE, and four
 * strings would cost about 170 octets more. The values are those of IKE_AUTH's end.
 */
class SaTunnelInfo implements TunnelInfo {
  constructor(private readonly endpoint: Endpoint, private readonly spis: string, private readonly address: Uint8Array | undefined) {}

  get innerAddress(): string | undefined {
    return this.address ? formatIp(this.address) : undefined;
  }

  get ueEndpoint(): string {
    return formatEndpoint(this.endpoint);
  }

  get ikeSpiI(): string {
    return toHex(fromByteString(this.spis, 0, 8));
  }

  get ikeSpiR(): string {
    return toHex(fromByteString(this.spis, 8, 16));
  }
}

function ipIdentity(address: Uint8Array) {
  return { idType: address.length === 4 ? IdType.ID_IPV4_ADDR : IdType.ID_IPV6_ADDR, data: address };
}

export function segwResponderPolicy(config: SegwConfig, store: ProvisioningStore, metrics: SegwMetrics): ResponderPolicy {
  const listen = parseIp(config.ike.listen) ?? new Uint8Array(4);
  const enbs = new Map(config.enbs.map((e) => [e.name, e]));
  // Our own addresses (the UEs' side, the backhaul): a handful, asked for on every IKE_AUTH.
  const localIds = new Map<string, ReturnType<typeof ipIdentity>>();
  return {
    ikeProposals: config.ike.ikeProposals,
    espProposals: config.ike.espProposals,
    localId: ipIdentity(listen),
    // On the backhaul address (NDS/IP peers) the SeGW is known by that address, as its certificate says.
    localIdFor: (local) => {
      let id = localIds.get(local.address);
      if (id === undefined) {
        id = ipIdentity(parseIp(local.address) ?? listen);
        localIds.set(local.address, id);
      }
      return id;
    },
    lookupPsk: (id): PskLookup => {
      // TS 33.401 16.2.1-16.2.3: the IDi is the octet string the eNB chose, carried as ID_KEY_ID.
      if (id.idType !== IdType.ID_KEY_ID) {
        metrics.handshakeAuthFailed("unknown-identity");
        return { ok: false, reason: "unknown-identity" };
      }
      const r = store.lookupPsk(id.data);
      if (!r.ok) {
        metrics.handshakeAuthFailed(r.reason);
        return { ok: false, reason: r.reason };
      }
      const enb = enbs.get(r.entry.enbName);
      return { ok: true, psk: r.psk, localTs: enb ? enbSelectors(enb) : [] };
    },
    onAuthenticated: (id, sa: IkeSa) => {
      // UEs authenticate with ID_KEY_ID and a provisioned PSK; NDS/IP peers (eNBs) are not UE handshakes.
      if (id.idType !== IdType.ID_KEY_ID) return;
      // TS 33.401 16.2.2: "After successful completion of the IKEv2 handshake, the LWIP-SeGW ... shall delete the LWIP-PSK."
      const entry = store.markAuthenticated(id.data, new SaTunnelInfo(sa.remote, sa.spiPair, sa.virtualIp));
      if (entry) sa.shareIdiHex(entry.idiHex);
      metrics.handshakeEstablished();
    },
    onAuthenticationFailed: () => metrics.handshakeAuthFailed("wrong-psk"),
    pools: config.pools.map((c) => new AddressPool(c)),
    localTs: [],
    remoteTs: [selectorFromCidr({ address: new Uint8Array(4), prefixLength: 0 })],
    cookieThreshold: config.rateLimits.halfOpenCookieThreshold,
    // TS 33.401 16.2.2: the UE's policy (its selectors, its user-plane binding) hangs on the inner
    // address it asks for with CP(CFG_REQUEST): without one, FAILED_CP_REQUIRED (RFC 7296 §3.10.1).
    requireConfigurationPayload: true,
    // One CHILD SA per UE carries all its LWIP bearers (TS 36.300 §22A.3.0) and no other may be
    // added (16.3): an IKE SA whose IKE_AUTH brought none is of no use and is deleted (RFC 7296 §2.21.2).
    closeIkeSaOnChildFailure: true,
  };
}
