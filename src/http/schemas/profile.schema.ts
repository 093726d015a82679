import type { Profile } from '../../contract/types.js';
import { invalid } from './fields.js';

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string' && v.length <= 2048;
const posInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 100_000;
const posNum: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1024;

const SHAPE: Record<string, Check | Record<string, Check>> = {
  userAgent: str,
  platform: str,
  language: str,
  timezone: str,
  deviceMemory: posNum,
  hardwareConcurrency: posInt,
  screen: { width: posInt, height: posInt },
  viewport: { width: posInt, height: posInt },
  webgl: { vendor: str, renderer: str },
};

/** Contract §1.6: any subset of the profile; a field of the wrong type → INVALID_REQUEST with its path. */
export function parseFingerprint(value: unknown): Profile | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('fingerprint', 'fingerprint must be an object.');
  const out: Profile = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    const rule = SHAPE[key];
    if (key === 'languages') {
      if (!Array.isArray(v) || v.length === 0 || v.length > 20 || !v.every(str)) throw invalid('fingerprint.languages', 'fingerprint.languages must be a non-empty array of strings.');
      out.languages = v as string[];
    } else if (key === 'headers') {
      if (typeof v !== 'object' || Array.isArray(v)) throw invalid('fingerprint.headers', 'fingerprint.headers must be an object of strings.');
      const headers: Record<string, string> = {};
      for (const [h, hv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof hv !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h) || /[\r\n\0]/.test(hv)) throw invalid(`fingerprint.headers.${h}`, 'header values must be strings without line breaks.');
        headers[h.toLowerCase()] = hv;
      }
      out.headers = headers;
    } else if (typeof rule === 'function') {
      if (!rule(v)) throw invalid(`fingerprint.${key}`, `fingerprint.${key} has the wrong type.`);
      out[key] = v;
    } else if (rule) {
      if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`fingerprint.${key}`, `fingerprint.${key} must be an object.`);
      const sub: Record<string, unknown> = {};
      for (const [subKey, check] of Object.entries(rule)) {
        const sv = (v as Record<string, unknown>)[subKey];
        if (!check(sv)) throw invalid(`fingerprint.${key}.${subKey}`, `fingerprint.${key}.${subKey} has the wrong type.`);
        sub[subKey] = sv;
      }
      out[key] = sub;
    }
    // Unknown keys are ignored (contract general rules).
  }
  return out;
}
