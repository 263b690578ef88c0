/**
 * The bare node:crypto work one responder set-up cannot avoid (issue 8's floor), timed by CPU in
 * the calling process: the DH key pair and g^ir, 13 HMAC-SHA256 (SKEYSEED, prf+ for the 136 octets
 * of SK_* with AES-GCM-128, two AUTH values of three HMACs each less the shared pad key, prf+ for
 * the 40 octets of CHILD SA KEYMAT), two AES-128-GCM messages of about 200 octets and three SHA-1
 * NAT detection hashes (RFC 7296 §2.14, §2.15, §2.17, §2.23).
 */
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, getDiffieHellman, randomBytes } from "node:crypto";

const HMACS_PER_SETUP = 13;
const SHA1_PER_SETUP = 3;

function dhWork(proposal: string): () => void {
  if (proposal.includes("modp2048")) {
    const peer = getDiffieHellman("modp14");
    const peerPublic = peer.generateKeys();
    return () => {
      const ours = getDiffieHellman("modp14");
      ours.generateKeys();
      ours.computeSecret(peerPublic);
    };
  }
  const peerPublic = createECDH("prime256v1").generateKeys();
  const ours = createECDH("prime256v1");
  return () => {
    ours.generateKeys();
    ours.computeSecret(peerPublic);
  };
}

/** CPU milliseconds per set-up of the bare crypto calls, median of 5 slices of `n` set-ups each. */
export function setupFloorMs(proposal: string, n = 200): { dhMs: number; otherMs: number } {
  const dh = dhWork(proposal);
  const [key, data, message, aesKey, iv] = [randomBytes(32), randomBytes(100), randomBytes(200), randomBytes(16), randomBytes(12)];
  const rest = () => {
    for (let i = 0; i < HMACS_PER_SETUP; i++) createHmac("sha256", key).update(data).digest();
    for (let i = 0; i < SHA1_PER_SETUP; i++) createHash("sha1").update(data).digest();
    const c = createCipheriv("aes-128-gcm", aesKey, iv);
    const sealed = c.update(message);
    c.final();
    const d = createDecipheriv("aes-128-gcm", aesKey, iv);
    d.setAuthTag(c.getAuthTag());
    d.update(sealed);
    d.final();
  };
  const time = (f: () => void) => {
    const slices: number[] = [];
    for (let s = 0; s < 6; s++) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) f();
      const t = process.cpuUsage(t0);
      if (s > 0) slices.push((t.user + t.system) / 1000 / n);
    }
    return slices.sort((a, b) => a - b)[2] ?? NaN;
  };
  return { dhMs: time(dh), otherMs: time(rest) };
}
