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

/**
 * Reads through the pool without Kysely's connection handling (checkout, query, release as three steps), as a
 * named prepared statement: each connection parses and plans a hot query once instead of on every call.
 */
function pooledReader(pool: pg.Pool): RowReader {
  const names = new Map<string, string>();
  return async (text, parameters) => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `bbre_hot_${names.size}`));
    return (await pool.query({ name, text, values: [...parameters] })).rows[0];
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
  return { db, reader: pooledReader(pool) };
}
