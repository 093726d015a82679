import type { PriceEntry, PriceTable } from '../../config/schema.js';
import type { Mode, Sensibility } from '../../contract/types.js';
import { usdToMicros } from './money.js';

export type PricedOperation = keyof PriceTable;

/** Contract §7.1: an entry is a number (all modes), or per mode a number or a per-sensibility map. */
function lookup(entry: PriceEntry, mode: Mode, sensibility: Sensibility): number {
  if (typeof entry === 'number') return entry;
  const perMode = entry[mode];
  if (perMode === undefined) return 0;
  if (typeof perMode === 'number') return perMode;
  return perMode[sensibility] ?? 0;
}

/** Price lookups in micro-dollars, resolved once from the configured table. */
export class PriceList {
  private readonly cache = new Map<string, number>();

  constructor(private readonly table: PriceTable) {}

  priceMicros(op: PricedOperation, mode: Mode, sensibility: Sensibility): number {
    const key = `${op}:${mode}:${sensibility}`;
    let price = this.cache.get(key);
    if (price === undefined) {
      price = usdToMicros(lookup(this.table[op], mode, sensibility));
      this.cache.set(key, price);
    }
    return price;
  }
}
