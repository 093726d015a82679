import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { RowReader } from '../queries/hot-query.js';
import type { Database } from '../schema.js';

const INT8_OID = 20;

export interface PostgresTarget {
  connectionString: string;
  schema: string | undefined;
}

/** Splits an optional `?schema=<name>` off the URL: BBRE then keeps its tables in that schema. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) throw new Error(`invalid schema name in BBRE_DATABASE_URL: ${schema}`);
  return { connectionString: u.toString(), schema };
}

export interface PostgresHandles {
  db: Kysely<Database>;
  /** Keyed reads on the hot path: named prepared statements straight on the pool. */
  reader: RowReader;
}

interface PendingRead {
  parameters: readonly unknown[];
  resolve(row: unknown): void;
  reject(err: unknown): void;
}

interface BatchableStatement {
  /** Named prepared statements: each connection parses and plans them once, not on every call. */
  name: string;
  text: string;
  batchName: string;
  batchText: string;
  arity: number;
  pending: PendingRead[];
}

/** The batch's position column; an unlikely name, so it cannot shadow a column of the statement. */
const BATCH_INDEX = 'bbre_batch_i';

/**
 * `text` run once per argument tuple: the arguments arrive as one text[] per position, unnested together with
 * their position, and the statement is joined laterally with `$n` reading the tuple's n-th value.
 */
function batchStatement(text: string, arity: number): string {
  const positions = Array.from({ length: arity }, (_, i) => i + 1);
  const inner = text.replace(/\$(\d+)/g, (_, n: string) => `b.p${n}`);
  return `select b.${BATCH_INDEX}, q.* from unnest(${positions.map((n) => `$${n}::text[]`).join(', ')}) with ordinality as b(${positions.map((n) => `p${n}`).join(', ')}, ${BATCH_INDEX}) cross join lateral (${inner}) as q`;
}

/**
 * Keyed reads through the pool without Kysely's connection handling (checkout, query, release as three steps),
 * and coalesced: calls of one statement made before the event loop next reaches its check phase (all requests
 * whose bytes came in one poll) go to the database as one query, which runs the statement for every argument
 * tuple (batchStatement) and gives each caller the first row of its own tuple. One round trip, one checkout and
 * one reply to parse instead of one each per request. A call alone, or one with arguments other than strings,
 * runs as the plain statement.
 */
export function batchingReader(pool: pg.Pool): RowReader {
  const statements = new Map<string, BatchableStatement>();
  const due = new Set<BatchableStatement>();
  let scheduled = false;

  const runAlone = (st: BatchableStatement, call: PendingRead) => {
    pool.query({ name: st.name, text: st.text, values: [...call.parameters] }).then(
      (r) => call.resolve(r.rows[0]),
      (err: unknown) => call.reject(err),
    );
  };

  const runBatch = (st: BatchableStatement, calls: PendingRead[]) => {
    const values = Array.from({ length: st.arity }, (_, i) => calls.map((c) => c.parameters[i]));
    pool.query({ name: st.batchName, text: st.batchText, values }).then(
      (r) => {
        const firsts: unknown[] = new Array(calls.length);
        for (const { [BATCH_INDEX]: position, ...row } of r.rows as Array<Record<string, unknown>>) {
          const i = Number(position) - 1;
          if (firsts[i] === undefined) firsts[i] = row;
        }
        calls.forEach((c, i) => c.resolve(firsts[i]));
      },
      (err: unknown) => {
        for (const c of calls) c.reject(err);
      },
    );
  };

  const flush = () => {
    scheduled = false;
    for (const st of due) {
      const calls = st.pending;
      st.pending = [];
      if (calls.length === 1) {
        runAlone(st, calls[0]!);
        continue;
      }
      const batchable: PendingRead[] = [];
      for (const c of calls) {
        if (c.parameters.every((p) => typeof p === 'string')) batchable.push(c);
        else runAlone(st, c);
      }
      if (batchable.length === 1) runAlone(st, batchable[0]!);
      else if (batchable.length > 1) runBatch(st, batchable);
    }
    due.clear();
  };

  return (text, parameters) => {
    let st = statements.get(text);
    if (st === undefined) {
      const arity = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      const n = statements.size;
      st = { name: `bbre_hot_${n}`, text, batchName: `bbre_hot_${n}_batch`, batchText: batchStatement(text, arity), arity, pending: [] };
      statements.set(text, st);
    }
    const statement = st;
    return new Promise((resolve, reject) => {
      statement.pending.push({ parameters, resolve, reject });
      due.add(statement);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
}

export async function openPostgres(url: string, poolSize = 10): Promise<PostgresHandles> {
  const target = parsePostgresUrl(url);
  if (target.schema) {
    // Create the schema with a short-lived client so the pool's search_path can point at it.
    const client = new pg.Client({ connectionString: target.connectionString });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: poolSize,
    options: target.schema ? `-c search_path="${target.schema}"` : undefined,
    // Money and timestamps are int8; they stay far below 2^53, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A client losing its connection (database restart, failover, terminated backend) must not crash the process:
  // idle clients report on the pool, clients in use on themselves; the query in flight still rejects, and the
  // pool replaces the client on the next checkout.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  return { db, reader: batchingReader(pool) };
}
