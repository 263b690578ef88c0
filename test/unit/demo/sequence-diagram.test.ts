import { test } from "node:test";
import assert from "node:assert/strict";
import { renderSequenceHtml } from "../../../src/demo/sequence-diagram.js";

const trace = {
  title: "LWIP <demo>",
  actors: ["UE1", "eNB", "SeGW"],
  steps: [
    { t: 0, from: "eNB", to: "SeGW", label: "LWIP ADDITION REQUEST", clause: "16.2.3" },
    { t: 12, from: "eNB", to: "UE1", label: "RRCConnectionReconfiguration (lwip-Configuration)", clause: "16.2.1" },
    { t: 40, from: "UE1", to: "SeGW", label: "IKE_AUTH with <wrong> PSK", clause: "16.2.2", tone: "attack" as const },
    { t: 41, from: "SeGW", to: "SeGW", label: "PSK deleted", clause: "16.2.2" },
  ],
};

test("the trace is one self-contained page with every step, its clause and escaped text", () => {
  const html = renderSequenceHtml(trace);
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "no scripts and no external resources");
  for (const s of trace.steps) assert.ok(html.includes(s.label.replace(/</g, "&#60;").replace(/>/g, "&#62;")), s.label);
  assert.ok(html.includes("§16.2.3") && html.includes("§16.2.1"));
  assert.ok(html.includes("LWIP &#60;demo&#62;"), "the title is escaped");
  assert.equal((html.match(/stroke-width="1.4"/g) ?? []).length, 3, "three arrows (the note has none)");
  assert.ok(html.includes("#b03a2e"), "the attack is drawn in red");
});
