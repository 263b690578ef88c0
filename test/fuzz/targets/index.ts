/** Every fuzz target, by name (the campaign's --targets and the regression tests use these names). */
import type { FuzzTarget } from "../campaign/target.js";
import { controlApiTarget } from "./control-api.js";
import { espDecapTarget } from "./esp-decap.js";
import { ikeCertTarget, ikeMessageTarget } from "./ike-codec.js";
import { ikeEngineTarget } from "./ike-engine.js";
import { skOpenTarget } from "./sk-open.js";
import { gtpuTarget, innerIpTarget, lwipepTarget } from "./user-plane.js";

export const TARGETS: readonly FuzzTarget[] = [
  ikeMessageTarget,
  skOpenTarget,
  ikeEngineTarget,
  ikeCertTarget,
  espDecapTarget,
  innerIpTarget,
  lwipepTarget,
  gtpuTarget,
  controlApiTarget,
];

export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
