/** Every text of the logout pages, in one place for translation. */
export const LOGOUT_STRINGS = {
  lang: 'en',
  confirmTitle: 'Sign out?',
  confirmIntro: (client: string | undefined) =>
    client === undefined
      ? 'Do you want to sign out of this sign-in service?'
      : `${client} asks to sign you out of this sign-in service.`,
  confirm: 'Sign out',
  cancel: 'Stay signed in',
  doneTitle: 'You are signed out',
  doneIntro: 'You have been signed out. You can close this window.',
  stayedTitle: 'You are still signed in',
  stayedIntro: 'Nothing changed. You can close this window.',
} as const;
