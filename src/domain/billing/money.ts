/** Contract §1.1: amounts are kept as integer micro-dollars and rendered with at most 6 decimals. */
export const MICROS_PER_USD = 1_000_000;

export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/**
 * For a whole number of micro-dollars the division is already the double closest to the 6-decimal amount (the
 * value that formatting to 6 decimals and parsing back gives), so only a fractional input needs rounding.
 */
export function microsToUsd(micros: number): number {
  return Number.isInteger(micros) ? micros / MICROS_PER_USD : Number((micros / MICROS_PER_USD).toFixed(6));
}
