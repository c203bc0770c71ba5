import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { readStdin, type CliIo } from './io.js';

const ioOf = (stdin: NodeJS.ReadableStream): CliIo => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin,
  env: {},
  cwd: process.cwd(),
});

test('readStdin: the whole input up to the cap; one byte over → undefined', async () => {
  assert.equal((await readStdin(ioOf(Readable.from(['ab', 'cd'])), 4))?.toString(), 'abcd');
  assert.equal(await readStdin(ioOf(Readable.from(['ab', 'cde'])), 4), undefined);
});

test('readStdin line: stops at the first newline without waiting for EOF; the cap still holds', async () => {
  const typed = new PassThrough(); // never ended, as a terminal would be
  typed.write('s3cret-pw\nrest');
  const got = await readStdin(ioOf(typed), 4096, { line: true });
  assert.equal(got?.toString(), 's3cret-pw');
  assert.equal(
    await readStdin(ioOf(Readable.from(['x'.repeat(10) + '\n'])), 8, { line: true }),
    undefined,
  );
});
