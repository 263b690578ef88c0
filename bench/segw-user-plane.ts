/**
 * SeGW user-plane micro-benchmark: per-packet cost of the uplink rule (policy check, LWIPEP
 * check, inner IP header stripped, G-PDU built) and of the downlink rule (GTP-U header scan,
 * TEID lookup, LWIPEP check, inner IPv4 header written with its checksum), for PDCP SDUs of 64,
 * 512 and 1400 octets, next to the bare cost of allocating and filling the output buffer.
 *
 * Rows of one size are measured in interleaved slices and each reports its median slice; rates
 * are per CPU second of this process, as in esp-micro.ts.
 */
import { randomBytes } from "node:crypto";
import { encodeIpv4 } from "../src/inet/ipv4.js";
import { encodeGpdu } from "../src/gtpu/messages.js";
import { EtherType, encodeLwipep } from "../src/lwipep/lwipep.js";
import { SegwUserPlane, type UeBinding } from "../src/segw/user-plane.js";
import type { BenchRow } from "./types.js";
import { measureInterleaved } from "./interleaved.js";

const SIZES = [64, 512, 1400] as const;
const SLICE_MS = 50;
const SLICES = 10;

const ue: UeBinding = {
  idi: "0102030405060708",
  virtualIp: new Uint8Array([10, 64, 0, 2]),
  enbName: "enb-bench",
  enbLwipEndpoints: [new Uint8Array([192, 0, 2, 10])],
  enbGtp: { address: "198.51.100.1", port: 2152, teid: 0x0a0b0c0d },
  segwTeid: 0x1234,
};

/** Operations per CPU second of `op`, run for about `ms` milliseconds. */


function operations(size: number): Array<[string, () => void]> {
  const sdu = randomBytes(size);
  sdu[0] = 0x45;
  const lwipep = encodeLwipep({ drbId: 3, protocolType: EtherType.IPV4, payload: sdu });
  const inner = encodeIpv4({ src: ue.virtualIp, dst: ue.enbLwipEndpoints[0] ?? new Uint8Array(4), protocol: 47, ttl: 64, id: 0, payload: lwipep });
  const gpdu = encodeGpdu(ue.segwTeid, lwipep);
  const bindings = new Map([[ue.segwTeid, ue]]);
  const lookup = (teid: number): UeBinding | undefined => bindings.get(teid);
  const plane = new SegwUserPlane();
  return [
    [
      "segw uplink (inner IPv4 -> G-PDU)",
      () => {
        const r = plane.uplink(inner, ue);
        if (!r.ok) throw new Error(`uplink dropped: ${r.drop}`);
      },
    ],
    [
      "segw downlink (G-PDU -> inner IPv4)",
      () => {
        const r = plane.downlink(gpdu, lookup);
        if (!r.ok || r.kind !== "deliver") throw new Error("downlink did not deliver");
      },
    ],
    [
      "bare allocate + copy of the LWIPEP packet",
      () => {
        new Uint8Array(20 + lwipep.length).set(lwipep, 20);
      },
    ],
  ];
}

/** Measures every row; takes about 5 seconds. */
export async function benchUserPlane(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES) rows.push(...await measureInterleaved(operations(size), size, SLICE_MS, SLICES));
  return rows;
}
