/**
 * A deliberately tiny list of secrets seen in tutorials, samples and defaults. Its purpose is to
 * catch the token signed with the example secret, not to crack anything: `--wordlist` lets people
 * test their own tokens against their own list.
 */
export const WEAK_SECRETS: readonly string[] = [
  'your-256-bit-secret', // jwt.io's HS256 example
  'your-384-bit-secret', // jwt.io's HS384 example
  'your-512-bit-secret', // jwt.io's HS512 example
  'a-string-secret-at-least-256-bits-long', // jwt.io's newer HS256 example
  'secret',
  'secretkey',
  'secret-key',
  'secret_key',
  'mysecret',
  'my-secret',
  'my_secret',
  'mysecretkey',
  'jwt-secret',
  'jwt_secret',
  'jwtsecret',
  'changeme',
  'change-me',
  'changeit',
  'password',
  'passw0rd',
  'admin',
  'test',
  'testing',
  'dev',
  'development',
  'default',
  'key',
  'private',
  'shhhhh', // express-jwt README sample
  'shhhhhared-secret',
  'supersecret',
  'super-secret',
  'topsecret',
  'secret123',
  '123456',
  '12345678',
  'qwerty',
  'letmein',
  'tessera',
  '',
];
