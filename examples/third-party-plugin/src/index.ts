import { AgentrtError, definePlugin, defineTool, TOKENS, type Tool } from '@agentrt/core';
import { z } from 'zod';

const FACTORS: Record<string, Record<string, number>> = {
  length: { m: 1, km: 1_000, cm: 0.01, mm: 0.001, mi: 1_609.344, ft: 0.3048, in: 0.0254 },
  mass: { kg: 1, g: 0.001, lb: 0.45359237, oz: 0.028349523125 },
};
const TEMPERATURE = ['c', 'f', 'k'];
const unit = z.string().min(1).max(8).toLowerCase();

/** Options of the units pack. */
export interface UnitsOptions {
  /** Significant digits in results (1–15). Default 6. */
  readonly precision?: number;
}

const optionsSchema = z.strictObject({ precision: z.number().int().min(1).max(15).optional() }).optional();

function convert(value: number, from: string, to: string): number {
  if (TEMPERATURE.includes(from) && TEMPERATURE.includes(to)) {
    const kelvin = from === 'k' ? value : from === 'c' ? value + 273.15 : ((value - 32) * 5) / 9 + 273.15;
    if (kelvin < 0) throw new AgentrtError('value_out_of_range', 'temperature below absolute zero');
    return to === 'k' ? kelvin : to === 'c' ? kelvin - 273.15 : ((kelvin - 273.15) * 9) / 5 + 32;
  }
  for (const table of Object.values(FACTORS)) {
    // Own entries only: a unit named like an Object.prototype member (`constructor`) is not a unit.
    if (Object.hasOwn(table, from) && Object.hasOwn(table, to)) return (value * table[from]!) / table[to]!;
  }
  throw new AgentrtError('unit_unsupported', `cannot convert ${from} to ${to}`);
}

/** The pack's tools (also usable without the plugin). */
export function createUnitTools(options: UnitsOptions = {}): Tool[] {
  const precision = options.precision ?? 6;
  return [
    defineTool({
      name: 'convert_units',
      description: 'Converts a value between units of length (m, km, cm, mm, mi, ft, in), mass (kg, g, lb, oz) or temperature (c, f, k).',
      input: z.object({ value: z.number().finite(), from: unit, to: unit }),
      timeoutMs: 1_000,
      execute: ({ value, from, to }) => ({ value: Number(convert(value, from, to).toPrecision(precision)), unit: to }),
    }),
  ];
}

/** The plugin: `plugins: ['agentrt-plugin-units']` or `[{ module: 'agentrt-plugin-units', options: { precision: 3 } }]`. */
export default definePlugin<UnitsOptions | undefined>({
  name: 'agentrt-plugin-units',
  version: '1.0.0',
  options: optionsSchema,
  register(container, options) {
    for (const tool of createUnitTools(options ?? {})) container.register(TOKENS.Tool, { useValue: tool });
  },
});
