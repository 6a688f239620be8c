/**
 * Reads `key` from a user-keyed table only when it is the table's own property: `toString`,
 * `constructor`, `__proto__`, `hasOwnProperty` and other inherited names read as `undefined`,
 * never as `Object.prototype` members. Use it for every lookup whose key comes from a user, a
 * model, a remote server or a store.
 */
export function ownValue<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Own enumerable entries of a plain object as a `Map` (keys such as `__proto__` kept as data). */
export function ownEntries<T>(table: Readonly<Record<string, T>> | undefined): Map<string, T> {
  const map = new Map<string, T>();
  if (table) for (const key of Object.keys(table)) map.set(key, table[key] as T);
  return map;
}
