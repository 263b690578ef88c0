/**
 * End-to-end ESP throughput through an lwip-to-lwip tunnel between two processes (issue 3,
 * Performance): a responder and an initiator peer (bench/esp-tunnel-peer.ts) set the tunnel up
 * with IKEv2, then the initiator sends inner IPv4/UDP packets through it, paced by the
 * receiver's acknowledgements, and the responder counts what its data plane delivered.
 *
 * This file runs the pair over loopback UDP; bench/esp-tunnel-netns.ts runs the same pair between
 * two network namespaces, next to strongSwan.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { fileURLToPath } from "node:url";
import { parseBenchLine, type BenchLine, type Pacing, type PeerConfig, type Phase, type PhaseReceived, type PhaseSent } from "./esp-tunnel-common.js";

/** The proposal of every tunnel figure (the LWIP profile's AEAD choice; ECP-256 for a quick set-up). */
export const IKE_PROPOSAL = "aes128gcm16-prfsha256-ecp256";
export const ESP_PROPOSAL = "aes128gcm16";
/**
 * Tuned on the 2-core lab machine. The NAT-T socket keeps the default receive buffer (208 KiB, about
 * 90 queued 1400-octet datagrams on loopback): windows beyond ~80 packets lost datagrams there.
 */
export const PACING: Pacing = { window: 512, burst: 32, ackEvery: 16 };
/** Sent first and not reported: JIT warm-up of both processes. */
export const WARM_UP: Phase = { payloadBytes: 1400, seconds: 0.5 };
export const PEER_SCRIPT = fileURLToPath(new URL("./esp-tunnel-peer.js", import.meta.url));

/** One delivered-throughput figure. */
export interface TunnelRow {
  readonly payloadBytes: number;
  /** Packets the sender handed to the tunnel (lwip) or to the socket (iperf3). */
  readonly sent: number;
  /** Inner packets the receiver got (for lwip: through decryption and the selector check). */
  readonly delivered: number;
  /** From the first to the last delivered packet. */
  readonly seconds: number;
  readonly packetsPerSecond: number;
  /** UDP payload bits per second delivered (as iperf3 counts). */
  readonly gbitPerSecond: number;
  readonly lossPercent: number;
  /** Times the sender's window timed out without an acknowledgement. */
  readonly stalls: number;
  /** The rate iperf3 was told to offer (strongSwan rows: the best of the sweep). */
  readonly offeredBitsPerSecond?: number;
  /** strongSwan rows: CPU of the SeGW-side charon (all threads, /proc) per delivered packet, in µs. */
  readonly segwCpuUsPerPacket?: number;
  /** CPU microseconds per packet sent, of the sending process, and per packet delivered, of the receiving one (lwip only). */
  readonly senderCpuUsPerPacket?: number;
  readonly receiverCpuUsPerPacket?: number;
}

/** A peer process: its stdout bench lines, its stderr for diagnostics. */
export class PeerProcess {
  readonly lines: BenchLine[] = [];
  private stderr = "";
  private rest = "";
  private exited = false;
  private readonly listeners = new Set<() => void>();

  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (this.rest + chunk).split("\n");
      this.rest = parts.pop() ?? "";
      for (const part of parts) {
        const line = parseBenchLine(part);
        if (line) this.lines.push(line);
      }
      this.notify();
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    // 'close', not 'exit': the last stdout line may still be on its way when the process exits.
    child.once("close", () => {
      this.exited = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** The first line of kind `bench`; rejects when the process exits without it or after `timeoutMs`. */
  waitFor<K extends BenchLine["bench"]>(bench: K, timeoutMs: number): Promise<Extract<BenchLine, { bench: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const line = this.lines.find((l): l is Extract<BenchLine, { bench: K }> => l.bench === bench);
        if (line) finish(undefined, line);
        else if (this.exited) finish(new Error("exited"));
      };
      const finish = (e: Error | undefined, line?: Extract<BenchLine, { bench: K }>) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (line) resolve(line);
        else reject(new Error(`${this.name}: no "${bench}" line (${e?.message ?? ""})\n${this.stderr}`));
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGKILL unless it has exited. */
  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }
}

/** Starts one peer process with its configuration; `launch` decides where (host, namespace). */
export type Launcher = (argv: readonly string[]) => ChildProcess;

export const hostLauncher: Launcher = ([file = "", ...args]) => spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });

