// Raw IP and UDP sockets inside a namespace, for the SeGW tests: the UE's LWIPEP packets (GRE,
// IP protocol 47) and the GTP-U receiver that stands in for the eNB.
//
// Why Python: Node has no raw sockets and cannot enter a network namespace itself, and these
// kernels have no GRE driver (no gre0/gretap device to send LWIPEP through). Python's socket
// module opens SOCK_RAW for protocol 47 directly: the kernel builds the outer IPv4 header from
// the bound source (the UE's virtual IP) and routes the packet like any other, here into
// strongSwan's libipsec TUN device; and a raw socket receives every protocol-47 packet the
// namespace gets, which is how the downlink is captured without a GRE driver. The script below
// is passed with `python3 -c`, so no file has to be copied next to the compiled tests.
import { accessSync, constants } from "node:fs";
import { JsonLinesProcess, type JsonLine } from "./json-lines.js";
import { assertLabAddress } from "./lab-addr.js";
import type { Topology } from "./netns.js";

/**
 * Modes: udp-listen ADDR PORT | raw-listen PROTO | udp-send SRC DST PORT HEX | raw-send SRC DST PROTO HEX.
 * Listeners print {"event":"ready"} once bound, then one {"event":"packet",...} per datagram.
 */
const SCRIPT = `
import json, socket, sys
def out(**kw):
    print(json.dumps(kw), flush=True)
mode, args = sys.argv[1], sys.argv[2:]
if mode == "udp-listen":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args[0], int(args[1])))
    out(event="ready")
    while True:
        data, (addr, port) = s.recvfrom(65535)
        out(event="packet", src=addr, srcPort=port, hex=data.hex())
elif mode == "raw-listen":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(args[0]))
    out(event="ready")
    while True:
        data, _ = s.recvfrom(65535)
        ihl = (data[0] & 15) * 4
        out(event="packet", src=socket.inet_ntoa(data[12:16]), dst=socket.inet_ntoa(data[16:20]),
            protocol=data[9], ttl=data[8], hex=data[ihl:].hex())
elif mode == "udp-send":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args[0], 0))
    s.sendto(bytes.fromhex(args[3]), (args[1], int(args[2])))
    out(event="sent")
elif mode == "raw-send":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(args[2]))
    s.bind((args[0], 0))
    s.sendto(bytes.fromhex(args[3]), (args[1], 0))
    out(event="sent")
else:
    sys.exit("unknown mode " + mode)
`;

/** The Python 3 interpreter: Debian's /usr/bin/python3, else the first python3 on PATH. */
export function python3Path(): string | undefined {
  const dirs = ["/usr/bin", ...(process.env["PATH"] ?? "").split(":")];
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/python3`, constants.X_OK);
      return `${dir}/python3`;
    } catch {
      // not here
    }
  }
  return undefined;
}

function python(): string {
  const p = python3Path();
  if (p === undefined) throw new Error("python3 is needed for the raw GRE and GTP-U sockets (apt-get install python3)");
  return p;
}

/** One received datagram. For raw sockets: the IPv4 header fields, and `hex` is the IP payload. */
export interface TapPacket {
  readonly src: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly protocol?: number;
  readonly ttl?: number;
  /** UDP payload, or the IP payload of a raw packet. */
  readonly bytes: Uint8Array;
}

function toPacket(l: JsonLine): TapPacket {
  const num = (k: string): number | undefined => (typeof l[k] === "number" ? l[k] : undefined);
  const srcPort = num("srcPort");
  const protocol = num("protocol");
  const ttl = num("ttl");
  return {
    src: String(l["src"]),
    ...(srcPort !== undefined ? { srcPort } : {}),
    ...(typeof l["dst"] === "string" ? { dst: l["dst"] } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
    bytes: new Uint8Array(Buffer.from(String(l["hex"]), "hex")),
  };
}

const isPacket = (l: JsonLine): boolean => l["event"] === "packet";

/** A listening socket in a namespace and the datagrams it received. */
export class PacketTap {
  private constructor(readonly proc: JsonLinesProcess) {}

  /** A UDP socket bound to address:port (e.g. the eNB's GTP-U address, port 2152). */
  static udp(topo: Topology, ns: string, address: string, port: number): Promise<PacketTap> {
    assertLabAddress(address, "UDP tap address");
    return PacketTap.#start(topo, ns, ["udp-listen", address, String(port)], `udp tap ${address}:${port}`);
  }

  /** A raw IPv4 socket receiving every packet of `protocol` the namespace gets (47: GRE/LWIPEP). */
  static raw(topo: Topology, ns: string, protocol: number): Promise<PacketTap> {
    return PacketTap.#start(topo, ns, ["raw-listen", String(protocol)], `raw tap protocol ${protocol} in ${ns}`);
  }

  static async #start(topo: Topology, ns: string, args: readonly string[], label: string): Promise<PacketTap> {
    const proc = JsonLinesProcess.start(topo, ns, [python(), "-c", SCRIPT, ...args], "stdout", label);
    await proc.waitFor((l) => l["event"] === "ready", 10_000, "the socket to be bound");
    return new PacketTap(proc);
  }

  /** Datagrams received so far (from index `since` of the process's lines). */
  packets(since = 0): TapPacket[] {
    return this.proc.matching(isPacket, since).map(toPacket);
  }

  /** A mark for {@link waitForPacket}'s `since`: what has been printed so far. */
  get mark(): number {
    return this.proc.lines.length;
  }

  /** The first datagram after `since` that matches; rejects after `timeoutMs` with diagnostics. */
  async waitForPacket(pred: (p: TapPacket) => boolean, timeoutMs: number, what: string, since = 0, extra?: () => string): Promise<TapPacket> {
    return toPacket(await this.proc.waitFor((l) => isPacket(l) && pred(toPacket(l)), timeoutMs, what, since, extra));
  }

  stop(): Promise<unknown> {
    return this.proc.stop(1_000);
  }
}

async function sendOnce(topo: Topology, ns: string, args: readonly string[]): Promise<void> {
  const r = await topo.exec(ns, [python(), "-c", SCRIPT, ...args], { timeoutMs: 10_000 });
  if (!r.stdout.includes('"sent"')) throw new Error(`${args[0] ?? ""} printed no "sent": ${r.stdout}${r.stderr}`);
}

/** Sends one UDP datagram from `src` (ephemeral port) to dst:port inside a namespace. */
export function sendUdp(topo: Topology, ns: string, p: { readonly src: string; readonly dst: string; readonly port: number; readonly payload: Uint8Array }): Promise<void> {
  assertLabAddress(p.src, "UDP source");
  assertLabAddress(p.dst, "UDP destination");
  return sendOnce(topo, ns, ["udp-send", p.src, p.dst, String(p.port), Buffer.from(p.payload).toString("hex")]);
}

/** Sends one IPv4 packet of `protocol` from `src` to `dst`; the kernel writes the IP header and routes it. */
export function sendRaw(topo: Topology, ns: string, p: { readonly src: string; readonly dst: string; readonly protocol: number; readonly payload: Uint8Array }): Promise<void> {
  assertLabAddress(p.src, "raw source");
  assertLabAddress(p.dst, "raw destination");
  return sendOnce(topo, ns, ["raw-send", p.src, p.dst, String(p.protocol), Buffer.from(p.payload).toString("hex")]);
}
