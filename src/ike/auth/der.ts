/**
 * A minimal, bounds-checked DER element reader (X.690 §8.1: identifier, length, contents), just
 * enough to reach the X.509 fields node's X509Certificate does not expose as bytes: the subject
 * Name, the SubjectPublicKeyInfo and the keyUsage extension (cert-fields.ts). Only low tag numbers
 * and definite lengths up to 3 octets occur there; anything else is refused, never thrown on.
 */

/** One element: its tag octet and where its contents start and end in the enclosing buffer. */
export interface DerElement {
  readonly tag: number;
  /** Offset of the tag octet, so that `bytes.subarray(headerStart, end)` is the whole element. */
  readonly headerStart: number;
  readonly start: number;
  readonly end: number;
}

/** DER tags used by the certificate walk. */
export const DerTag = {
  BOOLEAN: 0x01,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
  /** [0] EXPLICIT, constructed: the TBSCertificate version. */
  CONTEXT_0: 0xa0,
  /** [3] EXPLICIT, constructed: the TBSCertificate extensions. */
  CONTEXT_3: 0xa3,
} as const;

/** Longest length-of-length accepted: 3 octets (16 MiB) is far above any IKE payload. */
const MAX_LENGTH_OCTETS = 3;

/** The element at `offset`, which must end by `limit`; undefined if it is not well formed. */
export function readElement(bytes: Uint8Array, offset: number, limit: number): DerElement | undefined {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined || offset + 2 > limit || (tag & 0x1f) === 0x1f) return undefined;
  let length = first;
  let start = offset + 2;
  if (first >= 0x80) {
    // X.690 §8.1.3.5: long form; 0x80 alone is the indefinite form, which DER forbids (§10.1).
    const count = first & 0x7f;
    if (count === 0 || count > MAX_LENGTH_OCTETS || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  return end <= limit ? { tag, headerStart: offset, start, end } : undefined;
}

/** The element at `offset` if it has the expected tag. */
export function expectElement(bytes: Uint8Array, offset: number, limit: number, tag: number): DerElement | undefined {
  const e = readElement(bytes, offset, limit);
  return e?.tag === tag ? e : undefined;
}

/** The elements inside a constructed element, which must fill it exactly. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] | undefined {
  const out: DerElement[] = [];
  for (let at = parent.start; at < parent.end;) {
    const e = readElement(bytes, at, parent.end);
    if (!e) return undefined;
    out.push(e);
    at = e.end;
  }
  return out;
}
