// Shared pieces of the interop test files: the LWIP profile, credentials, topology lifetime
// bound to a test, pings, and the strongSwan-side expectations per proposal.
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { assertLabAddress } from "./lab-addr.js";
import type { LwipEvent, LwipProcess } from "./lwip.js";
import { LAB, Topology } from "./netns.js";
import { waitUntil } from "./poll.js";

/** The 3GPP NDS/IP profile proposals of the lab (IKE, ESP), one entry per interop case. */
export const IKE_PROPOSALS = ["aes128-sha256-modp2048", "aes128gcm16-prfsha256-ecp256"] as const;
export const ESP_PROPOSALS = ["aes128gcm16", "aes128-sha256"] as const;

/** IDi of the UE: ID_KEY_ID with the octets of "LWIP-UE-0001" (as the lab uses). */
export const UE_IDI = Buffer.from("LWIP-UE-0001", "ascii").toString("hex");

/** A fresh random 256-bit PSK in hex. */
export function randomPsk(): string {
  return randomBytes(32).toString("hex");
}

/** Algorithm names charon reports for a proposal (vici list-sas fields). */
export interface SwanAlgs {
  readonly encrAlg: string;
  readonly encrKeysize: string;
  readonly integAlg: string;
  readonly prfAlg?: string;
  readonly dhGroup?: string;
}

/** Algorithm names of the CLI's JSON events (cli-contract.md: IANA names without prefix). */
export interface LwipAlgs {
  readonly encr: string;
  readonly integ: string | null;
  readonly prf?: string;
  readonly dh?: string;
}

/** What each proposal of the profile negotiates, as strongSwan and as the CLI name it. */
export const EXPECTED_ALGS: Readonly<Record<string, { readonly swan: SwanAlgs; readonly lwip: LwipAlgs }>> = {
  "aes128-sha256-modp2048": {
    swan: { encrAlg: "AES_CBC", encrKeysize: "128", integAlg: "HMAC_SHA2_256_128", prfAlg: "PRF_HMAC_SHA2_256", dhGroup: "MODP_2048" },
    lwip: { encr: "AES_CBC_128", integ: "AUTH_HMAC_SHA2_256_128", prf: "PRF_HMAC_SHA2_256", dh: "MODP_2048" },
  },
  "aes128gcm16-prfsha256-ecp256": {
    swan: { encrAlg: "AES_GCM_16", encrKeysize: "128", integAlg: "", prfAlg: "PRF_HMAC_SHA2_256", dhGroup: "ECP_256" },
    lwip: { encr: "AES_GCM_16_128", integ: null, prf: "PRF_HMAC_SHA2_256", dh: "ECP_256" },
  },
  aes128gcm16: { swan: { encrAlg: "AES_GCM_16", encrKeysize: "128", integAlg: "" }, lwip: { encr: "AES_GCM_16_128", integ: null } },
  "aes128-sha256": { swan: { encrAlg: "AES_CBC", encrKeysize: "128", integAlg: "HMAC_SHA2_256_128" }, lwip: { encr: "AES_CBC_128", integ: "AUTH_HMAC_SHA2_256_128" } },
};

/** Looks up {@link EXPECTED_ALGS}. @throws Error for a proposal not in the table. */
export function expectedAlgs(proposal: string): { readonly swan: SwanAlgs; readonly lwip: LwipAlgs } {
  const e = EXPECTED_ALGS[proposal];
  if (e === undefined) throw new Error(`no expectation for proposal ${proposal}`);
  return e;
}

/** Creates the lab topology and tears it down after the test, pass or fail. */
export async function topologyFor(t: TestContext): Promise<Topology> {
  const topo = await Topology.create();
  t.after(() => topo.teardown());
  return topo;
}

/** Result of a ping run. */
export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  readonly output: string;
}

