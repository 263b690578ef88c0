/**
 * SIGNATURE_HASH_ALGORITHMS notify data (RFC 7427 §4, Notify Message Type 16431): the list of hash
 * algorithms the sender accepts in DIGITAL_SIGNATURE (14) AUTH payloads, each a 2-octet IANA
 * "IKEv2 Hash Algorithms" value, in preference order. Both peers send it in IKE_SA_INIT; a
 * DIGITAL_SIGNATURE AUTH must use a hash the receiver announced.
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Hash Algorithm 1       |        Hash Algorithm 2       |  ...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { codecError, type CodecError } from "../../wire/codec-error.js";
import { ByteReader } from "../../wire/reader.js";
import { err, ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";

/** IANA "IKEv2 Hash Algorithms" (RFC 7427 §7). SHA1 is listed so that it can be recognised and refused. */
export const HashAlgorithm = {
  SHA1: 1,
  SHA2_256: 2,
  SHA2_384: 3,
  SHA2_512: 4,
} as const;

/** What we announce: the hashes of the DIGITAL_SIGNATURE algorithms signature-auth.ts verifies. */
export const OUR_SIGNATURE_HASHES: readonly number[] = [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_384];

/** Notify data for SIGNATURE_HASH_ALGORITHMS. @throws RangeError if an id does not fit 16 bits (programmer error). */
export function encodeSignatureHashAlgorithms(hashIds: readonly number[]): Uint8Array {
  const w = new ByteWriter();
  for (const id of hashIds) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`hash algorithm id ${id}`);
    w.u16(id);
  }
  return w.finish();
}

/**
 * Decodes SIGNATURE_HASH_ALGORITHMS notify data. Unknown ids are kept (the caller intersects
 * with what it supports); an odd length is malformed. Empty data decodes to an empty list.
 */
export function decodeSignatureHashAlgorithms(data: Uint8Array): Result<number[], CodecError> {
  if (data.length % 2 !== 0) {
    return err(codecError("length-mismatch", `SIGNATURE_HASH_ALGORITHMS data of ${data.length} octets is not a list of 2-octet ids`, data.length));
  }
  const r = new ByteReader(data);
  const ids: number[] = [];
  while (r.remaining > 0) {
    const id = r.u16("Hash Algorithm");
    if (!id.ok) return id;
    ids.push(id.value);
  }
  return ok(ids);
}
