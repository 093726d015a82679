import Database from 'better-sqlite3';
import pg from 'pg';
import { parsePostgresUrl } from '../../../src/storage/dialects/postgres.dialect.js';

export interface AccountRow {
  id: string;
  balance: number;
}

export interface LedgerRow {
  id: number;
  account_id: string;
  kind: string;
  amount: number;
  balance_after: number;
  task_id: string | null;
  session_id: string | null;
  created_at: number;
}

export interface SessionRow {
  id: string;
  account_id: string;
  status: string;
  sensibility: string;
  request_count: number;
  total_charged: number;
  ended_reason: string | null;
  ended_at: number | null;
}

export interface TaskRow {
  id: string;
  account_id: string;
  type: string;
  status: string;
  url: string | null;
  session_id: string | null;
  price: number;
  refunded: number;
  error_code: string | null;
  error_message?: string | null;
  created_at: number;
}

/** Every row that carries money or counters, read in one consistent snapshot straight from the database. */
export interface DbSnapshot {
  accounts: AccountRow[];
  ledger: LedgerRow[];
  sessions: SessionRow[];
  tasks: TaskRow[];
}

const QUERIES = {
  accounts: 'SELECT id, balance_micros AS balance FROM accounts',
  ledger: 'SELECT id, account_id, kind, amount_micros AS amount, balance_after_micros AS balance_after, task_id, session_id, created_at FROM ledger ORDER BY id',
  sessions: 'SELECT id, account_id, status, sensibility, request_count, total_charged_micros AS total_charged, ended_reason, ended_at FROM sessions',
  tasks: 'SELECT id, account_id, type, status, url, session_id, price_micros AS price, refunded, error_code, error_message, created_at FROM tasks',
} as const;

const NUMERIC = new Set(['balance', 'id', 'amount', 'balance_after', 'created_at', 'request_count', 'total_charged', 'ended_at', 'price', 'refunded']);

/** PostgreSQL returns int8 as strings; everything numeric becomes a number (amounts stay far below 2^53). */
function normalise<T>(rows: Array<Record<string, unknown>>): T[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = NUMERIC.has(k) && v !== null && (k !== 'id' || typeof v !== 'string' || /^\d+$/.test(v)) ? Number(v) : v;
    return out as T;
  });
}

/**
 * Reads the database the server writes, without going through BBRE: SQLite through a read-only connection (a WAL
 * read transaction is a snapshot), PostgreSQL in a REPEATABLE READ read-only transaction.
 */
export async function readSnapshot(databaseUrl: string): Promise<DbSnapshot> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      db.pragma('busy_timeout = 5000');
      return db.transaction(() => ({
        accounts: normalise<AccountRow>(db.prepare(QUERIES.accounts).all() as Array<Record<string, unknown>>),
        ledger: normalise<LedgerRow>(db.prepare(QUERIES.ledger).all() as Array<Record<string, unknown>>),
        sessions: normalise<SessionRow>(db.prepare(QUERIES.sessions).all() as Array<Record<string, unknown>>),
        tasks: normalise<TaskRow>(db.prepare(QUERIES.tasks).all() as Array<Record<string, unknown>>),
      }))();
    } finally {
      db.close();
    }
  }
  const target = parsePostgresUrl(databaseUrl);
  const client = new pg.Client({ connectionString: target.connectionString, options: target.schema ? `-c search_path="${target.schema}"` : undefined });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const read = async <T>(sql: string) => normalise<T>((await client.query(sql)).rows as Array<Record<string, unknown>>);
    const snapshot = {
      accounts: await read<AccountRow>(QUERIES.accounts),
      ledger: await read<LedgerRow>(QUERIES.ledger),
      sessions: await read<SessionRow>(QUERIES.sessions),
      tasks: await read<TaskRow>(QUERIES.tasks),
    };
    await client.query('COMMIT');
    return snapshot;
  } finally {
    await client.end();
  }
}
