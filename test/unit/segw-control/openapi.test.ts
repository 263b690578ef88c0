// docs/openapi.yaml documents every route the control API serves, and the XwAP causes it accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONTROL_API_ROUTES } from "../../../src/segw/control-api/server.js";
import { CAUSE_VALUES } from "../../../src/segw/control-api/xwap.js";
import { repoRoot } from "../../support/vectors.js";

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: { Cause: { oneOf: { properties: { type: { const: string }; value: { enum: string[] } } }[] } } };
}

const doc = parse(readFileSync(join(repoRoot(), "docs", "openapi.yaml"), "utf8")) as OpenApi;

test("OpenAPI 3.1 document lists exactly the routes the server has", () => {
  assert.equal(doc.openapi, "3.1.0");
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  assert.deepEqual(documented, CONTROL_API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
});

test("the documented Cause values are those of XwAP-IEs the API accepts", () => {
  const documented = Object.fromEntries(doc.components.schemas.Cause.oneOf.map((c) => [c.properties.type.const, c.properties.value.enum]));
  assert.deepEqual(documented, Object.fromEntries(Object.entries(CAUSE_VALUES).map(([k, v]) => [k, [...v]])));
});
