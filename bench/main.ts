/**
 * `npm run bench -- [ike|esp ...]`: runs the named benchmarks (all by default) and prints a Markdown
 * table per benchmark. Figures are ratios to a baseline measured in the same run.
 */
import { benchIke } from "./ike.js";
import { benchEspMicro } from "./esp-micro.js";

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function ike(): Promise<void> {
  const rows = await benchIke();
  console.log("\n### IKE set-up (IKE_SA_INIT + IKE_AUTH + CHILD SA, initiator and responder in one process, loopback UDP)\n");
  console.log("| proposal | handshakes | handshakes/s | CPU ms per handshake (both peers) | bare DH work/s | handshake CPU / bare DH |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(`| ${r.proposal} | ${r.handshakes} | ${fmt(r.handshakesPerSecond)} | ${fmt(r.cpuMsPerHandshake, 2)} | ${fmt(r.bareDhPerSecond)} | ${fmt(r.ratioToBareDh, 2)}x |`);
  }
}

async function esp(): Promise<void> {
  const rows = await benchEspMicro();
  console.log("\n### ESP per-packet cost (one core, CPU time)\n");
  console.log("| operation | bytes | packets/s | Gbit/s | cost vs bare cipher |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const suite = r.name.split(" ")[1] ?? "";
    const bare = rows.find((b) => b.sizeBytes === r.sizeBytes && b.name.includes("bare") && b.name.includes(suite));
    const ratio = bare ? bare.packetsPerSecond / r.packetsPerSecond : NaN;
    console.log(`| ${r.name} | ${r.sizeBytes} | ${fmt(r.packetsPerSecond, 0)} | ${fmt(r.gbitPerSecond, 2)} | ${fmt(ratio, 2)}x |`);
  }
}

const BENCHES: Readonly<Record<string, () => Promise<void>>> = { ike, esp };

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    const b = BENCHES[name];
    if (!b) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    await b();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
