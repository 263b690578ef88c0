// A small client for strongSwan's VICI protocol (the control socket swanctl uses), ported from
// the lab's vici.mjs. Protocol (strongSwan src/libcharon/plugins/vici/README.md):
//   transport: 32-bit big-endian length + packet
//   packet:    1 byte type [+ 1 byte name length + name] + message
//   message:   SECTION_START(1,name) SECTION_END(2) KEY_VALUE(3,name,16-bit len value)
//              LIST_START(4,name) LIST_ITEM(5,16-bit len value) LIST_END(6)
// Only one command may be outstanding per connection; events may arrive at any time.
import { createConnection, type Socket } from "node:net";

/** A decoded VICI value: key/value strings, lists of strings, or nested sections. */
export type ViciValue = string | string[] | ViciSection;
/** A decoded VICI section (a message is the root section). */
export interface ViciSection {
  [key: string]: ViciValue;
}
/** What {@link encodeVici} accepts: numbers are sent as decimal strings, undefined is skipped. */
export interface ViciInput {
  [key: string]: string | number | readonly string[] | ViciInput | undefined;
}

const PacketType = { CMD_REQUEST: 0, CMD_RESPONSE: 1, CMD_UNKNOWN: 2, EVENT_REGISTER: 3, EVENT_UNREGISTER: 4, EVENT_CONFIRM: 5, EVENT_UNKNOWN: 6, EVENT: 7 } as const;
const Element = { SECTION_START: 1, SECTION_END: 2, KEY_VALUE: 3, LIST_START: 4, LIST_ITEM: 5, LIST_END: 6 } as const;