function peerArgv(c: PeerConfig): string[] {
  return [process.execPath, PEER_SCRIPT, JSON.stringify(c)];
}

/**
 * Runs one responder/initiator pair to completion and returns one row per phase (the warm-up,
 * phase 0, left out). Both processes are killed on the way out, whatever happened.
 */
export async function runLwipTunnel(
  launch: { responder: Launcher; initiator: Launcher },
  responder: PeerConfig,
  initiator: PeerConfig,
): Promise<TunnelRow[]> {
  const phases = initiator.phases ?? [];
  const runMs = phases.reduce((s, p) => s + p.seconds * 1000 + 500, 0);
  const r = new PeerProcess("responder", launch.responder(peerArgv(responder)));
  let i: PeerProcess | undefined;
  try {
    await r.waitFor("ready", 10_000);
    i = new PeerProcess("initiator", launch.initiator(peerArgv(initiator)));
    const sent = await i.waitFor("sent", 15_000 + runMs);
    // Let the last packets of the last phase arrive, then ask the responder for its counts.
    await new Promise((resolve) => setTimeout(resolve, 200));
    r.child.kill("SIGTERM");
    const received = await r.waitFor("received", 5_000);
    return sent.phases.slice(1).map((s, k) => row(s, received.phases.find((p) => p.phase === k + 1)));
  } finally {
    i?.kill();
    r.kill();
  }
}

function row(s: PhaseSent, r: PhaseReceived | undefined): TunnelRow {
  const delivered = r?.delivered ?? 0;
  const seconds = r ? Math.max(1e-6, (r.lastUs - r.firstUs) / 1e6) : (s.endUs - s.startUs) / 1e6;
  const pps = delivered / seconds;
  return {
    payloadBytes: s.payloadBytes, sent: s.sent, delivered, seconds, packetsPerSecond: pps,
    gbitPerSecond: (pps * s.payloadBytes * 8) / 1e9,
    lossPercent: s.sent === 0 ? 100 : (100 * Math.max(0, s.sent - delivered)) / s.sent,
    stalls: s.stalls,
    senderCpuUsPerPacket: s.cpuUs / Math.max(1, s.sent),
    receiverCpuUsPerPacket: (r?.cpuUs ?? 0) / Math.max(1, delivered),
  };
}

/** `n` distinct free UDP ports on `address` (bound to port 0, read back, released). */
async function freeUdpPorts(address: string, n: number): Promise<number[]> {
  const sockets: Socket[] = [];
  try {
    for (let k = 0; k < n; k++) {
      const s = createSocket("udp4");
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(0, address, () => resolve());
      });
    }
    return sockets.map((s) => s.address().port);
  } finally {
    for (const s of sockets) s.close();
  }
}

/** The lwip-to-lwip tunnel over loopback UDP: 64- and 1400-octet payloads, `seconds` each. */
export async function benchEspTunnelLoopback(seconds = 3): Promise<TunnelRow[]> {
  const address = "127.0.0.1";
  const [rIke = 0, rNatt = 0, iIke = 0, iNatt = 0] = await freeUdpPorts(address, 4);
  const psk = randomBytes(32).toString("hex");
  const common = { psk, ikeProposal: IKE_PROPOSAL, espProposal: ESP_PROPOSAL, pacing: PACING, deadlineSeconds: 60 };
  const responderEnd = { address, ikePort: rIke, nattPort: rNatt };
  return runLwipTunnel(
    { responder: hostLauncher, initiator: hostLauncher },
    { ...common, role: "responder", local: responderEnd },
    {
      ...common, role: "initiator", local: { address, ikePort: iIke, nattPort: iNatt }, remote: responderEnd,
      phases: [WARM_UP, { payloadBytes: 64, seconds }, { payloadBytes: 1400, seconds }],
    },
  );
}
