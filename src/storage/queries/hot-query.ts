import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/** Runs one compiled read and returns its first row. */
export type RowReader = (sql: string, parameters: readonly unknown[]) => Promise<unknown>;

/** The default reader: through Kysely's own connection handling. */
export function kyselyReader(db: Kysely<any>): RowReader {
  return async (sql, parameters) => (await db.executeQuery(CompiledQuery.raw(sql, [...parameters]))).rows[0];
}

/**
 * A query on the hot path (every authenticated request), built and compiled once. Kysely otherwise rebuilds
 * and recompiles the same SQL on every call, which costs more than the keyed read itself. The builder is
 * compiled with placeholder arguments; calls substitute the real ones in the same order.
 */
export class HotQuery<Args extends unknown[], Row> {
  private readonly sql: string;

  constructor(
    private readonly read: RowReader,
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

  first(...args: Args): Promise<Row | undefined> {
    return this.read(this.sql, args) as Promise<Row | undefined>;
  }
}
