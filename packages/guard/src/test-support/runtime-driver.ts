/**
 * Entry of the runtime matrix for Bun, Deno and Node.js: reads the input from the MATRIX_INPUT
 * environment variable, runs the cases, prints one line `MATRIX <json>`.
 */
import { runMatrix, type MatrixInput } from './runtime-cases.js';

const g = globalThis as {
  Deno?: { env: { get(name: string): string | undefined } };
  process?: { env: Record<string, string | undefined> };
};
const raw = g.Deno !== undefined ? g.Deno.env.get('MATRIX_INPUT') : g.process?.env['MATRIX_INPUT'];
const report = await runMatrix(JSON.parse(raw ?? '{}') as MatrixInput);
console.log(`MATRIX ${JSON.stringify(report)}`);
