/**
 * A JSON value carried as the text it was stored as. It is parsed only when code reads `value`; a response
 * that returns it unchanged splices the text into its JSON (see http/envelope.ts) instead of parsing and
 * serializing it again. `toJSON` keeps plain `JSON.stringify` correct everywhere else.
 */
export class StoredJson<T> {
  private parsed: T | undefined;

  constructor(readonly text: string) {}

  get value(): T {
    if (this.parsed === undefined) this.parsed = JSON.parse(this.text) as T;
    return this.parsed;
  }

  toJSON(): T {
    return this.value;
  }

  static of<T>(value: T): StoredJson<T> {
    const stored = new StoredJson<T>(JSON.stringify(value));
    stored.parsed = value;
    return stored;
  }
}
