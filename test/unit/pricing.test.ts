import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, type PriceTable } from '../../src/config/schema.js';
import { MODES, SENSIBILITIES } from '../../src/contract/types.js';
import { MICROS_PER_USD, microsToUsd, usdToMicros } from '../../src/domain/billing/money.js';
import { PriceList } from '../../src/domain/billing/pricing.js';

const combos = MODES.flatMap((mode) => SENSIBILITIES.map((sensibility) => [mode, sensibility] as const));

describe('PriceList with the default table (contract §7.1)', () => {
  const prices = new PriceList(DEFAULT_PRICES);

  it.each(combos)('sessionCreate %s/%s costs 2000 micros', (mode, sensibility) => {
    expect(prices.priceMicros('sessionCreate', mode, sensibility)).toBe(2000);
  });

  it.each([
    ['passive', 'low', 1000],
    ['passive', 'medium', 2000],
    ['passive', 'high', 3000],
    ['adaptive', 'low', 3000],
    ['adaptive', 'medium', 4000],
    ['adaptive', 'high', 5000],
  ] as const)('request %s/%s costs %d micros', (mode, sensibility, micros) => {
    expect(prices.priceMicros('request', mode, sensibility)).toBe(micros);
  });

  it.each(combos)('browserAction %s/%s is free', (mode, sensibility) => {
    expect(prices.priceMicros('browserAction', mode, sensibility)).toBe(0);
  });

  it('answers the same after caching, for every combination', () => {
    const first = combos.map(([m, s]) => prices.priceMicros('request', m, s));
    const second = combos.map(([m, s]) => prices.priceMicros('request', m, s));
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });
});

describe('PriceList entry shapes', () => {
  it('applies a number entry to every mode and sensibility', () => {
    const prices = new PriceList({ sessionCreate: 0.01, request: 0.0025, browserAction: 0.0001 });
    for (const [mode, sensibility] of combos) {
      expect(prices.priceMicros('sessionCreate', mode, sensibility)).toBe(10_000);
      expect(prices.priceMicros('request', mode, sensibility)).toBe(2500);
      expect(prices.priceMicros('browserAction', mode, sensibility)).toBe(100);
    }
  });

  it('applies a per-mode number to every sensibility of that mode', () => {
    const prices = new PriceList({ ...DEFAULT_PRICES, request: { passive: 0.001, adaptive: 0.007 } });
    for (const sensibility of SENSIBILITIES) {
      expect(prices.priceMicros('request', 'passive', sensibility)).toBe(1000);
      expect(prices.priceMicros('request', 'adaptive', sensibility)).toBe(7000);
    }
  });

  it('mixes a per-mode number and a per-sensibility map', () => {
    const prices = new PriceList({ ...DEFAULT_PRICES, browserAction: { passive: 0.001, adaptive: { low: 0.002, high: 0.009 } } });
    expect(prices.priceMicros('browserAction', 'passive', 'high')).toBe(1000);
    expect(prices.priceMicros('browserAction', 'adaptive', 'low')).toBe(2000);
    expect(prices.priceMicros('browserAction', 'adaptive', 'high')).toBe(9000);
  });

  it('prices a missing mode at 0', () => {
    const prices = new PriceList({ ...DEFAULT_PRICES, request: { passive: 0.001 } });
    for (const sensibility of SENSIBILITIES) expect(prices.priceMicros('request', 'adaptive', sensibility)).toBe(0);
  });

  it('prices a missing sensibility at 0', () => {
    const prices = new PriceList({ ...DEFAULT_PRICES, request: { adaptive: { high: 0.005 } } });
    expect(prices.priceMicros('request', 'adaptive', 'high')).toBe(5000);
    expect(prices.priceMicros('request', 'adaptive', 'low')).toBe(0);
    expect(prices.priceMicros('request', 'adaptive', 'medium')).toBe(0);
  });

  it('keeps separate tables apart', () => {
    const cheap: PriceTable = { sessionCreate: 0.001, request: 0.001, browserAction: 0 };
    const dear: PriceTable = { sessionCreate: 1, request: 1, browserAction: 1 };
    const a = new PriceList(cheap);
    const b = new PriceList(dear);
    expect(a.priceMicros('request', 'passive', 'low')).toBe(1000);
    expect(b.priceMicros('request', 'passive', 'low')).toBe(1_000_000);
  });

  it('rounds a price to whole micros', () => {
    expect(new PriceList({ sessionCreate: 0.1 + 0.2, request: 0.0000004, browserAction: 0.0000006 }).priceMicros('sessionCreate', 'passive', 'low')).toBe(300_000);
    const prices = new PriceList({ sessionCreate: 0, request: 0.0000004, browserAction: 0.0000006 });
    expect(prices.priceMicros('request', 'passive', 'low')).toBe(0);
    expect(prices.priceMicros('browserAction', 'passive', 'low')).toBe(1);
  });
});

