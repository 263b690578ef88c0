// `lwip segw --config`: a daemon the host cannot start (its address is not configured here) says
// why in one line and exits 1, with no stack trace and, with workers, no worker left running.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDevPki } from "../../../src/pki/dev-pki.js";
import { writePkiFiles } from "../../../src/pki/write-files.js";

const CLI = fileURLToPath(new URL("../../../src/cli/main.js", import.meta.url));
/** In the benchmarking range but on no interface of this host: bind() fails, nothing is sent. */
const ABSENT = "198.18.200.1";

async function run(yaml: string): Promise<{ status: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lwip-segw-cmd-"));
  try {
    const pki = writePkiFiles(join(dir, "pki"), await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses: ["127.0.0.1"], days: 1 }), false);
    assert.ok(pki.ok);
    writeFileSync(join(dir, "segw.yaml"), yaml);
    const r = spawnSync(process.execPath, [CLI, "segw", "--config", join(dir, "segw.yaml")], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = (ike: string) => `
ike: { listen: ${ike}, ikePort: 0, nattPort: 0 }
pools: [198.18.64.0/18]
controlApi: { listen: 127.0.0.1, port: 0, tls: { cert: pki/segw.pem, key: pki/segw-key.pem, ca: pki/ca.pem } }
enbs: [{ name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: 127.0.0.9 }]
gtpu: { listen: 127.0.0.1, port: 0, ndsIp: platform }
log: { level: error }
`;

test("one process: an address the host does not have is one line and exit 1", async () => {
  const r = await run(base(ABSENT));
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^lwip segw: cannot start: bind EADDRNOTAVAIL ${ABSENT}(:\\d+)?\\n$`, "m"));
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});

test("workers: a worker that cannot bind stops the others and the daemon exits 1 naming it", async () => {
  const r = await run(`${base("127.0.0.1")}workers: [{ ike: 127.0.0.1 }, { ike: ${ABSENT} }]\n`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^lwip segw: cannot start: worker 1: bind EADDRNOTAVAIL ${ABSENT}(:\\d+)?\\n$`, "m"));
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});

test("a control API port already taken: one line, exit 1, and the sockets already open are closed (the process ends)", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    for (const workers of ["", "workers: [{ ike: 127.0.0.1 }, { ike: 127.0.0.2 }]\n"]) {
      const r = await run(base("127.0.0.1").replace("port: 0, tls", `port: ${port}, tls`) + workers);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^lwip segw: cannot start: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\n$`, "m"));
    }
  } finally {
    taken.close();
  }
});
