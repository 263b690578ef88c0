/**
 * Heap in use after a full garbage collection, for "memory stays flat" checks. The test runner
 * starts each file without --expose-gc, so gc() is enabled here through V8's flags.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** heapUsed in bytes after two full collections (the second frees what finalizers released). */
export async function heapAfterGc(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
