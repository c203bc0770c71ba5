/** How `tessera trace …` prints a trace: the chosen format on stdout, the assertion lines. */
import {
  renderAscii,
  renderHtml,
  renderMermaid,
  renderSvg,
  serializeTrace,
  type Trace,
} from '@tessera/trace';
import type { CliIo } from '../io.js';
import type { Format } from './trace-options.js';

export function render(trace: Trace, format: Format): string {
  switch (format) {
    case 'svg':
      return renderSvg(trace);
    case 'html':
      return renderHtml(trace);
    case 'mermaid':
      return renderMermaid(trace);
    case 'ascii':
      return renderAscii(trace);
    case 'json':
      return serializeTrace(trace);
  }
}

export function assertionLines(trace: Pick<Trace, 'assertions'>): string {
  return trace.assertions
    .map((a) => `${a.status === 'pass' ? '✓' : '✗'} ${a.name}: ${a.message}\n`)
    .join('');
}

export const failed = (trace: Trace): boolean => trace.assertions.some((a) => a.status === 'fail');

/** The trace in `format` on stdout; the assertion lines after it (ascii) or on stderr. */
export function emit(trace: Trace, format: Format, io: CliIo): void {
  io.stdout.write(render(trace, format));
  if (format === 'ascii') io.stdout.write(`\n${assertionLines(trace)}`);
  else io.stderr.write(assertionLines(trace));
}
