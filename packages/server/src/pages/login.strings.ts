/** Every text of the login page, in one place for translation. */
export const LOGIN_STRINGS = {
  lang: 'en',
  title: 'Sign in',
  intro: (client: string) => `Sign in to continue to ${client}.`,
  username: 'Username',
  password: 'Password',
  submit: 'Sign in',
  wrong: 'The username or password is wrong.',
  blocked: (seconds: number) =>
    `Too many failed attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  note: 'Your password is sent only to this sign-in page, never to the application.',
} as const;
