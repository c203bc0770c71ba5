import { writePrivateFile } from '@tessera/jose/internal/node';
import { inputError } from './exit-codes.js';

/**
 * Write a command's output file (`sign -o`, `keygen --out-private/--out-public`) through the one
 * owner-only writer: a new 0600 temporary file renamed into place, so an existing file's mode
 * never survives (see docs/security.md#output-files). `mode` 0o644 only for public keys.
 * `overwrite: false` refuses an existing file. Failures are one-line input errors (exit 3) that
 * name no content.
 */
export function writeOutputFile(
  path: string,
  data: string,
  { mode = 0o600, overwrite = true }: { mode?: number; overwrite?: boolean } = {},
): void {
  try {
    writePrivateFile(path, data, { mode, overwrite });
  } catch (e) {
    throw inputError(
      (e as NodeJS.ErrnoException).code === 'EEXIST'
        ? 'the output file exists (use --force to overwrite)'
        : 'cannot write the output file',
    );
  }
}
