import type { Kysely } from 'kysely';
import type { NodeStore } from '../ports.js';
import type { Database } from '../schema.js';

export class NodeQueries implements NodeStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly self: string | null,
  ) {}

  async heartbeat(now: number): Promise<void> {
    if (this.self === null) return;
    await this.db
      .insertInto('nodes')
      .values({ id: this.self, started_at: now, last_seen: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: now }))
      .execute();
  }

  async deadNodes(before: number): Promise<string[]> {
    let q = this.db.selectFrom('nodes').select('id').where('last_seen', '<', before);
    if (this.self !== null) q = q.where('id', '!=', this.self);
    return (await q.execute()).map((r) => r.id);
  }

  async forget(nodeId: string): Promise<void> {
    await this.db.deleteFrom('nodes').where('id', '=', nodeId).execute();
  }
}
