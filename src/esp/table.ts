/**
 * Inbound SAs by SPI: the demultiplexing step of RFC 4303 §3.4.2 ("Upon receipt of a packet ...
 * the receiver determines the appropriate SA"), counting packets for SPIs we do not have.
 */
import { readU32 } from "./bytes.js";
import { ESP_DROP, ESP_HEADER_BYTES, type EspDrop } from "./constants.js";
import { EspConfigError, type InboundEspSa } from "./sa.js";

export class InboundSaTable {
  private readonly bySpi = new Map<number, InboundEspSa>();
  private unknown = 0;

  /** Packets whose SPI matched no SA, or too short to carry one ("bad-spi" / "truncated"). */
  get unknownSpiDrops(): number {
    return this.unknown;
  }

  get size(): number {
    return this.bySpi.size;
  }

  /** @throws EspConfigError if an SA with this SPI is already installed (SPIs are unique per receiver). */
  add(sa: InboundEspSa): void {
    if (this.bySpi.has(sa.spi)) throw new EspConfigError(`inbound SPI ${sa.spi.toString(16)} already installed`);
    this.bySpi.set(sa.spi, sa);
  }

  get(spi: number): InboundEspSa | undefined {
    return this.bySpi.get(spi);
  }

  /** Removes the SA and wipes its keys; false if there was none. */
  delete(spi: number): boolean {
    const sa = this.bySpi.get(spi);
    if (!sa) return false;
    sa.wipe();
    return this.bySpi.delete(spi);
  }

  /**
   * The SA an ESP packet belongs to, or a counted drop. The caller then calls its decapsulate,
   * so each SA's counters stay its own and a bad packet disturbs no other SA.
   */
  lookup(espPacket: Uint8Array): InboundEspSa | EspDrop {
    if (espPacket.length < ESP_HEADER_BYTES) {
      this.unknown++;
      return ESP_DROP.truncated;
    }
    const sa = this.bySpi.get(readU32(espPacket, 0));
    if (sa) return sa;
    this.unknown++;
    return ESP_DROP["bad-spi"];
  }
}
