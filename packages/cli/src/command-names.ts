/** Every top-level command, in `--help` order (aliases: inspect → decode, encode → sign). */
export const COMMAND_NAMES = [
  'decode',
  'verify',
  'sign',
  'keygen',
  'jwk',
  'jwks',
  'audit',
  'serve',
  'user',
  'client',
  'config',
  'keys',
  'sessions',
  'migrate',
  'backup',
  'trace',
  'ui',
  'completion',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export const ALIASES: Readonly<Record<string, CommandName>> = { inspect: 'decode', encode: 'sign' };
