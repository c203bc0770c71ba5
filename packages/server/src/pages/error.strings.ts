/** Every text of the error page, in one place for translation. */
export const ERROR_STRINGS = {
  lang: 'en',
  title: 'Sign-in cannot continue',
  intro:
    'The application sent a request this sign-in service cannot accept, so you were not sent back to it.',
  detail: 'Details for the application developer:',
  csrf: 'This form has expired or was not sent from this page. Go back to the application and start again.',
  expired:
    'This sign-in request has expired or was already used. Go back to the application and start again.',
} as const;
