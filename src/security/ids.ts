import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * CSPRNG bytes drawn from a buffered block, as `crypto.randomUUID` does: a task ID is made on every request,
 * and one `randomBytes` call per ID cost more than the rest of building it.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let next = 0;

function randomByte(): number {
  if (next >= pool.length) {
    pool = randomBytes(POOL_BYTES);
    next = 0;
  }
  return pool[next++]!;
}

/** Uniformly random alphanumeric string from the OS CSPRNG (rejection sampling, no modulo bias). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    if (b < 248) out += ALNUM[b % 62];
  }
  return out;
}

/** Digits in ASCII order, so fixed-width numbers written with them sort as text in numeric order. */
const SORTABLE = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `ms` in 8 base-62 digits (enough until the year 8900), zero-padded: in byte order (SQLite's), text sorts in time order. */
export function sortableTime(ms: number): string {
  let out = '';
  let rest = Math.floor(ms);
  for (let i = 0; i < 8; i++) {
    out = SORTABLE[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export const newSessionId = (): string => `session_${randomAlnum(20)}`;
/**
 * A task ID starts with its creation time, then 12 random characters (71 bits): new tasks land at the end of the
 * tasks primary-key index instead of on a random page of it, so the requests of one group commit share the
 * index pages they write.
 */
export const newTaskId = (): string => `task_${sortableTime(Date.now())}${randomAlnum(12)}`;
export const newAccountId = (): string => `acc_${randomAlnum(16)}`;

/**
 * Could `id` be one BBRE issued (session, task, account, key prefix)? Every issued ID is printable ASCII; anything
 * else (a NUL, a control character, a huge string) names nothing, and is answered "not found" without a query.
 */
export function isPlausibleId(id: string): boolean {
  return /^[\x21-\x7e]{1,128}$/.test(id);
}