/** Pings `dst` from `src` inside a namespace (`count` echoes, 0.2 s apart, 2 s wait for the last). */
export async function ping(topo: Topology, ns: string, src: string, dst: string, count: number): Promise<PingResult> {
  assertLabAddress(src, "ping source");
  assertLabAddress(dst, "ping destination");
  const r = await topo.exec(ns, ["ping", "-n", "-q", "-c", String(count), "-i", "0.2", "-W", "2", "-I", src, dst], { check: false, timeoutMs: 5_000 + count * 1_000 });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  return { transmitted: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0), output: `${r.stdout}${r.stderr}` };
}

/**
 * Waits until UDP sockets are bound to `addr` (or the wildcard) on every port of `ports` in a
 * namespace, as `ss -Hlun` shows them: the CLI prints no "listening" event.
 * @throws Error (with the process diagnostics) if `proc` exits first or after `timeoutMs`.
 */
export async function waitForUdpListeners(topo: Topology, ns: string, addr: string, ports: readonly number[], proc: LwipProcess, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    async () => {
      const r = await topo.exec(ns, ["ss", "-Hlun"]);
      const bound = ports.every((port) => [`${addr}:${port} `, `0.0.0.0:${port} `, `*:${port} `].some((local) => r.stdout.includes(local)));
      return bound ? true : undefined;
    },
    {
      timeoutMs,
      what: `UDP ${ports.join("/")} on ${addr} in ${ns}`,
      abort: () => (proc.exit === null ? undefined : `lwip exited (${JSON.stringify(proc.exit)})`),
      diagnostics: () => proc.diagnostics(),
    },
  );
}

/** The argv of `lwip ike responder` in the lab (SeGW role, PSK for UE_IDI). */
export function responderArgs(psk: string, extra: readonly string[] = []): string[] {
  return ["responder", "--listen", LAB.segw, "--idi", UE_IDI, "--psk", psk, "--pool", LAB.pool, "--ts", `${LAB.enb}/32`, ...extra];
}

/** The argv of `lwip ike initiator` towards the SeGW address of the lab. */
export function initiatorArgs(psk: string, extra: readonly string[] = []): string[] {
  return ["initiator", "--remote", LAB.segw, "--idi", UE_IDI, "--psk", psk, ...extra];
}

/** Asserts the algorithm fields of an ike-sa-up / child-sa-up event against a proposal. */
export function assertEventAlgs(e: LwipEvent, proposal: string): void {
  const want = expectedAlgs(proposal).lwip;
  const where = (field: string): string => `${e.event}.${field} for ${proposal} (cli-contract.md names) in ${JSON.stringify(e)}`;
  assert.equal(e["encr"], want.encr, where("encr"));
  assert.equal(e["integ"] ?? null, want.integ, where("integ"));
  if (want.prf !== undefined) assert.equal(e["prf"], want.prf, where("prf"));
  if (want.dh !== undefined) assert.equal(e["dh"], want.dh, where("dh"));
}

/** Asserts the algorithms charon lists for an SA (IKE_SA or CHILD_SA view) against a proposal. */
export function assertSwanAlgs(sa: SwanAlgs, proposal: string): void {
  const want = expectedAlgs(proposal).swan;
  assert.equal(sa.encrAlg, want.encrAlg, `strongSwan encr-alg for ${proposal}`);
  assert.equal(sa.encrKeysize, want.encrKeysize, `strongSwan encr-keysize for ${proposal}`);
  assert.equal(sa.integAlg, want.integAlg, `strongSwan integ-alg for ${proposal}`);
  if (want.prfAlg !== undefined) assert.equal(sa.prfAlg, want.prfAlg, `strongSwan prf-alg for ${proposal}`);
  if (want.dhGroup !== undefined) assert.equal(sa.dhGroup, want.dhGroup, `strongSwan dh-group for ${proposal}`);
}

/** A hex SPI field of an event, lowercased (charon prints lowercase). */
export function spi(e: LwipEvent, field: string): string {
  const v = e[field];
  assert.equal(typeof v, "string", `${e.event}.${field} is a hex string`);
  return String(v).toLowerCase();
}
