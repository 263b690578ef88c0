/**
 * Wireshark's own decryption tables, written from exported keys (the format of strongSwan's
 * save-keys plugin, as the lab's ws-keys.mjs writes it): `ikev2_decryption_table` for IKE SAs and
 * `esp_sa` for ESP SAs. For the demo's --out only: these files hold key material.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyExport } from "../ike/context.js";
import { EncrId, IntegId } from "../ike/registry.js";
import { toHex } from "../wire/hex.js";

const IKE_INTEG: Readonly<Record<number, string>> = {
  [IntegId.NONE]: "NONE [RFC4306]",
  [IntegId.AUTH_HMAC_SHA1_96]: "HMAC_SHA1_96 [RFC2404]",
  [IntegId.AUTH_HMAC_SHA2_256_128]: "HMAC_SHA2_256_128 [RFC4868]",
  [IntegId.AUTH_HMAC_SHA2_384_192]: "HMAC_SHA2_384_192 [RFC4868]",
  [IntegId.AUTH_HMAC_SHA2_512_256]: "HMAC_SHA2_512_256 [RFC4868]",
};

const ESP_INTEG: Readonly<Record<number, string>> = {
  [IntegId.NONE]: "NULL",
  [IntegId.AUTH_HMAC_SHA1_96]: "HMAC-SHA-1-96 [RFC2404]",
  [IntegId.AUTH_HMAC_SHA2_256_128]: "HMAC-SHA-256-128 [RFC4868]",
  [IntegId.AUTH_HMAC_SHA2_384_192]: "HMAC-SHA-384-192 [RFC4868]",
  [IntegId.AUTH_HMAC_SHA2_512_256]: "HMAC-SHA-512-256 [RFC4868]",
};

function ikeEncrName(id: number, bits: number): string {
  return id === EncrId.ENCR_AES_GCM_16 ? `AES-GCM-${bits} with 16 octet ICV [RFC5282]` : `AES-CBC-${bits} [RFC3602]`;
}

function espEncrName(id: number): string {
  // Wireshark 4.0 spells GCM this way ("AES-GCM [RFC4106]" needs a newer Wireshark; lab pitfall 13).
  return id === EncrId.ENCR_AES_GCM_16 ? "AES-GCM with 16 octet ICV [RFC4106]" : "AES-CBC [RFC3602]";
}

export function ikeDecryptionRow(k: Extract<KeyExport, { kind: "ike" }>): string {
  return [
    toHex(k.spiI), toHex(k.spiR), toHex(k.SK_ei), toHex(k.SK_er), `"${ikeEncrName(k.encrId, k.encrKeyBits)}"`,
    toHex(k.SK_ai), toHex(k.SK_ar), `"${IKE_INTEG[k.integId] ?? "NONE [RFC4306]"}"`,
  ].join(",");
}

export function espSaRow(k: Extract<KeyExport, { kind: "esp" }>): string {
  const family = k.src.includes(":") ? "IPv6" : "IPv4";
  const integKey = k.integKey.length > 0 ? `0x${toHex(k.integKey)}` : "";
  return [
    `"${family}"`, `"${k.src}"`, `"${k.dst}"`, `"0x${k.spi.toString(16).padStart(8, "0")}"`, `"${espEncrName(k.encrId)}"`,
    `"0x${toHex(k.encrKey)}"`, `"${ESP_INTEG[k.integId] ?? "NULL"}"`, `"${integKey}"`,
  ].join(",");
}

/** Collects exported keys and writes both tables into `dir` (Wireshark reads them from WIRESHARK_CONFIG_DIR). */
export class WiresharkKeyLog {
  private readonly ike: string[] = [];
  private readonly esp: string[] = [];

  add(k: KeyExport): void {
    if (k.kind === "ike") this.ike.push(ikeDecryptionRow(k));
    else this.esp.push(espSaRow(k));
  }

  write(dir: string): void {
    const header = "# written by lwip demo --out: key material of a demonstration run\n";
    writeFileSync(join(dir, "ikev2_decryption_table"), header + this.ike.map((r) => r + "\n").join(""), { mode: 0o600 });
    writeFileSync(join(dir, "esp_sa"), header + this.esp.map((r) => r + "\n").join(""), { mode: 0o600 });
  }
}
