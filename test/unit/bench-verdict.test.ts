import { describe, expect, it } from 'vitest';
import { medianVerdict } from '../../bench/lib/adaptive-report.js';

const settled = (value: number) => ({ value, disturbed: false });
const unsettled = (value: number) => ({ value, disturbed: true });

describe('medianVerdict (bench:adaptive, one idle session over several rounds)', () => {
  it('judges the median of settled rounds', () => {
    expect(medianVerdict([20, 30, 21, 22, 40].map(settled), 25)).toBe('pass');
    expect(medianVerdict([20, 30, 26, 27, 10].map(settled), 25)).toBe('fail');
    expect(medianVerdict([25, 25, 25].map(settled), 25)).toBe('pass');
  });

  it('passes or fails only when the disturbed rounds could not change the verdict', () => {
    // Median 18.1 of the settled six; one disturbed round at any value leaves it between 18.1 and 19.7.
    expect(medianVerdict([unsettled(11), settled(18.1), settled(19.8), settled(16.3), settled(19.7), settled(23.7), settled(16)], 25)).toBe('pass');
    expect(medianVerdict([unsettled(10), settled(30), settled(31), settled(32)], 25)).toBe('fail');
  });

  it('is inconclusive when disturbed rounds decide it, whatever they read', () => {
    expect(medianVerdict([unsettled(20), unsettled(20), settled(24), settled(26), settled(27)], 25)).toBe('inconclusive');
    expect(medianVerdict([unsettled(30), settled(20), settled(26)], 25)).toBe('inconclusive');
  });
});
