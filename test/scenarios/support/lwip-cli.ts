// Runs `lwip enb ...` or `lwip ue ...` (the exported runEnb / runUe) as its own process, so the
// process tests do not depend on how src/cli/main.ts registers the commands.
import { runEnb } from "../../../src/cli/enb-command.js";
import { runUe } from "../../../src/cli/ue-command.js";

const [command, ...args] = process.argv.slice(2);
process.exitCode = await (command === "enb" ? runEnb(args) : runUe(args));
