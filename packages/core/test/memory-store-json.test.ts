/** MemoryStore hands back what a JSON round trip gives (as the stores that encode JSON do), `toJSON` included wherever JSON.stringify finds it. */
import { MemoryStore } from '@agentrt/core';
import { storeRecords } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return `${this.cents / 100} USD`;
  }
}

describe('MemoryStore copies as JSON does', () => {
  it('honours toJSON on plain objects, arrays, Dates and class instances; -0, NaN and undefined as JSON writes them', async () => {
    const withOwn = { a: 1, toJSON: (key: string) => `own:${key}` };
    const array = Object.assign([1, 2], { toJSON: () => 'array-own' });
    const metadata = { plain: withOwn, array, date: new Date(0), money: new Money(250), nested: [{ x: -0, y: Number.NaN, z: undefined }, undefined], deep: { toJSON() { return { replaced: true }; } } };
    const store = new MemoryStore();
    await store.createRun({ ...storeRecords.run('r1'), metadata });
    const back = (await store.getRun('r1'))!.metadata;
    expect(back).toEqual(JSON.parse(JSON.stringify(metadata)));
    expect(back).toMatchObject({ plain: 'own:plain', array: 'array-own', date: '1970-01-01T00:00:00.000Z', money: '2.5 USD', deep: { replaced: true } });
    expect(Object.is((back as { nested: [{ x: number }] }).nested[0].x, 0)).toBe(true);
  });
});
