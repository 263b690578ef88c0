// Shared by the control API tests: PKIs made by src/pki in a temp folder, a running control API
// on 127.0.0.1 with a fake clock, and clients for each eNB.
import { StoreRegistry } from "../../../src/segw/control-api/ue-registry.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../../../src/pki/dev-pki.js";
import { writePkiFiles } from "../../../src/pki/write-files.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { Counters } from "../../../src/io/counters.js";
import { createLogger } from "../../../src/io/log.js";
import { ProvisioningStore, type ProvisioningEntry, type ReleaseReason } from "../../../src/segw/provisioning-store.js";
import { SegwEventBus } from "../../../src/segw/control-api/events.js";
import { startControlApi, type ControlApi, type ControlApiOptions } from "../../../src/segw/control-api/server.js";
import { ControlApiClient } from "../../../src/segw/control-api/client.js";

export interface Pki {
  readonly dir: string;
  pem(name: string): string;
}

/** A PKI with eNBs alpha, bravo and charlie (charlie is not configured on the SeGW). */
export async function makePki(): Promise<Pki> {
  const dir = mkdtempSync(join(tmpdir(), "lwip-pki-"));
  const files = await createDevPki({ enbs: ["alpha", "bravo", "charlie"], segwName: "segw", segwAddresses: ["127.0.0.1"], days: 1 });
  const written = writePkiFiles(dir, files, false);
  if (!written.ok) throw new Error(written.error);
  return { dir, pem: (name) => readFileSync(join(dir, name), "utf8") };
}

export function removePki(pki: Pki): void {
  rmSync(pki.dir, { recursive: true, force: true });
}

export interface Harness {
  readonly api: ControlApi;
  readonly url: string;
  readonly clock: FakeClock;
  readonly store: ProvisioningStore;
  readonly events: SegwEventBus;
  readonly counters: Counters;
  readonly logLines: string[];
  readonly released: { entry: ProvisioningEntry; reason: ReleaseReason }[];
  client(enb: string, pki?: Pki): ControlApiClient;
}

export const GTPU_ADDRESS = "198.18.0.1";

export async function startHarness(pki: Pki, opts: Pick<ControlApiOptions, "health"> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const counters = new Counters();
  const logLines: string[] = [];
  const released: { entry: ProvisioningEntry; reason: ReleaseReason }[] = [];
  const store = new ProvisioningStore({
    clock,
    defaultWindowSeconds: 30,
    maxWindowSeconds: 300,
    maxEntries: 1000,
    onRelease: (entry, reason) => released.push({ entry, reason }),
  });
  const events = new SegwEventBus();
  const api = await startControlApi({
    listen: "127.0.0.1",
    port: 0,
    tls: { cert: pki.pem("segw.pem"), key: pki.pem("segw-key.pem"), ca: pki.pem("ca.pem") },
    enbs: [
      { name: "alpha", certificateIdentity: "alpha", gtpAddress: "198.18.1.2" },
      { name: "bravo", certificateIdentity: "BRAVO" },
    ],
    registry: new StoreRegistry(store, { gtpu: GTPU_ADDRESS, ip: undefined }),
    events,
    log: createLogger("debug", (l) => logLines.push(l)),
    counters,
    ...opts,
  });
  const url = `https://127.0.0.1:${api.port}`;
  const client = (enb: string, from: Pki = pki) =>
    new ControlApiClient({ api: url, cert: from.pem(`enb-${enb}.pem`), key: from.pem(`enb-${enb}-key.pem`), ca: pki.pem("ca.pem") });
  return { api, url, clock, store, events, counters, logLines, released, client };
}

export const PSK_HEX = "5a".repeat(32);

/** A valid LWIP ADDITION REQUEST body. */
export function additionBody(idi: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enbUeXwapId: "000001",
    ueIdentity: "02:00:00:00:00:01",
    lwipSegwSecurityInformation: { lwipPsk: PSK_HEX, ikeInitiatorIdentity: idi },
    enbGtpTunnelEndpoint: { transportLayerAddress: "198.18.1.2", gtpTeid: "0000beef" },
    ...overrides,
  };
}

/** Polls `condition` every 5 ms; rejects after `ms` so that a broken server cannot hang the suite. */
export async function waitFor(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
