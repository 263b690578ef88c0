#!/usr/bin/env node
// The main job until `lwip demo` exists: `lwip ike responder` and `lwip ike initiator` meet on
// loopback (127.0.0.1 and 127.0.0.2, unprivileged ports), establish an IKE SA and a CHILD SA, rekey
// both, ping through the ESP tunnel and delete. Each peer's JSON events are printed with its name.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

const cli = new URL("../dist/src/cli/main.js", import.meta.url).pathname;
const psk = randomBytes(32).toString("hex");
const idi = Buffer.from("LWIP-UE-0001").toString("hex");
const ports = ["--ike-port", "15500", "--natt-port", "14500"];

function run(name, args) {
  const child = spawn(process.execPath, [cli, "ike", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  createInterface({ input: child.stdout }).on("line", (line) => console.log(`${name.padEnd(9)} ${line}`));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  return { child, exited };
}

const responder = run("responder", ["responder", "--listen", "127.0.0.1", ...ports, "--idi", idi, "--psk", psk, "--log-level", "warn"]);
await new Promise((r) => setTimeout(r, 500));
const initiator = run("initiator", [
  "initiator", "--remote", "127.0.0.1", "--local", "127.0.0.2", ...ports, "--remote-port", "15500", "--remote-natt-port", "14500",
  "--idi", idi, "--psk", psk, "--rekey-child-after", "0.5", "--rekey-ike-after", "0.5", "--ping", "5", "--once", "--log-level", "warn",
]);
const result = await initiator.exited;
responder.child.kill("SIGTERM");
await responder.exited;
if (result.code !== 0) console.error(result.stderr);
console.log(result.code === 0 ? "\nloopback IKEv2 + ESP: OK" : `\nloopback IKEv2 + ESP: FAILED (initiator exit ${result.code})`);
process.exitCode = result.code ?? 1;
