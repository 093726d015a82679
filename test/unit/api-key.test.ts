import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX_LENGTH, generateApiKey, hashApiKey, hashesEqual, secretsEqual } from '../../src/security/api-key.js';
import { newAccountId, newSessionId, newTaskId, randomAlnum, sortableTime } from '../../src/security/ids.js';

const KEY = /^bbre_[A-Za-z0-9]{36}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

describe('generateApiKey (contract §9.1)', () => {
  it('makes keys of bbre_ + 36 alphanumerics', () => {
    for (let i = 0; i < 50; i++) expect(generateApiKey().key).toMatch(KEY);
  });

  it('identifies a key by its first 12 characters', () => {
    expect(API_KEY_PREFIX_LENGTH).toBe(12);
    const { key, prefix } = generateApiKey();
    expect(prefix).toHaveLength(12);
    expect(prefix).toBe(key.slice(0, 12));
    expect(prefix.startsWith('bbre_')).toBe(true);
  });

  it('keeps a SHA-256 hex digest of the key, not the key', () => {
    const { key, hash } = generateApiKey();
    expect(hash).toMatch(SHA256_HEX);
    expect(hash).not.toBe(key);
    expect(hash).not.toContain(key.slice(5));
    expect(hash).toBe(hashApiKey(key));
  });

  it('makes a different key each time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });
});

describe('hashApiKey', () => {
  it('is SHA-256 of the UTF-8 key', () => {
    // FIPS 180-2 test vector.
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is deterministic and distinguishes keys differing in one character', () => {
    const key = 'bbre_' + 'a'.repeat(36);
    const other = 'bbre_' + 'a'.repeat(35) + 'b';
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toBe(hashApiKey(other));
  });
});

describe('secretsEqual', () => {
  it.each([
    ['token', 'token', true],
    ['', '', true],
    ['token', 'Token', false],
    ['token', 'token ', false],
    ['short', 'a much longer secret value', false],
    ['', 'x', false],
  ])('secretsEqual(%j, %j) = %s', (a, b, expected) => {
    expect(secretsEqual(a, b)).toBe(expected);
  });
});

describe('hashesEqual', () => {
  const h1 = hashApiKey('one');
  const h2 = hashApiKey('two');

  it('is true for the same digest', () => {
    expect(hashesEqual(h1, hashApiKey('one'))).toBe(true);
  });

  it('is false for different digests', () => {
    expect(hashesEqual(h1, h2)).toBe(false);
  });

  it('is false for digests of different lengths, without throwing', () => {
    expect(hashesEqual(h1, h1.slice(0, 62))).toBe(false);
    expect(hashesEqual(h1, '')).toBe(false);
  });
});

describe('ids', () => {
  it.each([
    ['session', newSessionId, /^session_[A-Za-z0-9]+$/],
    ['task', newTaskId, /^task_[A-Za-z0-9]+$/],
    ['account', newAccountId, /^acc_[A-Za-z0-9]+$/],
  ] as const)('%s ids have their prefix and alphanumerics', (_name, make, pattern) => {
    const ids = Array.from({ length: 100 }, make);
    for (const id of ids) expect(id).toMatch(pattern);
    expect(new Set(ids).size).toBe(100);
  });

  it('task ids sort as text in creation order (a millisecond apart) and differ within one millisecond', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(newTaskId(), newTaskId());
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of made) expect(id).toHaveLength('task_'.length + 20);
    const firstOfEach = made.filter((_, i) => i % 2 === 0);
    expect([...firstOfEach].sort()).toEqual(firstOfEach);
    expect(new Set(made).size).toBe(made.length);
    // The time part is fixed-width: 8 characters after the prefix, then 12 random ones.
    expect(new Set(made.map((id) => id.slice(5, 13))).size).toBeGreaterThan(1);
  });

  it('the time part sorts as text in numeric order, across every digit class and carry', () => {
    const times = [0, 9, 10, 35, 36, 61, 62, 3843, 3844, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, Date.UTC(2100, 0, 1), 62 ** 8 - 1];
    const texts = times.map(sortableTime);
    for (const t of texts) expect(t).toMatch(/^[0-9A-Za-z]{8}$/);
    expect([...texts].sort()).toEqual(texts);
  });

  it('randomAlnum returns exactly the asked length of alphanumerics', () => {
    for (const n of [0, 1, 12, 36, 100]) {
      const s = randomAlnum(n);
      expect(s).toHaveLength(n);
      expect(s).toMatch(/^[A-Za-z0-9]*$/);
    }
  });

  it('randomAlnum uses the whole alphabet', () => {
    const seen = new Set(randomAlnum(20_000));
    expect(seen.size).toBe(62);
  });
});

describe('hashesEqual on malformed input', () => {
  it('never treats non-hex or empty strings as equal digests', () => {
    expect(hashesEqual('zz', 'yy')).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });
});
