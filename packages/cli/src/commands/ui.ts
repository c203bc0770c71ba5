import type { CliIo } from '../io.js';

/** `tessera ui`: the local, offline web debugger (loads @tessera/web only when it runs). */
export const help = `Usage: tessera ui [--port N] [--open] [--allow-network] (tessera ui --help)\n`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [{ renderSvg }, web] = await Promise.all([
    import('@tessera/trace'),
    import('@tessera/web'),
  ]);
  return web.runUiCommand(args, io, {
    renderTraceSvg: (trace: unknown) => renderSvg(trace as Parameters<typeof renderSvg>[0]),
  });
}
