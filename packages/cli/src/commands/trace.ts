import type { CliIo } from '../io.js';

/** `tessera trace …`: record and draw a login + token flow (loads @tessera/trace only when it runs). */
export const help = `Usage: tessera trace run|proxy|import|render|check ... (tessera trace --help)\n`;

export async function run(args: string[], io: CliIo): Promise<number> {
  return (await import('@tessera/trace')).runTraceCommand(args, io);
}
