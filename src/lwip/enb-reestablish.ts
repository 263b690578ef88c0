/**
 * The eNB sets up again a UE's tunnel that the SeGW lost without being asked (a SeGW restart: its
 * tunnel-down, or the UE's entry missing once its event stream is back). TS 33.401 clause 16 has no
 * procedure of its own for this; it is a new LWIP set-up like that of 16.6 after a WLAN loss: a
 * fresh IDi and a fresh LWIP-PSK from the next LWIP counter (16.4.1, Annex A.16), the SeGW
 * provisioned first (16.2.3), then the UE told over RRC (16.2.1). While the SeGW cannot be reached
 * the eNB tries again after a bounded exponential back-off on the injected clock, and at once when
 * the SeGW's event stream comes back. Every release of the UE (16.3-16.6, detach) stops it
 * (EnbUe.stopReestablishment via releaseAtSegw), so no timer outlives the UE's LWIP.
 */
import type { Clock } from "../io/clock.js";
import type { EnbUe, LwipSession } from "./enb-ue.js";
import { forgetLostTunnel, setUpAgain, type EnbServices } from "./enb-procedures.js";

/** The back-off between attempts: initialMs, doubled each time up to maxMs; at most maxAttempts attempts in all. */
export interface ReestablishBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
}

/** Waits of 1, 2, 4, 8, 16 s, then 32 s: 16 attempts take about 6 minutes before the UE's LWIP is released. */
export const DEFAULT_REESTABLISH_BACKOFF: ReestablishBackoff = { initialMs: 1000, maxMs: 32_000, maxAttempts: 16 };

export class Reestablisher {
  /** @throws RangeError for a back-off that is not 1 <= initialMs <= maxMs with maxAttempts >= 1 (a programmer error). */
  constructor(
    private readonly svc: EnbServices,
    private readonly clock: Clock,
    private readonly backoff: ReestablishBackoff = DEFAULT_REESTABLISH_BACKOFF,
  ) {
    const { initialMs, maxMs, maxAttempts } = backoff;
    if (!(initialMs >= 1 && maxMs >= initialMs && Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new RangeError("re-establishment back-off needs 1 <= initialMs <= maxMs and maxAttempts >= 1");
  }

  /**
   * The SeGW no longer holds the tunnel of `s`. The lost session is forgotten and a new set-up
   * starts: at once, or (`waitFirst`: the SeGW said it is shutting down) after the first back-off.
   * Runs inside ue.run().
   */
  async lost(ue: EnbUe, s: LwipSession, reason: string, waitFirst: boolean): Promise<void> {
    if (ue.detached || !forgetLostTunnel(this.svc, ue, s)) return;
    ue.stopReestablishment();
    ue.reestablishment = { attempts: 0, nextDelayMs: this.backoff.initialMs, timer: undefined };
    if (waitFirst) return this.schedule(ue, reason);
    this.announce(ue, reason, 0);
    await this.attempt(ue, reason);
  }

  /** The SeGW is reachable again (its event stream reopened): a set-up waiting for its back-off tries now. */
  retryNow(ue: EnbUe): void {
    const r = ue.reestablishment;
    if (!r?.timer) return;
    r.timer.cancel();
    r.timer = undefined;
    this.announce(ue, "segw-reachable", 0);
    void ue.run(() => this.attempt(ue, "segw-reachable"));
  }

  private announce(ue: EnbUe, reason: string, delayMs: number): void {
    const attempt = (ue.reestablishment?.attempts ?? 0) + 1;
    this.svc.emit({ event: "lwip-reestablishment", ...ue.base("16.2.3"), reason, attempt, delayMs });
  }

  private schedule(ue: EnbUe, reason: string): void {
    const r = ue.reestablishment;
    if (!r) return;
    const delayMs = r.nextDelayMs;
    r.nextDelayMs = Math.min(this.backoff.maxMs, delayMs * 2);
    this.announce(ue, reason, delayMs);
    r.timer = this.clock.schedule(delayMs, () => {
      r.timer = undefined;
      void ue.run(() => this.attempt(ue, reason));
    });
  }

  private async attempt(ue: EnbUe, reason: string): Promise<void> {
    const r = ue.reestablishment;
    // Released, handed over or detached meanwhile (the release stopped it), or its timer still waits.
    if (!r || r.timer || ue.detached) return;
    r.attempts++;
    const outcome = await setUpAgain(this.svc, ue, r.attempts >= this.backoff.maxAttempts);
    if (ue.reestablishment !== r) return;
    if (outcome === "retry") return this.schedule(ue, reason);
    ue.reestablishment = undefined;
  }
}
