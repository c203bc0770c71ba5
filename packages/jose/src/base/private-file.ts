import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writePrivateFile}. */
export interface PrivateFileOptions {
  /** The file's mode, set explicitly whatever the umask (default 0o600: owner only). */
  readonly mode?: number;
  /**
   * Replace a file already at `path` (default true). With false an existing file is left alone
   * and the call throws an error with `code: 'EEXIST'` — decided atomically, not by a check first.
   */
  readonly overwrite?: boolean;
}

/**
 * Write `data` to `path` so that it is never readable by anyone but the owner, not even for an
 * instant: a new temporary file is created beside it (exclusively, mode 0600), written, flushed,
 * given `mode` and then renamed over `path`. An existing file's mode therefore does not survive
 * (a 0644 token file ends 0600), a reader never sees a half-written file, and a symbolic link at
 * `path` is replaced rather than written through. Node.js only. Throws the file system's error
 * (with its `code`); the temporary file is removed on failure.
 *
 * For Tessera's own packages (the CLI's `sign -o` and `keygen`, the trace files): not public API.
 *
 * @example
 * writePrivateFile('token.jwt', `${token}\n`);
 */
export function writePrivateFile(
  path: string,
  data: string | Uint8Array,
  options: PrivateFileOptions = {},
): void {
  const mode = options.mode ?? 0o600;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  // After a rename the temporary name is gone; after a link (or a failure) it is removed here.
  let renamed = false;
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.overwrite === false) linkSync(temp, path); // EEXIST if something is there
    else {
      renameSync(temp, path);
      renamed = true;
    }
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  }
}
