/**
 * `lwip ike responder`: an IKEv2 responder with PSK authentication by IDi (ID_KEY_ID), a virtual
 * address pool, narrowed selectors, ESP in user space, and an ICMP echo answer for its own inner
 * address. Runs until SIGTERM/SIGINT, then deletes its SAs.
 */
import { parseArgs } from "node:util";
import { AddressPool } from "../ike/address-pool.js";
import type { PskLookup, ResponderPolicy } from "../ike/context.js";
import { IdType } from "../ike/registry.js";
import { parseIp, selectorFromCidr } from "../ike/traffic-selector.js";
import { echoReplyFor } from "../inet/icmp.js";
import { toHex } from "../wire/hex.js";
import { cidrOption, DEFAULT_ESP_PROPOSALS, DEFAULT_IKE_PROPOSALS, fragmentSizeOption, hexOption, proposalsOption } from "./ike-options.js";
import { openPeer, parsePort } from "./ike-peer.js";
import { UsageError } from "./usage-error.js";

export const RESPONDER_HELP = `usage: lwip ike responder --listen <addr> --idi <hex> --psk <hex> [--idi <hex> --psk <hex> ...]
       [--pool <cidr>] [--ts <cidr>] [--ike-port 500] [--natt-port 4500]
       [--ike-proposal <p,...>] [--esp-proposal <p,...>] [--fragment-size 1280] [--log-level info]
  --idi '*' accepts any ID_KEY_ID with that --psk (load tests).
  --fragment-size: largest IP packet of an IKE message before RFC 7383 fragmentation; 0: off.
  Defaults: --pool 198.18.64.0/18, --ts 198.18.1.1/32, --ike-proposal ${DEFAULT_IKE_PROPOSALS},
  --esp-proposal ${DEFAULT_ESP_PROPOSALS}. One JSON event per line on stdout, logs on stderr.`;

const ANY_IDENTITY = "*";

function pskTable(idis: readonly string[], psks: readonly string[]): Map<string, Uint8Array> {
  if (idis.length === 0 || idis.length !== psks.length) throw new UsageError("give one --psk after each --idi");
  const table = new Map<string, Uint8Array>();
  idis.forEach((idi, i) => {
    const key = idi === ANY_IDENTITY ? ANY_IDENTITY : toHex(hexOption(idi, "--idi"));
    table.set(key, hexOption(psks[i], "--psk", 16));
  });
  return table;
}

export async function runResponder(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      listen: { type: "string" }, idi: { type: "string", multiple: true }, psk: { type: "string", multiple: true },
      pool: { type: "string" }, ts: { type: "string" }, "ike-port": { type: "string" }, "natt-port": { type: "string" },
      "ike-proposal": { type: "string" }, "esp-proposal": { type: "string" }, "fragment-size": { type: "string" }, "log-level": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(RESPONDER_HELP + "\n");
    return 0;
  }
  const listen = values.listen;
  const listenIp = listen === undefined ? undefined : parseIp(listen);
  if (!listen || !listenIp) throw new UsageError("--listen <address> is required");
  const psks = pskTable(values.idi ?? [], values.psk ?? []);
  const tsCidr = cidrOption(values.ts ?? "198.18.1.1/32", "--ts");
  const policy: ResponderPolicy = {
    ikeProposals: proposalsOption(values["ike-proposal"] ?? DEFAULT_IKE_PROPOSALS, "ike", "--ike-proposal"),
    espProposals: proposalsOption(values["esp-proposal"] ?? DEFAULT_ESP_PROPOSALS, "esp", "--esp-proposal"),
    localId: { idType: listenIp.length === 4 ? IdType.ID_IPV4_ADDR : IdType.ID_IPV6_ADDR, data: listenIp },
    lookupPsk: (id): PskLookup => {
      if (id.idType !== IdType.ID_KEY_ID) return { ok: false, reason: "not-key-id" };
      const psk = psks.get(toHex(id.data)) ?? psks.get(ANY_IDENTITY);
      return psk ? { ok: true, psk: psk.slice() } : { ok: false, reason: "unknown-identity" };
    },
    pools: [new AddressPool(cidrOption(values.pool ?? "198.18.64.0/18", "--pool"))],
    localTs: [selectorFromCidr(tsCidr)],
    remoteTs: [selectorFromCidr({ address: new Uint8Array(tsCidr.address.length), prefixLength: 0 })],
    cookieThreshold: 1024,
  };
  const peer = await openPeer({
    address: listen,
    ikePort: parsePort(values["ike-port"], 500, "--ike-port"),
    nattPort: parsePort(values["natt-port"], 4500, "--natt-port"),
    logLevel: values["log-level"] ?? "info",
    fragmentSize: fragmentSizeOption(values["fragment-size"]),
    policy,
    onInnerPacket: (packet, tunnel) => {
      // The selector check already confined the destination to our --ts side of the tunnel.
      const reply = echoReplyFor(packet);
      if (reply) peer.tunnels.send(tunnel.ikeSa, reply);
    },
  });
  peer.log.info("cli", "responder listening", { address: listen, ikePort: peer.sockets.ports.ikePort, nattPort: peer.sockets.ports.nattPort });
  return new Promise((resolve) => {
    const stop = () => {
      peer.node.shutdown();
      setTimeout(() => {
        peer.close();
        resolve(0);
      }, 100);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
