import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/**
 * A query on the hot path (every authenticated request), built and compiled once. Kysely otherwise rebuilds
 * and recompiles the same SQL on every call, which costs more than the keyed read itself. The builder is
 * compiled with placeholder arguments; calls substitute the real ones in the same order.
 */
export class HotQuery<Args extends unknown[], Row> {
  private readonly sql: string;

  constructor(
    private readonly db: Kysely<any>,
    build: (...args: Args) => Compilable<Row>,
    placeholders: Args,
  ) {
    const compiled = build(...placeholders).compile();
    if (compiled.parameters.length !== placeholders.length) {
      throw new Error(`hot query expects ${placeholders.length} parameters in order, compiled ${compiled.parameters.length}`);
    }
    compiled.parameters.forEach((p, i) => {
      if (p !== placeholders[i]) throw new Error('hot query parameters must appear in argument order');
    });
    this.sql = compiled.sql;
  }

  async first(...args: Args): Promise<Row | undefined> {
    const res = await this.db.executeQuery<Row>(CompiledQuery.raw(this.sql, args));
    return res.rows[0];
  }
}
