import { describe, expect, it } from 'vitest';
import { buildChromeProfile, SCREEN_WEIGHTS } from '../../src/engines/identity/chrome-profile.js';

const key = (s: { width: number; height: number } | undefined) => `${s?.width}x${s?.height}`;

describe('default profile screens', () => {
  it('are drawn in proportion to their weights, the most common screen most often', () => {
    const total = SCREEN_WEIGHTS.reduce((sum, w) => sum + w.weight, 0);
    const counts = new Map<string, number>();
    for (let seed = 0; seed < total * 100; seed++) {
      const k = key(buildChromeProfile('medium', {}, seed).screen);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(new Set(counts.keys())).toEqual(new Set(SCREEN_WEIGHTS.map((w) => key(w.screen))));
    for (const { screen, weight } of SCREEN_WEIGHTS) expect(counts.get(key(screen))).toBe(weight * 100);
    expect(counts.get('1920x1080')).toBeGreaterThan(counts.get('1366x768')!);
    expect(counts.get('2560x1440')).toBeLessThan(counts.get('1536x864')!);
  });

  it('each profile owns its screen: changing one does not change the next', () => {
    const a = buildChromeProfile('low', {}, 0);
    a.screen!.width = 1;
    expect(buildChromeProfile('low', {}, 0).screen!.width).not.toBe(1);
  });

  it('a fingerprint screen wins over the draw and sets the viewport', () => {
    const p = buildChromeProfile('high', { screen: { width: 1280, height: 800 } }, 3);
    expect(p.screen).toEqual({ width: 1280, height: 800 });
    expect(p.viewport!.width).toBe(1272);
  });
});
