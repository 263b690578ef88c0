// Typed views of charon's SA listings and events, and the SA commands the tests use
// (vici list-sas, initiate, terminate, rekey; event names and fields as in strongSwan's
// src/libcharon/plugins/vici/README.md).
import { ViciClient, type ViciSection, type ViciValue } from "./vici.js";

function str(sec: ViciSection, key: string): string {
  const v = sec[key];
  return typeof v === "string" ? v : "";
}

function list(sec: ViciSection, key: string): string[] {
  const v = sec[key];
  return Array.isArray(v) ? v : [];
}

function section(sec: ViciSection, key: string): ViciSection {
  const v: ViciValue | undefined = sec[key];
  return v !== undefined && typeof v === "object" && !Array.isArray(v) ? v : {};
}

function sections(sec: ViciSection): [string, ViciSection][] {
  return Object.entries(sec).filter((e): e is [string, ViciSection] => typeof e[1] === "object" && !Array.isArray(e[1]));
}

/** A CHILD_SA as charon lists it. SPIs are lowercase hex without 0x. */
export interface ChildSaView {
  readonly name: string;
  readonly uniqueId: string;
  readonly state: string;
  readonly mode: string;
  readonly protocol: string;
  readonly encap: boolean;
  readonly spiIn: string;
  readonly spiOut: string;
  /** e.g. "AES_GCM_16" or "AES_CBC". */
  readonly encrAlg: string;
  readonly encrKeysize: string;
  /** e.g. "HMAC_SHA2_256_128"; "" for AEAD. */
  readonly integAlg: string;
  readonly esn: boolean;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly localTs: string[];
  readonly remoteTs: string[];
}

/** An IKE_SA as charon lists it. SPIs are lowercase hex without 0x. */
export interface IkeSaView {
  readonly name: string;
  readonly uniqueId: string;
  readonly state: string;
  readonly initiator: boolean;
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  readonly localHost: string;
  readonly localPort: string;
  readonly remoteHost: string;
  readonly remotePort: string;
  readonly localId: string;
  readonly remoteId: string;
  readonly encrAlg: string;
  readonly encrKeysize: string;
  readonly integAlg: string;
  readonly prfAlg: string;
  readonly dhGroup: string;
  readonly localVips: string[];
  readonly remoteVips: string[];
  readonly children: ChildSaView[];
}

/** Reads one child-sas entry. */
export function childSaView(key: string, sec: ViciSection): ChildSaView {
  return {
    name: str(sec, "name") || key,
    uniqueId: str(sec, "uniqueid"),
    state: str(sec, "state"),
    mode: str(sec, "mode"),
    protocol: str(sec, "protocol"),
    encap: str(sec, "encap") === "yes",
    spiIn: str(sec, "spi-in").toLowerCase(),
    spiOut: str(sec, "spi-out").toLowerCase(),
    encrAlg: str(sec, "encr-alg"),
    encrKeysize: str(sec, "encr-keysize"),
    integAlg: str(sec, "integ-alg"),
    esn: str(sec, "esn") === "1",
    packetsIn: Number(str(sec, "packets-in") || "0"),
    packetsOut: Number(str(sec, "packets-out") || "0"),
    localTs: list(sec, "local-ts"),
    remoteTs: list(sec, "remote-ts"),
  };
}

/** Reads one IKE_SA section (of list-sa, ike-updown, child-updown or the old/new of ike-rekey). */
export function ikeSaView(name: string, sec: ViciSection): IkeSaView {
  return {
    name,
    uniqueId: str(sec, "uniqueid"),
    state: str(sec, "state"),
    initiator: str(sec, "initiator") === "yes",
    initiatorSpi: str(sec, "initiator-spi").toLowerCase(),
    responderSpi: str(sec, "responder-spi").toLowerCase(),
    localHost: str(sec, "local-host"),
    localPort: str(sec, "local-port"),
    remoteHost: str(sec, "remote-host"),
    remotePort: str(sec, "remote-port"),
    localId: str(sec, "local-id"),
    remoteId: str(sec, "remote-id"),
    encrAlg: str(sec, "encr-alg"),
    encrKeysize: str(sec, "encr-keysize"),
    integAlg: str(sec, "integ-alg"),
    prfAlg: str(sec, "prf-alg"),
    dhGroup: str(sec, "dh-group"),
    localVips: list(sec, "local-vips"),
    remoteVips: list(sec, "remote-vips"),
    children: sections(section(sec, "child-sas")).map(([k, c]) => childSaView(k, c)),
  };
}

/** The IKE_SA sections of a message keyed by connection name (skips "up" and other scalars). */
function ikeSections(msg: ViciSection): IkeSaView[] {
  return sections(msg).map(([name, sec]) => ikeSaView(name, sec));
}

/** All IKE_SAs of the daemon (vici list-sas). */
export async function listSas(v: ViciClient): Promise<IkeSaView[]> {
  const items = await v.stream("list-sas", "list-sa", {});
  return items.flatMap(ikeSections);
}

/** Result of initiate/terminate/rekey. */
export interface CommandResult {
  readonly success: boolean;
  readonly errmsg: string;
  /** control-log lines streamed by charon while the command ran. */
  readonly log: string[];
}