describe('money', () => {
  it('has a million micros per dollar', () => {
    expect(MICROS_PER_USD).toBe(1_000_000);
  });

  it.each([
    [0, 0],
    [1, 1_000_000],
    [0.002, 2000],
    [0.005, 5000],
    [0.1 + 0.2, 300_000],
    [0.000001, 1],
    [1.005, 1_005_000],
    [123.456789, 123_456_789],
    [-0.002, -2000],
    [0.0000004, 0],
    [0.0000006, 1],
  ])('usdToMicros(%d) = %d', (usd, micros) => {
    expect(usdToMicros(usd)).toBe(micros);
  });

  it('always returns an integer', () => {
    for (const usd of [0.1, 0.2, 0.3, 0.7, 1.1, 2.675, 19.99, 0.0000015, 1 / 3]) expect(Number.isInteger(usdToMicros(usd)), String(usd)).toBe(true);
  });

  it.each([
    [0, 0],
    [1, 0.000001],
    [5000, 0.005],
    [300_000, 0.3],
    [1_000_000, 1],
    [123_456_789, 123.456789],
    [-2000, -0.002],
  ])('microsToUsd(%d) = %d', (micros, usd) => {
    expect(microsToUsd(micros)).toBe(usd);
  });

  it('gives exactly the 6-decimal amount for every whole number of micros (all below 2 million, a spread above)', () => {
    const sixDecimals = (m: number) => Number((m / MICROS_PER_USD).toFixed(6));
    for (let m = -2_000_000; m <= 2_000_000; m++) if (microsToUsd(m) !== sixDecimals(m)) expect(microsToUsd(m)).toBe(sixDecimals(m));
    for (let m = 2_000_000, step = 7919; m < 1e15; m += step, step = Math.ceil(step * 1.37)) expect(microsToUsd(m)).toBe(sixDecimals(m));
    expect(microsToUsd(1.5)).toBe(0.000002);
  });

  it('sums in micros without float drift', () => {
    expect(microsToUsd(usdToMicros(0.1) + usdToMicros(0.2))).toBe(0.3);
    expect(microsToUsd(usdToMicros(0.001) * 3)).toBe(0.003);
  });

  it('renders at most 6 decimals and round-trips integer micros', () => {
    const samples = [0, 1, 7, 10, 99, 999, 1001, 2000, 12_345, 333_333, 999_999, 1_000_001, 10_000_007, 987_654_321];
    for (const micros of samples) {
      const usd = microsToUsd(micros);
      const decimals = String(usd).split('.')[1] ?? '';
      expect(String(usd), String(micros)).not.toMatch(/e/i);
      expect(decimals.length, String(micros)).toBeLessThanOrEqual(6);
      expect(usdToMicros(usd), String(micros)).toBe(micros);
    }
  });

  it('rounds a fractional micro amount to 6 decimals', () => {
    expect(microsToUsd(0.4)).toBe(0);
    expect(microsToUsd(2.6)).toBe(0.000003);
  });
});
