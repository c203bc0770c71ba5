import { readFileSync } from 'node:fs';
import {
  createClient,
  GRANT_TYPES,
  InputError,
  listClients,
  MFA_POLICIES,
  rotateClientSecret,
  setClientDisabled,
  setClientMfa,
  type MfaPolicy,
  type GrantType,
  type IdTokenAlg,
  type TokenEndpointAuthMethod,
} from '@tessera/server';
import { parse, type Parsed } from '../args.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { runIssuerCommand, STORE_OPTIONS, withStore } from './issuer-store.js';

/** `tessera client …`: manage the issuer's OAuth clients (loaded only when it runs). */
export const help = `usage: tessera client create <name> [--id ID] [--first-party] [--public] [--grant G]… [--scope S]… [--audience A] [--json]
         [--redirect-uri URI]… [--post-logout-redirect-uri URI]… [--require-par]
         [--token-endpoint-auth-method client_secret_basic|client_secret_post|private_key_jwt|none]
         [--jwks-uri URL | --jwks FILE] [--backchannel-logout-uri URL] [--id-token-alg RS256|ES256|EdDSA]
         [--require-dpop] [--mfa off|optional|required]
         [--introspect-audience A]…
       tessera client list [--json]
       tessera client disable|enable <client_id>
       tessera client rotate-secret <client_id>
       tessera client set-mfa <client_id> off|optional|required|default
  common: [--database postgres://…|FILE] [--data-dir ./.tessera]
  grants: ${GRANT_TYPES.join(', ')} (password only for --first-party). The secret is shown once.
  --require-dpop: token requests of this client need a DPoP proof (RFC 9449 §5.2).
  --introspect-audience: a resource server that may introspect tokens for that audience.
  --mfa / set-mfa: this client's second-factor policy for users without one (off: none; optional:
    TOTP enrolment offered after the password; required: enrolment before any code is issued);
    it wins over the issuer's mfa setting, and default removes it. A user with a factor is
    always asked for it.
`;

/** `tessera client`'s flags (the parser and shell completion both read it). */
export const OPTIONS = {
  ...STORE_OPTIONS,
  id: { type: 'string' },
  'first-party': { type: 'boolean' },
  public: { type: 'boolean' },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  audience: { type: 'string' },
  'require-dpop': { type: 'boolean' },
  mfa: { type: 'string' },
  'introspect-audience': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'require-par': { type: 'boolean' },
  'token-endpoint-auth-method': { type: 'string' },
  'jwks-uri': { type: 'string' },
  jwks: { type: 'string' },
  'backchannel-logout-uri': { type: 'string' },
  'id-token-alg': { type: 'string' },
} as const;

type Values = Parsed<typeof OPTIONS>['values'];

function readJwksFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read';
    throw new InputError(`${reason}: ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('the JWKS file is not JSON');
  }
}

/** `client create`'s flags → createClient's input (a flag not given leaves the default). */
function createInput(name: string, values: Values): Parameters<typeof createClient>[1] {
  return {
    name,
    ...(values.id !== undefined ? { clientId: values.id } : {}),
    firstParty: values['first-party'] === true,
    public: values.public === true,
    ...(values.grant !== undefined
      ? { grantTypes: values.grant.flatMap((g) => g.split(',')) as GrantType[] }
      : {}),
    ...(values.scope !== undefined
      ? { scopes: values.scope.flatMap((s) => s.split(/[ ,]/)).filter((s) => s.length > 0) }
      : {}),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
    ...(values['redirect-uri'] !== undefined ? { redirectUris: values['redirect-uri'] } : {}),
    ...(values['post-logout-redirect-uri'] !== undefined
      ? { postLogoutRedirectUris: values['post-logout-redirect-uri'] }
      : {}),
    ...(values['require-par'] === true ? { requirePar: true } : {}),
    ...(values['token-endpoint-auth-method'] !== undefined
      ? {
          tokenEndpointAuthMethod: values['token-endpoint-auth-method'] as TokenEndpointAuthMethod,
        }
      : {}),
    ...(values['jwks-uri'] !== undefined ? { jwksUri: values['jwks-uri'] } : {}),
    ...(values.jwks !== undefined ? { jwks: readJwksFile(values.jwks) } : {}),
    ...(values['backchannel-logout-uri'] !== undefined
      ? { backchannelLogoutUri: values['backchannel-logout-uri'] }
      : {}),
    ...(values['id-token-alg'] !== undefined
      ? { idTokenSignedResponseAlg: values['id-token-alg'] as IdTokenAlg }
      : {}),
    requireDpop: values['require-dpop'] === true,
    ...(values.mfa !== undefined ? { mfa: values.mfa as MfaPolicy } : {}),
    ...(values['introspect-audience'] !== undefined
      ? { introspectAudiences: values['introspect-audience'] }
      : {}),
  };
}

type Deps = Parameters<typeof createClient>[0];

async function create(io: CliIo, values: Values, deps: Deps, name: string): Promise<number> {
  const { client, clientSecret } = await createClient(deps, createInput(name, values));
  if (values.json === true)
    io.stdout.write(`${JSON.stringify({ ...client, clientSecret }, null, 2)}\n`);
  else {
    io.stdout.write(`client_id: ${client.clientId}\n`);
    if (clientSecret !== undefined)
      io.stdout.write(`client_secret (shown once): ${clientSecret}\n`);
  }
  return EXIT.OK;
}

async function list(io: CliIo, values: Values, deps: Deps): Promise<number> {
  const clients = await listClients(deps);
  if (values.json === true) io.stdout.write(`${JSON.stringify(clients, null, 2)}\n`);
  else {
    for (const c of clients) {
      io.stdout.write(
        `${c.clientId}\t${c.name}\t${c.confidential ? 'confidential' : 'public'}${c.firstParty ? ',first-party' : ''}\t${c.grantTypes.join(',')}\t${c.disabled ? 'disabled' : 'enabled'}\n`,
      );
    }
  }
  return EXIT.OK;
}

/** `tessera client …`: manage OAuth clients. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runIssuerCommand(io, help, async () => {
    const { values, positionals } = parse(args, OPTIONS);
    const [sub, arg, ...extra] = positionals;
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (sub === undefined) throw usageError('a subcommand is required');
    const policy = sub === 'set-mfa' ? extra.shift() : undefined;
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (sub === 'set-mfa' && !(policy === 'default' || MFA_POLICIES.some((p) => p === policy)))
      throw usageError(`client set-mfa needs a policy: ${MFA_POLICIES.join('|')}|default`);
    if (
      !['create', 'list', 'disable', 'enable', 'rotate-secret', 'set-secret', 'set-mfa'].includes(
        sub,
      )
    )
      throw usageError(`unknown subcommand ${JSON.stringify(sub)}`);
    if (sub !== 'list' && arg === undefined) throw usageError(`client ${sub} needs an argument`);
    return withStore(values, io, async (store) => {
      const deps = { store, defaultAudience: io.env['TESSERA_AUDIENCE'] ?? 'api' };
      switch (sub) {
        case 'create':
          return create(io, values, deps, arg!);
        case 'list':
          return list(io, values, deps);
        case 'disable':
        case 'enable':
          await setClientDisabled(deps, arg!, sub === 'disable');
          io.stdout.write(`${sub}d client ${arg}\n`);
          return EXIT.OK;
        case 'set-mfa':
          await setClientMfa(deps, arg!, policy === 'default' ? undefined : (policy as MfaPolicy));
          io.stdout.write(
            policy === 'default'
              ? `client ${arg} uses the issuer's mfa policy\n`
              : `client ${arg}: mfa ${policy}\n`,
          );
          return EXIT.OK;
        default: {
          const secret = await rotateClientSecret(deps, arg!);
          io.stdout.write(`client_secret (shown once): ${secret}\n`);
          return EXIT.OK;
        }
      }
    });
  });
}
