/** Every text of the consent page, in one place for translation. */
export const CONSENT_STRINGS = {
  lang: 'en',
  title: 'Allow access?',
  intro: (client: string, user: string) => `${client} asks to access your account (${user}):`,
  allow: 'Allow',
  deny: 'Deny',
  remembered: 'Your answer is remembered; you can withdraw it later.',
  scopes: {
    openid: 'Confirm who you are',
    profile: 'See your name',
    email: 'See your email address',
    offline_access: 'Keep access while you are not signed in',
  } as Readonly<Record<string, string>>,
  other: (scope: string) => `Use the permission “${scope}”`,
} as const;
