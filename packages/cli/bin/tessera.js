#!/usr/bin/env node
// The `tessera` bin. It is committed (not built) so that npm links `node_modules/.bin/tessera`
// during `npm ci`, before the workspace build has produced `dist/`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'tessera: the command line is not built yet (no dist/bin.js): run `npm run build` in the repository root\n',
  );
  process.exit(3);
}
await import(entry.href);