async function controlled(v: ViciClient, cmd: string, msg: Record<string, string | number>, timeoutMs: number): Promise<CommandResult> {
  const log: string[] = [];
  const off = v.on("control-log", (m) => log.push(str(m, "msg")));
  // control-log events reach only registered clients (as swanctl --initiate registers)
  await v.register("control-log");
  try {
    // charon's own timeout answers first; ours only guards against a silent daemon
    const r = await v.request(cmd, { ...msg, timeout: timeoutMs, loglevel: 1 }, timeoutMs + 5_000);
    return { success: str(r, "success") === "yes", errmsg: str(r, "errmsg"), log };
  } finally {
    off();
    await v.unregister("control-log");
  }
}

/** Initiates a CHILD_SA (and its IKE_SA), waiting at most `timeoutMs` for the outcome. */
export function initiate(v: ViciClient, ike: string, child: string, timeoutMs = 20_000): Promise<CommandResult> {
  return controlled(v, "initiate", { ike, child, "init-limits": "no" }, timeoutMs);
}

/** Deletes an IKE_SA by connection name with an INFORMATIONAL exchange, waiting for the answer. */
export function terminateIke(v: ViciClient, ike: string, timeoutMs = 10_000): Promise<CommandResult> {
  return controlled(v, "terminate", { ike }, timeoutMs);
}

/**
 * Clean-up between cases: deletes every IKE_SA at once (force: no waiting for the peer) and waits
 * until none is listed.
 * @throws Error when SAs are still listed after `timeoutMs`.
 */
export async function terminateAll(v: ViciClient, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let sas = await listSas(v); sas.length > 0; sas = await listSas(v)) {
    if (Date.now() > deadline) throw new Error(`IKE_SAs left after terminate: ${sas.map((s) => `${s.name} ${s.state}`).join(", ")}`);
    for (const sa of sas) await v.request("terminate", { "ike-id": sa.uniqueId, force: "yes", timeout: -1 }, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Queues a rekey of a CHILD_SA (by config name) or of an IKE_SA; returns once queued. */
export async function rekey(v: ViciClient, what: { readonly child: string } | { readonly ike: string }): Promise<CommandResult> {
  const r = await v.request("rekey", { ...what }, 10_000);
  return { success: str(r, "success") === "yes", errmsg: str(r, "errmsg"), log: [] };
}

/** One recorded vici event. */
export interface RecordedEvent {
  readonly name: string;
  readonly msg: ViciSection;
}

/** An ike-updown / child-updown event: up or down, and the SA it concerns. */
export function updown(e: RecordedEvent): { up: boolean; ike: IkeSaView } | undefined {
  if (e.name !== "ike-updown" && e.name !== "child-updown") return undefined;
  const ike = ikeSections(e.msg)[0];
  return ike === undefined ? undefined : { up: str(e.msg, "up") === "yes", ike };
}

/** An ike-rekey event: the old and the new IKE_SA. */
export function ikeRekeyed(e: RecordedEvent): { old: IkeSaView; new: IkeSaView } | undefined {
  const [entry] = e.name === "ike-rekey" ? sections(e.msg) : [];
  if (entry === undefined) return undefined;
  return { old: ikeSaView(entry[0], section(entry[1], "old")), new: ikeSaView(entry[0], section(entry[1], "new")) };
}

/** A child-rekey event: the old and the new CHILD_SA. */
export function childRekeyed(e: RecordedEvent): { old: ChildSaView; new: ChildSaView } | undefined {
  const [entry] = e.name === "child-rekey" ? sections(e.msg) : [];
  const [child] = entry === undefined ? [] : sections(section(entry[1], "child-sas"));
  if (child === undefined) return undefined;
  return { old: childSaView(child[0], section(child[1], "old")), new: childSaView(child[0], section(child[1], "new")) };
}

/** The SA events of a charon, recorded from the moment the log is opened. */
export class ViciEventLog {
  readonly events: RecordedEvent[] = [];
  readonly #client: ViciClient;
  readonly #waiters = new Set<() => void>();

  private constructor(client: ViciClient) {
    this.#client = client;
  }

  /** Opens its own vici connection and registers ike-updown, ike-rekey, child-updown, child-rekey. */
  static async open(socket: string): Promise<ViciEventLog> {
    const log = new ViciEventLog(await ViciClient.connect(socket));
    for (const name of ["ike-updown", "ike-rekey", "child-updown", "child-rekey"]) {
      log.#client.on(name, (msg) => {
        log.events.push({ name, msg });
        for (const w of log.#waiters) w();
      });
      await log.#client.register(name);
    }
    return log;
  }

  /**
   * Resolves with the first recorded event (past or future) for which `pick` returns a value.
   * @throws Error after `timeoutMs`, listing the event names seen.
   */
  waitFor<T>(pick: (e: RecordedEvent) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const e of this.events) {
          const v = pick(e);
          if (v !== undefined) {
            done();
            resolve(v);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for strongSwan event: ${what}; seen: ${this.events.map((e) => e.name).join(", ") || "none"}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(onEvent);
      };
      const onEvent = (): void => void check();
      if (!check()) this.#waiters.add(onEvent);
    });
  }

  close(): void {
    this.#client.close();
  }
}
