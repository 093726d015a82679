import { sql, type Kysely, type Migration } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** Migrations are code, in order; each is written once and branches only where the dialects differ. */
export function buildMigrations(dialect: DialectName): Record<string, Migration> {
  const money = dialect === 'postgres' ? 'bigint' : 'integer';
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_core': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('balance_micros', money, (c) => c.notNull().check(sql`balance_micros >= 0`))
          .addColumn('max_sessions', 'integer')
          .addColumn('rate_limit_rps', 'integer')
          .addColumn('rate_limit_burst', 'integer')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('api_keys')
          .addColumn('prefix', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('last_used_at', time)
          .addColumn('revoked_at', time)
          .execute();
        await db.schema.createIndex('api_keys_account_idx').on('api_keys').column('account_id').execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('sensibility', 'text', (c) => c.notNull())
          .addColumn('timeout_secs', 'integer', (c) => c.notNull())
          .addColumn('request_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('total_charged_micros', money, (c) => c.notNull().defaultTo(0))
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('ended_at', time)
          .addColumn('ended_reason', 'text')
          .addColumn('profile_json', 'text', (c) => c.notNull())
          .addColumn('proxy_json', 'text')
          .addColumn('state_json', 'text')
          .addColumn('max_cost_micros', money)
          .execute();
        await db.schema.createIndex('sessions_account_created_idx').on('sessions').columns(['account_id', 'created_at']).execute();
        await db.schema.createIndex('sessions_status_expires_idx').on('sessions').columns(['status', 'expires_at']).execute();
        await db.schema.createIndex('sessions_ended_idx').on('sessions').column('ended_at').execute();

        await db.schema
          .createTable('tasks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('sensibility', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('url', 'text')
          .addColumn('method', 'text')
          .addColumn('action', 'text')
          .addColumn('session_id', 'text')
          .addColumn('price_micros', money, (c) => c.notNull().defaultTo(0))
          .addColumn('refunded', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('processing_time_ms', 'integer')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('completed_at', time)
          .addColumn('error_code', 'text')
          .addColumn('error_message', 'text')
          .addColumn('result_json', 'text')
          .addColumn('result_expires_at', time)
          .execute();
        await db.schema.createIndex('tasks_account_created_idx').on('tasks').columns(['account_id', 'created_at']).execute();
        await db.schema.createIndex('tasks_status_idx').on('tasks').column('status').execute();
        await db.schema.createIndex('tasks_result_expires_idx').on('tasks').column('result_expires_at').execute();

        await db.schema
          .createTable('ledger')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('amount_micros', money, (c) => c.notNull())
          .addColumn('balance_after_micros', money, (c) => c.notNull())
          .addColumn('task_id', 'text')
          .addColumn('session_id', 'text')
          .addColumn('note', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ledger_account_idx').on('ledger').columns(['account_id', 'id']).execute();
      },
    },
    '0002_node_ids': {
      // Several nodes may share one database: start-up recovery must touch only what its own node left behind.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('sessions').addColumn('node_id', 'text').execute();
        await db.schema.alterTable('tasks').addColumn('node_id', 'text').execute();
      },
    },
    '0003_nodes': {
      // Each node's heartbeat: a node that stops beating is dead, and a live one recovers what it left behind.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('nodes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('started_at', time, (c) => c.notNull())
          .addColumn('last_seen', time, (c) => c.notNull())
          .execute();
      },
    },
  };
}
