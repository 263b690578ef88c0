/**
 * NAT detection (RFC 7296 §2.23): each side hashes SPIi | SPIr | IP | port of both ends. We always
 * send a source hash that cannot match, so the peer sees a NAT and both sides move to UDP 4500 with
 * UDP-encapsulated ESP, which is what LWIP needs: the data plane is in user space and cannot take raw
 * ESP, and WLAN paths are usually NATed (design.md, "UE <-> SeGW").
 */
import { sha1 } from "./crypto/digest.js";
import type { Endpoint } from "./endpoint.js";
import { parseIp } from "./traffic-selector.js";
import { bytesEqual, concatBytes } from "../wire/hex.js";

export function natDetectionHash(spiI: Uint8Array, spiR: Uint8Array, e: Endpoint): Uint8Array {
  const ip = parseIp(e.address) ?? new Uint8Array(0);
  return sha1(concatBytes(spiI, spiR, ip, new Uint8Array([e.port >> 8, e.port & 0xff])));
}

/** The deliberately wrong NAT_DETECTION_SOURCE_IP hash that forces UDP encapsulation. */
export function forcedEncapsulationHash(random: (n: number) => Uint8Array): Uint8Array {
  return random(20);
}

/** True when the peer's hashes show an address translation between us (either end). */
export function natBetween(
  spiI: Uint8Array, spiR: Uint8Array, local: Endpoint, remote: Endpoint,
  sourceHashes: readonly Uint8Array[], destinationHash: Uint8Array | undefined,
): boolean {
  const remoteOk = sourceHashes.some((h) => bytesEqual(h, natDetectionHash(spiI, spiR, remote)));
  const localOk = destinationHash !== undefined && bytesEqual(destinationHash, natDetectionHash(spiI, spiR, local));
  return !remoteOk || !localOk;
}
