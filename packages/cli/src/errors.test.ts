/**
 * The CLI's code table is complete (every code the source uses is in it, or is a code of a
 * library it hands on, or one of node:util's parseArgs codes it reads) and docs/errors.md lists it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  assertCodeTableComplete,
  assertReadmeListsCodes,
} from '../../jose/dist/test-support/error-codes.js';
import { JOSE_ERROR_CODES } from '@tessera/jose';
import { INSPECT_ERROR_CODES } from '@tessera/inspect';
import { TRACE_ERROR_CODES } from '@tessera/trace';
import { CLI_ERROR_CODES, CliError, EXIT } from './exit-codes.js';
import { toCliError } from './command-runner.js';

// Node's own codes (node:util parseArgs), which args.ts turns into usage errors.
const PARSE_ARGS_CODES = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: 'node:util parseArgs: an unknown option',
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: 'node:util parseArgs: a value missing or not wanted',
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: 'node:util parseArgs: an argument not wanted',
};

test('every code the source uses is in CLI_ERROR_CODES or is handed on, each with its meaning', () => {
  assertCodeTableComplete(new URL('../src/', import.meta.url), CLI_ERROR_CODES, [
    JOSE_ERROR_CODES,
    INSPECT_ERROR_CODES,
    TRACE_ERROR_CODES,
    PARSE_ARGS_CODES,
  ]);
});

test('docs/errors.md lists every code of CLI_ERROR_CODES with its meaning, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assertReadmeListsCodes(doc, '## @tessera/cli', CLI_ERROR_CODES);
});

test('each exit code has its default code; anything else is ERR_UNEXPECTED and names only its type', () => {
  assert.equal(new CliError(EXIT.USAGE, 'x').code, 'ERR_USAGE');
  assert.equal(new CliError(EXIT.INPUT, 'x').code, 'ERR_INPUT');
  assert.equal(new CliError(EXIT.KEY, 'x').code, 'ERR_KEY');
  assert.equal(new CliError(EXIT.NETWORK, 'x').code, 'ERR_NETWORK');
  assert.equal(new CliError(EXIT.VERIFY_FAILED, 'x').code, 'ERR_VERIFICATION_FAILED');
  const e = toCliError(new RangeError('secret-looking text'));
  assert.deepEqual(
    [e.code, e.exitCode, e.message],
    ['ERR_UNEXPECTED', 3, 'unexpected failure (RangeError)'],
  );
});
