// `lwip enb` and `lwip ue` refuse bad command lines with one-line usage errors, before they open
// any socket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runEnb } from "../../../src/cli/enb-command.js";
import { runUe } from "../../../src/cli/ue-command.js";
import { UsageError } from "../../../src/cli/usage-error.js";

const KENB = "00".repeat(32);

function refused(run: Promise<number>, message: RegExp) {
  return assert.rejects(run, (e: unknown) => e instanceof UsageError && message.test(e.message));
}

test("lwip enb: required options and their formats", async () => {
  await refused(runEnb([]), /--api/);
  await refused(runEnb(["--api", "https://127.0.0.1:1"]), /--segw .* --gtp-address/);
  const base = ["--api", "https://127.0.0.1:1", "--segw", "127.0.0.1", "--gtp-address", "127.0.0.2"];
  await refused(runEnb(base), /--air/);
  await refused(runEnb([...base, "--air", "tcp:nowhere"]), /--air/);
  const air = [...base, "--air", "tcp:127.0.0.1:0"];
  await refused(runEnb([...air, "--ue", "ue1=abcd"]), /--ue must be <id>=<KeNB/);
  await refused(runEnb([...air, "--ue", `../x=${KENB}`]), /--ue must be/);
  await refused(runEnb([...air, "--cell", "504:1300"]), /--cell/);
  await refused(runEnb([...air, "--window-seconds", "0"]), /--window-seconds/);
  await refused(runEnb([...air, "--cert", "/nonexistent.pem"]), /--cert: cannot read/);
  await refused(runEnb([...air, "--log-level", "loud"]), /--log-level/);
});

test("lwip ue: required options and their formats", async () => {
  await refused(runUe([]), /--id/);
  await refused(runUe(["--id", "ue1"]), /--kenb/);
  await refused(runUe(["--id", "ue1", "--kenb", "00"]), /--kenb must be 64 hex digits/);
  const base = ["--id", "ue1", "--kenb", KENB];
  await refused(runUe(base), /--wlan-address/);
  await refused(runUe([...base, "--wlan-address", "127.0.0.1"]), /--air/);
  const air = [...base, "--wlan-address", "127.0.0.1", "--air", "unix:/nonexistent/air.sock"];
  await refused(runUe([...air, "--dpd-seconds", "x"]), /--dpd-seconds/);
  await refused(runUe([...air, "--retransmit-ms", "100,x"]), /--retransmit-ms/);
});
