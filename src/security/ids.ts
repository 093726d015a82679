import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniformly random alphanumeric string from the OS CSPRNG (rejection sampling, no modulo bias). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (const b of bytes) {
      if (b < 248) out += ALNUM[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const newSessionId = (): string => `session_${randomAlnum(20)}`;
export const newTaskId = (): string => `task_${randomAlnum(20)}`;
export const newAccountId = (): string => `acc_${randomAlnum(16)}`;

/**
 * Could `id` be one BBRE issued (session, task, account, key prefix)? Every issued ID is printable ASCII; anything
 * else (a NUL, a control character, a huge string) names nothing, and is answered "not found" without a query.
 */
export function isPlausibleId(id: string): boolean {
  return /^[\x21-\x7e]{1,128}$/.test(id);
}
