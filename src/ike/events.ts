/**
 * What the IKE engine reports to its application: one event per SA state change, in the JSON
 * shape the CLI prints one per line. Identifiers only, never key material.
 */
export interface IkeSaUpEvent {
  readonly event: "ike-sa-up";
  readonly role: "initiator" | "responder";
  readonly spiI: string;
  readonly spiR: string;
  readonly local: string;
  readonly remote: string;
  readonly idi: string;
  readonly encr: string;
  readonly integ: string | null;
  readonly prf: string;
  readonly dh: string;
  readonly natDetected: boolean;
  /** Both peers announced IKEv2 fragmentation (RFC 7383 §2.3). */
  readonly fragmentation: boolean;
}

export interface ChildSaUpEvent {
  readonly event: "child-sa-up";
  readonly spiI: string;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly encr: string;
  readonly integ: string | null;
  readonly dh: string | null;
  readonly esn: boolean;
  readonly tsLocal: readonly string[];
  readonly tsRemote: readonly string[];
  readonly virtualIp: string | null;
}

export interface ChildSaRekeyedEvent {
  readonly event: "child-sa-rekeyed";
  readonly spiI: string;
  readonly oldSpiIn: string;
  readonly spiIn: string;
  readonly spiOut: string;
}

export interface IkeSaRekeyedEvent {
  readonly event: "ike-sa-rekeyed";
  readonly oldSpiI: string;
  readonly oldSpiR: string;
  readonly spiI: string;
  readonly spiR: string;
}

export interface ChildSaDownEvent {
  readonly event: "child-sa-down";
  readonly spiI: string;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly reason: string;
}

export type IkeSaDownReason = "deleted" | "deleted-by-peer" | "dpd-timeout" | "retransmit-timeout" | "rekeyed" | "half-open-timeout" | "shutdown";

export interface IkeSaDownEvent {
  readonly event: "ike-sa-down";
  readonly spiI: string;
  readonly spiR: string;
  readonly idi: string | null;
  readonly reason: IkeSaDownReason;
}

export interface IkeSaFailedEvent {
  readonly event: "ike-sa-failed";
  readonly role: "initiator" | "responder";
  readonly reason: string;
  /** Why, for operators: e.g. unknown-identity, wrong-psk, expired-window (never sent to the peer). */
  readonly detail: string;
  readonly remote: string;
  readonly idi: string | null;
}

export type IkeEvent = IkeSaUpEvent | ChildSaUpEvent | ChildSaRekeyedEvent | IkeSaRekeyedEvent | ChildSaDownEvent | IkeSaDownEvent | IkeSaFailedEvent;
