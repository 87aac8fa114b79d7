/**
 * Stores opened read-only (`readOnly: true`, for the on-call views) refuse every write with this
 * error, before touching anything.
 */
export class ReadOnlyStoreError extends Error {
  readonly code = 'read-only-store';
  constructor(what: string, where: string) {
    super(`the state store (${where}) is open read-only: cannot ${what}`);
    this.name = 'ReadOnlyStoreError';
  }
}
