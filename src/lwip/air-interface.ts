/**
 * THE SIMULATED LTE AIR INTERFACE between a UE and its eNB.
 *
 * This is a simulation, not a radio: there is no PHY, MAC, RLC or PDCP, no ciphering or integrity
 * protection of RRC, and no NAS or S1. It carries the RRC messages of LWIP (rrc.ts) and the PDCP
 * SDUs of the DRBs that travel over LTE, as JSON lines (air-frames.ts), either inside one process
 * (createAirLinkPair) or between processes over a local socket: a Unix domain socket
 * ("unix:/path", which also crosses network namespaces) or TCP ("tcp:127.0.0.1:7000").
 * The secure RRC signalling that TS 33.401 16.2.1 relies on is assumed, as is the AS security
 * context: each end is given the UE's KeNB by its own configuration (the simulated MME).
 * Everything else of LWIP -- WLAN (IKEv2, ESP over UDP), Xw-U (GTP-U) and the SeGW control API --
 * is real networking.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { decodeDownlinkFrame, decodeUplinkFrame, encodeFrame, MAX_FRAME_LINE_BYTES, type DownlinkFrame, type UplinkFrame } from "./air-frames.js";
import type { CodecError } from "../wire/codec-error.js";
import type { Result } from "../wire/result.js";

/** What the owner of a link end hears. */
export interface AirLinkHandlers<In> {
  frame(f: In): void;
  /** The link went away (peer closed, socket error, close()). Called once. */
  closed(): void;
  /** A line that did not decode: dropped. */
  invalid?(error: CodecError): void;
}

/** One end of the link: sends `Out` frames and receives `In` frames. */
export interface AirLink<Out, In> {
  send(f: Out): void;
  /** Sets the handlers; frames that arrived before are delivered to them first. */
  listen(h: AirLinkHandlers<In>): void;
  close(): void;
  readonly isClosed: boolean;
}

export type UeAirLink = AirLink<UplinkFrame, DownlinkFrame>;
export type EnbAirLink = AirLink<DownlinkFrame, UplinkFrame>;

/** How lines leave an end: the other end's receive (in process) or a socket. */
interface LineSink {
  write(line: string): void;
  end(): void;
}

/** The shared machinery of both kinds of link: encoding, decoding, buffering until listen(). */
class LineLink<Out extends DownlinkFrame | UplinkFrame, In> implements AirLink<Out, In> {
  private handlers: AirLinkHandlers<In> | undefined;
  private readonly early: string[] = [];
  private closedFlag = false;
  private closeNotified = false;
  sink: LineSink | undefined;

  constructor(private readonly decode: (line: string) => Result<In, CodecError>) {}

  get isClosed(): boolean {
    return this.closedFlag;
  }

  send(f: Out): void {
    if (!this.closedFlag) this.sink?.write(encodeFrame(f));
  }

  listen(h: AirLinkHandlers<In>): void {
    this.handlers = h;
    for (const line of this.early.splice(0)) this.receiveLine(line);
    if (this.closedFlag) this.notifyClosed();
  }

  receiveLine(line: string): void {
    const h = this.handlers;
    if (!h) {
      this.early.push(line);
      return;
    }
    const f = this.decode(line);
    if (f.ok) h.frame(f.value);
    else h.invalid?.(f.error);
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.sink?.end();
    this.notifyClosed();
  }

  /** The far side went away. */
  remoteClosed(): void {
    this.closedFlag = true;
    this.notifyClosed();
  }

  private notifyClosed(): void {
    if (this.closeNotified || !this.handlers) return;
    this.closeNotified = true;
    this.handlers.closed();
  }
}

/** Makes `from`'s lines arrive at `to` on a later turn of the event loop. */
function connectInProcess(from: { sink: LineSink | undefined }, to: { readonly isClosed: boolean; receiveLine(line: string): void; remoteClosed(): void }): void {
  from.sink = {
    write: (line) => setImmediate(() => { if (!to.isClosed) to.receiveLine(line); }),
    end: () => setImmediate(() => to.remoteClosed()),
  };
}

/**
 * Both ends of an in-process link. Frames still go through the JSON codec (so both modes behave
 * the same) and are delivered on a later turn of the event loop, in order.
 */
export function createAirLinkPair(): { readonly ue: UeAirLink; readonly enb: EnbAirLink } {
  const ue = new LineLink<UplinkFrame, DownlinkFrame>(decodeDownlinkFrame);
  const enb = new LineLink<DownlinkFrame, UplinkFrame>(decodeUplinkFrame);
  connectInProcess(ue, enb);
  connectInProcess(enb, ue);
  return { ue, enb };
}

/** Where the local socket is: "unix:/path", "tcp:host:port", or a bare path (Unix). */
export type AirAddress = { readonly kind: "unix"; readonly path: string } | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** Parses an air interface address; undefined if it is not one. */
export function parseAirAddress(text: string): AirAddress | undefined {
  if (text.startsWith("tcp:")) {
    const m = /^tcp:(.+):(\d{1,5})$/.exec(text);
    const port = Number(m?.[2]);
    if (!m?.[1] || !(port >= 0 && port <= 65535)) return undefined;
    return { kind: "tcp", host: m[1].replace(/^\[(.*)\]$/, "$1"), port };
  }
  const path = text.startsWith("unix:") ? text.slice(5) : text;
  return path.length > 0 ? { kind: "unix", path } : undefined;
}

export function formatAirAddress(a: AirAddress): string {
  return a.kind === "unix" ? `unix:${a.path}` : `tcp:${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Wires a socket to a link: newline-framed lines in, lines out, closing on overlong lines. */
function overSocket<Out extends DownlinkFrame | UplinkFrame, In>(socket: Socket, link: LineLink<Out, In>): LineLink<Out, In> {
  socket.setEncoding("utf8");
  socket.setNoDelay?.(true);
  let buffer = "";
  link.sink = { write: (line) => void socket.write(line + "\n"), end: () => socket.end() };
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.length > 0) link.receiveLine(line);
    }
    if (buffer.length > MAX_FRAME_LINE_BYTES) socket.destroy();
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => link.remoteClosed());
  return link;
}

/** A listening eNB end: one EnbAirLink per connecting UE. */
export interface AirServer {
  /** The bound address (the actual TCP port when 0 was asked). */
  readonly address: AirAddress;
  close(): Promise<void>;
}

/** Listens for UEs on `address`. @throws the listen error (path in use, address not local). */
export async function listenAirInterface(address: AirAddress, onLink: (link: EnbAirLink) => void): Promise<AirServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onLink(overSocket(socket, new LineLink<DownlinkFrame, UplinkFrame>(decodeUplinkFrame)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (address.kind === "unix") server.listen(address.path, done);
    else server.listen(address.port, address.host, done);
  });
  const bound = server.address();
  const actual: AirAddress = address.kind === "tcp" && typeof bound === "object" && bound ? { ...address, port: bound.port } : address;
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects a UE to the eNB listening on `address`. @throws the connection error. */
export function connectAirInterface(address: AirAddress): Promise<UeAirLink> {
  return new Promise((resolve, reject) => {
    const socket = address.kind === "unix" ? createConnection(address.path) : createConnection(address.port, address.host);
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(overSocket(socket, new LineLink<UplinkFrame, DownlinkFrame>(decodeDownlinkFrame)));
    });
  });
}
