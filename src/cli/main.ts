#!/usr/bin/env node
/**
 * The `lwip` command: one entry point, one module per subcommand. Each module parses its own
 * arguments (node:util parseArgs) and returns an exit code.
 */
import { UsageError, EXIT_USAGE } from "./usage-error.js";

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  demo: { summary: "the main job: SeGW, eNB and UEs on loopback through every procedure of clause 16 (--ues N --out DIR --json)", load: async () => (await import("./demo-command.js")).runDemoCommand },
  kdf: { summary: "3GPP key derivations: lwip kdf lwip-psk --kenb <hex> --counter <n>", load: async () => (await import("./kdf-command.js")).runKdf },
  ike: { summary: "IKEv2 peers: lwip ike responder|initiator ...", load: async () => (await import("./ike-command.js")).runIke },
  segw: { summary: "the LWIP-SeGW daemon (--config file.yaml) and its control client (ctl)", load: async () => (await import("./segw-command.js")).runSegw },
  pki: { summary: "development PKI: lwip pki init <dir> [--enb name ...]", load: async () => (await import("./pki-command.js")).runPki },
  enb: { summary: "the eNB LWIP function: lwip enb --api <url> --segw <addr> --gtp-address <addr> --air <addr> --ue <id>=<KeNB> ...", load: async () => (await import("./enb-command.js")).runEnb },
  ue: { summary: "the UE LWIP function: lwip ue --id <ue> --kenb <hex> --wlan-address <addr> --air <addr> ...", load: async () => (await import("./ue-command.js")).runUe },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return ["usage: lwip <command> [options]", "", "commands:", ...lines, "", "Run `lwip <command> --help` for a command's options."].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}" (try lwip --help)`);
  return (await command.load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || (e instanceof Error && "code" in e && (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || String(e.code).startsWith("ERR_PARSE_ARGS")))) {
      // One line, whatever the parser wrote (node's parseArgs messages span several).
      process.stderr.write(`lwip: ${e.message.replace(/\s*\n\s*/g, " ")}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`lwip: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
