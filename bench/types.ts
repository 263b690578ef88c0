/** One measured operation at one packet size; ratios between rows are left to the caller. */
export interface BenchRow {
  /** What was measured, e.g. "esp gcm-128 encapsulate" or "node:crypto gcm-128 bare". */
  name: string;
  /** Payload octets per operation (the inner packet for ESP rows, the plaintext for bare rows). */
  sizeBytes: number;
  packetsPerSecond: number;
  /** packetsPerSecond * sizeBytes * 8 / 1e9. */
  gbitPerSecond: number;
}
