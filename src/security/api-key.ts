import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { randomAlnum } from './ids.js';

/** Contract §9.1: keys are `bbre_` + 36 alphanumerics; the first 12 characters identify a key. */
export const API_KEY_PREFIX_LENGTH = 12;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  // The one-shot digest: it runs on every authenticated request and skips the Hash object's setup.
  return hash('sha256', key, 'hex');
}

export function generateApiKey(): NewApiKey {
  const key = `bbre_${randomAlnum(36)}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX_LENGTH), hash: hashApiKey(key) };
}

/** Constant-time comparison of two secrets of any length (hashing first equalises the lengths). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Constant-time comparison of two hex digests. */
export function hashesEqual(a: string, b: string): boolean {
  const hex = /^[0-9a-f]{64}$/i;
  if (!hex.test(a) || !hex.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
