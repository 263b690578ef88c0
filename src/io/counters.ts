/**
 * Named event counters (handshakes by outcome, drops by reason...). Kept as plain numbers so the
 * hot path pays one Map update; exporters (Prometheus, CLI) read snapshot().
 */
export class Counters {
  private readonly values = new Map<string, number>();

  add(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
