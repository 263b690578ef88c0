import { codecError, type CodecError } from "./codec-error.js";
import { err, ok, type Result } from "./result.js";

/**
 * A bounded big-endian reader over a byte slice. Every read checks the remaining length and
 * reports a `truncated` CodecError instead of throwing, so decoders built on it never crash.
 */
export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array, private readonly base = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): CodecError | undefined {
    if (n < 0 || this.remaining < n) {
      return codecError("truncated", `${what}: need ${n} bytes, have ${this.remaining}`, this.offset);
    }
    return undefined;
  }

  u8(what: string): Result<number, CodecError> {
    const e = this.need(1, what);
    if (e) return err(e);
    return ok(this.view.getUint8(this.pos++));
  }

  u16(what: string): Result<number, CodecError> {
    const e = this.need(2, what);
    if (e) return err(e);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return ok(v);
  }

  u32(what: string): Result<number, CodecError> {
    const e = this.need(4, what);
    if (e) return err(e);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return ok(v);
  }

  /** A view (not a copy) of the next n bytes. */
  bytesView(n: number, what: string): Result<Uint8Array, CodecError> {
    const e = this.need(n, what);
    if (e) return err(e);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return ok(v);
  }

  /** A copy of the next n bytes, for values that outlive the packet buffer. */
  bytesCopy(n: number, what: string): Result<Uint8Array, CodecError> {
    const r = this.bytesView(n, what);
    return r.ok ? ok(r.value.slice()) : r;
  }

  /** A reader over the next n bytes, advancing this one past them. */
  sub(n: number, what: string): Result<ByteReader, CodecError> {
    const start = this.offset;
    const r = this.bytesView(n, what);
    return r.ok ? ok(new ByteReader(r.value, start)) : r;
  }

  rest(): Uint8Array {
    const v = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return v;
  }
}
