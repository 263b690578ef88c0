/**
 * The sending side of a flood (see flood.ts), run as a worker thread: copies of an IKE_SA_INIT
 * request with a fresh SPIi each, round-robin over the source sockets, paced every 5 ms to the
 * requested rate, stopped after the requested time. Bounded in count and time by construction.
 */
import { createSocket, type Socket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import type { FloodJob, FloodReport } from "./flood.js";

const TICK_MS = 5;

async function bind(address: string): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(0, address, () => {
      s.off("error", reject);
      s.on("error", () => {});
      resolve();
    });
  });
  return s;
}

async function flood(job: FloodJob): Promise<FloodReport> {
  const sockets = await Promise.all(job.sources.map(bind));
  let answers = 0;
  for (const s of sockets) s.on("message", () => void answers++);
  const packet = Buffer.from(job.template);
  const started = performance.now();
  let sent = 0;
  let spi = (Math.random() * 0x7fffffff) >>> 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(job.packetsPerSecond * Math.min(elapsed, job.durationMs) / 1000, job.packetsPerSecond * job.durationMs / 1000);
      for (; sent < due; sent++) {
        const s = sockets[sent % sockets.length];
        if (!s) break;
        // A fresh SPIi per request: to the responder each is a new IKE SA (RFC 7296 §2.6).
        packet.writeUInt32BE(++spi >>> 0, 0);
        packet.writeUInt32BE(sent >>> 0, 4);
        s.send(packet, job.target.port, job.target.address);
      }
      if (elapsed >= job.durationMs) return resolve();
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const ms = performance.now() - started;
  // Late answers still count; then the sockets go.
  await new Promise((r) => setTimeout(r, 100));
  for (const s of sockets) s.close();
  return { sent, answers, ms };
}

const report = await flood(workerData as FloodJob);
parentPort?.postMessage(report);