function nameBytes(name: string): Buffer {
  const b = Buffer.from(name, "utf8");
  if (b.length > 255) throw new Error(`vici name too long: ${name}`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function valueBytes(value: string): Buffer {
  const b = Buffer.from(value, "utf8");
  if (b.length > 65535) throw new Error("vici value too long");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** Encodes a message: objects become sections, arrays lists, the rest key/values. */
export function encodeVici(msg: ViciInput): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(msg)) {
    if (value === undefined) continue;
    if (typeof value === "string" || typeof value === "number") {
      parts.push(Buffer.from([Element.KEY_VALUE]), nameBytes(key), valueBytes(String(value)));
    } else if (Array.isArray(value)) {
      parts.push(Buffer.from([Element.LIST_START]), nameBytes(key));
      for (const item of value as readonly string[]) parts.push(Buffer.from([Element.LIST_ITEM]), valueBytes(item));
      parts.push(Buffer.from([Element.LIST_END]));
    } else {
      parts.push(Buffer.from([Element.SECTION_START]), nameBytes(key), encodeVici(value as ViciInput), Buffer.from([Element.SECTION_END]));
    }
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a message into nested sections.
 * @throws Error on an unknown element type (charon never sends one).
 */
export function decodeVici(buf: Buffer): ViciSection {
  const root: ViciSection = {};
  const stack: ViciSection[] = [root];
  let list: string[] | null = null;
  let i = 0;
  const readName = (): string => {
    const len = buf[i++] ?? 0;
    i += len;
    return buf.toString("utf8", i - len, i);
  };
  const readValue = (): string => {
    const len = buf.readUInt16BE(i);
    i += 2 + len;
    return buf.toString("utf8", i - len, i);
  };
  while (i < buf.length) {
    const type = buf[i++];
    const cur = stack[stack.length - 1] ?? root;
    if (type === Element.SECTION_START) {
      const section: ViciSection = {};
      cur[readName()] = section;
      stack.push(section);
    } else if (type === Element.SECTION_END) {
      stack.pop();
    } else if (type === Element.KEY_VALUE) {
      const key = readName();
      cur[key] = readValue();
    } else if (type === Element.LIST_START) {
      list = [];
      cur[readName()] = list;
    } else if (type === Element.LIST_ITEM) {
      list?.push(readValue());
    } else if (type === Element.LIST_END) {
      list = null;
    } else {
      throw new Error(`vici: bad element type ${String(type)}`);
    }
  }
  return root;
}

interface Pending {
  readonly data: Buffer;
  readonly name: string;
  readonly timeoutMs: number;
  readonly resolve: (msg: ViciSection) => void;
  readonly reject: (err: Error) => void;
}

/** One VICI connection: commands are queued and answered in order; events go to handlers. */
export class ViciClient {
  readonly #sock: Socket;
  #buf: Buffer = Buffer.alloc(0);
  readonly #queue: Pending[] = [];
  #pending: Pending | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #handlers = new Map<string, ((msg: ViciSection) => void)[]>();

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.on("data", (d) => this.#onData(d));
    sock.on("error", (e) => this.#fail(e));
    sock.on("close", () => this.#fail(new Error("vici connection closed")));
  }

  /** Connects to a unix socket (e.g. the instance's charon.vici). */
  static connect(path: string, timeoutMs = 5_000): Promise<ViciClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`vici: connect to ${path} timed out`));
      }, timeoutMs);
      sock.once("connect", () => {
        clearTimeout(timer);
        resolve(new ViciClient(sock));
      });
      sock.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  close(): void {
    this.#sock.destroy();
  }

  /** Adds a handler for a named event (register it with {@link register} too). */
  on(event: string, fn: (msg: ViciSection) => void): () => void {
    const list = this.#handlers.get(event) ?? [];
    list.push(fn);
    this.#handlers.set(event, list);
    return () => this.#handlers.set(event, (this.#handlers.get(event) ?? []).filter((f) => f !== fn));
  }

  /** Sends a named command; resolves with the response, rejects after `timeoutMs` (connection closed). */
  request(cmd: string, msg: ViciInput = {}, timeoutMs = 30_000): Promise<ViciSection> {
    return this.#send(PacketType.CMD_REQUEST, cmd, encodeVici(msg), timeoutMs);
  }

  register(event: string): Promise<ViciSection> {
    return this.#send(PacketType.EVENT_REGISTER, event, Buffer.alloc(0), 5_000);
  }

  unregister(event: string): Promise<ViciSection> {
    return this.#send(PacketType.EVENT_UNREGISTER, event, Buffer.alloc(0), 5_000);
  }

  /** Runs a streaming command (e.g. list-sas, streaming list-sa events) and collects its events. */
  async stream(cmd: string, event: string, msg: ViciInput = {}, timeoutMs = 10_000): Promise<ViciSection[]> {
    const items: ViciSection[] = [];
    const off = this.on(event, (m) => items.push(m));
    await this.register(event);
    try {
      await this.request(cmd, msg, timeoutMs);
    } finally {
      off();
      await this.unregister(event);
    }
    return items;
  }

  #send(type: number, name: string, payload: Buffer, timeoutMs: number): Promise<ViciSection> {
    return new Promise((resolve, reject) => {
      const n = Buffer.from(name, "utf8");
      const body = Buffer.concat([Buffer.from([type, n.length]), n, payload]);
      const hdr = Buffer.alloc(4);
      hdr.writeUInt32BE(body.length);
      this.#queue.push({ data: Buffer.concat([hdr, body]), name, timeoutMs, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#pending !== null) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    this.#pending = next;
    // A late answer would desynchronise the command/response pairing: give up the connection.
    this.#timer = setTimeout(() => this.#fail(new Error(`vici: '${next.name}' timed out after ${next.timeoutMs} ms`)), next.timeoutMs);
    this.#sock.write(next.data);
  }

  #fail(err: Error): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    const all = [this.#pending, ...this.#queue].filter((p): p is Pending => p !== null);
    this.#pending = null;
    this.#queue.length = 0;
    for (const p of all) p.reject(err);
    this.#sock.destroy();
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, d]) : d;
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (this.#buf.length < 4 + len) break;
      const pkt = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      this.#onPacket(pkt);
    }
  }

  #onPacket(pkt: Buffer): void {
    const type = pkt[0];
    if (type === PacketType.EVENT) {
      const len = pkt[1] ?? 0;
      const name = pkt.toString("utf8", 2, 2 + len);
      const msg = decodeVici(pkt.subarray(2 + len));
      for (const fn of this.#handlers.get(name) ?? []) fn(msg);
      return;
    }
    const p = this.#pending;
    if (p === null) return;
    this.#pending = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (type === PacketType.CMD_RESPONSE) p.resolve(decodeVici(pkt.subarray(1)));
    else if (type === PacketType.EVENT_CONFIRM) p.resolve({});
    else if (type === PacketType.CMD_UNKNOWN) p.reject(new Error(`vici: unknown command ${p.name}`));
    else if (type === PacketType.EVENT_UNKNOWN) p.reject(new Error(`vici: unknown event ${p.name}`));
    else p.reject(new Error(`vici: unexpected packet type ${String(type)}`));
    this.#pump();
  }
}
