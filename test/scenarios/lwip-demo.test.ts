import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDemo } from "../../src/demo/demo.js";

/**
 * Issue 5: `lwip demo` runs every procedure of clause 16 and the attacks, meets every expectation,
 * and with --out writes a trace, a pcap and Wireshark's key tables that tshark uses to decrypt.
 */
test("lwip demo with 2 UEs: every clause-16 expectation met, attacks refused, outputs written", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "lwip-demo-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const lines: string[] = [];
  const summary = await runDemo({ ues: 2, out, net: "127.0.6", progress: (l) => lines.push(l) });
  assert.equal(summary.ok, true, lines.filter((l) => l.includes("FAIL")).join("\n"));
  const clauses = new Set(summary.expectations.map((e) => e.clause));
  for (const c of ["16.2.2", "16.2.3", "16.3", "16.4.2", "16.5", "16.6"]) assert.ok(clauses.has(c), `a step checks §${c}`);
  assert.equal(summary.attacks.refused, 4);
  assert.ok(summary.ues.every((u) => u.traffic.every((r) => r.lost === 0) && u.traffic.length > 0));
  for (const f of ["trace.html", "lwip-demo.pcap", "ikev2_decryption_table", "esp_sa"]) assert.ok(existsSync(join(out, f)), f);
  const html = readFileSync(join(out, "trace.html"), "utf8");
  assert.ok(html.includes("§16.2.3") && html.includes("lwip-addition-request"));
  if (spawnSync("tshark", ["--version"]).status !== 0) return;
  const r = spawnSync("tshark", ["-o", "esp.enable_encryption_decode:TRUE", "-r", join(out, "lwip-demo.pcap"), "-V", "-Y", "isakmp.exchangetype == 35"], {
    encoding: "utf8", env: { ...process.env, WIRESHARK_CONFIG_DIR: out }, timeout: 60_000,
  });
  assert.match(r.stdout, /ID_KEY_ID: [0-9a-f]{32}/, "tshark decrypts IKE_AUTH with the demo's tables, without extra options");
  const esp = spawnSync("tshark", ["-o", "esp.enable_encryption_decode:TRUE", "-r", join(out, "lwip-demo.pcap"), "-Y", "esp && gre"], {
    encoding: "utf8", env: { ...process.env, WIRESHARK_CONFIG_DIR: out }, timeout: 60_000,
  });
  assert.ok(esp.stdout.trim().split("\n").length > 10, "tshark decrypts the ESP-protected LWIPEP (GRE) packets");
});

test("lwip demo --workers 2: the same expectations met with the SeGW as two worker processes, UEs told their worker's address", async () => {
  const lines: string[] = [];
  const summary = await runDemo({ ues: 4, net: "127.0.8", workers: 2, progress: (l) => lines.push(l) });
  assert.equal(summary.ok, true, lines.filter((l) => l.includes("FAIL")).join("\n"));
  assert.equal(summary.attacks.refused, 4);
  assert.equal(summary.expectations.length, 35);
  const given = new Set(summary.ues.flatMap((u) => u.segw));
  for (const a of given) assert.ok(a === "127.0.8.1" || a === "127.0.8.241", `a worker address: ${a}`);
  assert.ok(summary.ues.every((u) => u.traffic.every((r) => r.lost === 0) && u.traffic.length > 0));
});
