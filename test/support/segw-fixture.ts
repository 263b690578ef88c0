/**
 * A real LWIP-SeGW on loopback for scenario tests: a development PKI and a configuration in a temp
 * folder (unprivileged ports, 127.0.0.x addresses), started with startSegw and stopped after the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../../src/pki/dev-pki.js";
import { writePkiFiles } from "../../src/pki/write-files.js";
import { parseSegwConfig } from "../../src/segw/config.js";
import { startSegw, type Segw } from "../../src/segw/daemon.js";
import { silentLogger, type Logger } from "../../src/io/log.js";
import { issueDevCrl } from "../../src/pki/dev-crl.js";

export interface SegwFixture {
  segw: Segw;
  /** Stops the daemon and starts it again with the same configuration and PKI (a SeGW restart). */
  restart(): Promise<void>;
  readonly dir: string;
  readonly pki: string;
  stop(): Promise<void>;
}

export interface SegwFixtureOptions {
  readonly ndsIp: "builtin" | "platform";
  /** The eNB alpha's GTP-U (and, with NDS/IP built in, IKE) address. */
  readonly enbAddress: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly apiPort: number;
  readonly gtpuPort: number;
  /** Certificates (file base names: enb-alpha, enb-bravo, segw) the development CA revokes: the SeGW gets pki/crl.pem as controlApi.tls.crl. */
  readonly revoked?: readonly string[];
  /** The SeGW's logger (silent by default). */
  readonly log?: Logger;
}

export async function startSegwFixture(o: SegwFixtureOptions): Promise<SegwFixture> {
  const dir = mkdtempSync(join(tmpdir(), "lwip-segw-"));
  const pki = join(dir, "pki");
  const files = await createDevPki({ enbs: ["alpha", "bravo"], segwName: "segw.lwip.test", segwAddresses: ["127.0.0.1"], days: 1 });
  const written = writePkiFiles(pki, files, false);
  if (!written.ok) throw new Error(written.error);
  const pem = (name: string) => files.find((f) => f.name === name)?.pem ?? "";
  if (o.revoked) {
    const crl = await issueDevCrl({ caPem: pem("ca.pem"), caKeyPem: pem("ca-key.pem"), revoke: o.revoked.map((base) => pem(`${base}.pem`)), reason: "keyCompromise", days: 1 });
    writeFileSync(join(pki, "crl.pem"), crl.pem);
  }
  const crl = o.revoked ? ", crl: pki/crl.pem" : "";
  const yaml = `
ike: { listen: 127.0.0.1, ikePort: ${o.ikePort}, nattPort: ${o.nattPort}, dpdSeconds: 0 }
pools: [198.18.64.0/18]
controlApi: { listen: 127.0.0.1, port: ${o.apiPort}, tls: { cert: pki/segw.pem, key: pki/segw-key.pem, ca: pki/ca.pem${crl} } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: ${o.enbAddress} }
  - { name: bravo, certificateIdentity: bravo, lwipEndpoints: [198.18.2.1], gtpAddress: 127.0.0.9 }
gtpu: { listen: 127.0.0.1, port: ${o.gtpuPort}, ndsIp: ${o.ndsIp} }
`;
  const config = parseSegwConfig(yaml, dir);
  if (!config.ok) throw new Error(config.error.message);
  const cfg = config.value;
  const fx: SegwFixture = {
    segw: await startSegw(cfg, { log: o.log ?? silentLogger }),
    dir, pki,
    async restart() {
      await fx.segw.stop();
      fx.segw = await startSegw(cfg, { log: o.log ?? silentLogger });
    },
    async stop() {
      await fx.segw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fx;
}
