import { ACCOUNT_STATUSES, type AccountStatus } from '../../contract/types.js';
import type { AccountLimits } from '../../domain/accounts/account.service.js';
import { asBody, hasControlChars, invalid } from './fields.js';

export function parseNewAccount(raw: unknown): { username: string; email: string | null; balanceUsd: number } {
  const body = asBody(raw);
  const name = body.name ?? body.username;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200 || hasControlChars(name)) throw invalid('name', 'name is required (a string of at most 200 characters, no control characters).');
  const email = body.email ?? null;
  if (email !== null && (typeof email !== 'string' || email.length > 320 || hasControlChars(email))) throw invalid('email', 'email must be a string without control characters.');
  const balance = body.balance ?? 0;
  if (typeof balance !== 'number' || !Number.isFinite(balance) || balance < 0 || balance > 1e9) throw invalid('balance', 'balance must be a number ≥ 0.');
  return { username: name.trim(), email: email as string | null, balanceUsd: balance };
}

export function parseCredit(raw: unknown): { amountUsd: number; note: string | null } {
  const body = asBody(raw);
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount === 0 || Math.abs(amount) > 1e9) throw invalid('amount', 'amount must be a non-zero number.');
  const note = body.note ?? null;
  if (note !== null && (typeof note !== 'string' || note.length > 1000 || hasControlChars(note))) throw invalid('note', 'note must be a string of at most 1000 characters, without control characters.');
  return { amountUsd: amount, note: note as string | null };
}

export function parseAccountPatch(raw: unknown): { status?: AccountStatus; limits: AccountLimits } {
  const body = asBody(raw);
  const out: { status?: AccountStatus; limits: AccountLimits } = { limits: {} };
  if (body.status !== undefined) {
    if (typeof body.status !== 'string' || !(ACCOUNT_STATUSES as readonly string[]).includes(body.status)) throw invalid('status', 'status must be active, suspended or inactive.');
    out.status = body.status as AccountStatus;
  }
  for (const field of ['maxSessions', 'rateLimitRps', 'rateLimitBurst'] as const) {
    const v = body[field];
    if (v === undefined) continue;
    if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000)) throw invalid(field, `${field} must be a positive integer or null.`);
    out.limits[field] = v as number | null;
  }
  return out;
}
