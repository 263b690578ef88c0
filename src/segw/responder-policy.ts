/**
 * The IKE responder policy of the SeGW: the PSK is found by IDi in the provisioning store (TS 33.401
 * 16.2.2), single use, and the UE's CHILD SA is narrowed to its inner address <-> the LWIP interface
 * of the eNB that provisioned it. Every refusal looks the same to the UE (AUTHENTICATION_FAILED).
 */
import { AddressPool } from "../ike/address-pool.js";
import type { PskLookup, ResponderPolicy } from "../ike/context.js";
import { IdType } from "../ike/registry.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { formatEndpoint } from "../ike/endpoint.js";
import { formatIp, hostSelector, parseIp, selectorFromCidr } from "../ike/traffic-selector.js";
import { toHex } from "../wire/hex.js";
import type { SegwConfig, SegwEnbConfig } from "./config.js";
import type { SegwMetrics } from "./metrics.js";
import type { ProvisioningStore } from "./provisioning-store.js";

/** The host selectors of an eNB's LWIP endpoints: the only destinations its UEs may reach. */
export function enbSelectors(enb: SegwEnbConfig) {
  return enb.lwipEndpoints.flatMap((a) => {
    const ip = parseIp(a);
    return ip ? [hostSelector(ip)] : [];
  });
}

function ipIdentity(address: Uint8Array) {
  return { idType: address.length === 4 ? IdType.ID_IPV4_ADDR : IdType.ID_IPV6_ADDR, data: address };
}

export function segwResponderPolicy(config: SegwConfig, store: ProvisioningStore, metrics: SegwMetrics): ResponderPolicy {
  const listen = parseIp(config.ike.listen) ?? new Uint8Array(4);
  const enbs = new Map(config.enbs.map((e) => [e.name, e]));
  return {
    ikeProposals: config.ike.ikeProposals,
    espProposals: config.ike.espProposals,
    localId: ipIdentity(listen),
    // On the backhaul address (NDS/IP peers) the SeGW is known by that address, as its certificate says.
    localIdFor: (local) => ipIdentity(parseIp(local.address) ?? listen),
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
      store.markAuthenticated(id.data, {
        ueEndpoint: formatEndpoint(sa.remote), ikeSpiI: toHex(sa.spiI), ikeSpiR: toHex(sa.spiR),
        ...(sa.virtualIp ? { innerAddress: formatIp(sa.virtualIp) } : {}),
      });
      metrics.handshakeEstablished();
    },
    onAuthenticationFailed: () => metrics.handshakeAuthFailed("wrong-psk"),
    pools: config.pools.map((c) => new AddressPool(c)),
    localTs: [],
    remoteTs: [selectorFromCidr({ address: new Uint8Array(4), prefixLength: 0 })],
    cookieThreshold: config.rateLimits.halfOpenCookieThreshold,
  };
}
