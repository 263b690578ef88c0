// Starts our own LWIP UE (own-ue-main.ts) in a namespace of a Topology; its stdout is JSON lines.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonLinesProcess } from "./json-lines.js";
import { assertLabAddress } from "./lab-addr.js";
import { LAB, type Topology } from "./netns.js";

/** One packet the UE sends once its CHILD SA is up: GRE bytes from `src` ("vip": its virtual IP) to `dst`. */
export interface OwnUeSend {
  readonly src: string;
  readonly dst: string;
  readonly gre: Uint8Array;
}

/**
 * Runs `node own-ue-main.js` in the UE namespace towards the lab's SeGW address with IDi/PSK
 * (hex). It sends `sends` in order, unchecked against its own selectors, once the CHILD SA is up.
 */
export function startOwnUe(topo: Topology, o: { readonly idi: string; readonly psk: string; readonly sends: readonly OwnUeSend[] }): JsonLinesProcess {
  for (const s of o.sends) {
    if (s.src !== "vip") assertLabAddress(s.src, "own UE source");
    assertLabAddress(s.dst, "own UE destination");
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), "own-ue-main.js");
  const sends = o.sends.flatMap((s) => ["--send", `${s.src},${s.dst},${Buffer.from(s.gre).toString("hex")}`]);
  const argv = [process.execPath, "--enable-source-maps", script, "--local", LAB.ue, "--remote", LAB.segw, "--idi", o.idi, "--psk", o.psk, ...sends];
  return JsonLinesProcess.start(topo, topo.ue, argv, "stdout", "own UE");
}
