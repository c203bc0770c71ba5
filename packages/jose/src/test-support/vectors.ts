import { readFileSync } from 'node:fs';

/** Read a JSON file under packages/jose/vectors (from dist/test-support/). */
export function readVector<T = any>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/${path}`, import.meta.url), 'utf8')) as T;
}

/** The examples of a `vectors/rfc-appendix/rfcNNNN.json` file, by section. */
export function rfcExamples(rfc: number): Map<string, any> {
  const doc = readVector<{ examples: { section: string }[] }>(`rfc-appendix/rfc${rfc}.json`);
  return new Map(doc.examples.map((e) => [e.section, e]));
}
