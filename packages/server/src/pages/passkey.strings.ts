/** Every text of the passkey parts of the hosted pages, in one place for translation. */
export const PASSKEY_STRINGS = {
  lang: 'en',
  signIn: 'Sign in with a passkey',
  or: 'Or use a passkey saved on this device or your phone.',
  offerTitle: 'Add a passkey',
  offerIntro: (client: string) =>
    `Next time, sign in to ${client} with a passkey: your fingerprint, face or screen lock instead of your password. The passkey stays on your device; this site stores only its public key.`,
  offerAdd: 'Add a passkey',
  offerSkip: 'Not now',
  stepTitle: 'Use your passkey',
  stepIntro: (client: string) => `Confirm it is you with your passkey to continue to ${client}.`,
  stepUse: 'Use passkey',
  working: 'Waiting for your passkey…',
  cancelled: 'The passkey request was cancelled or timed out. Try again.',
  unsupported: 'This browser cannot use passkeys here.',
  refused: {
    expired: 'The page waited too long. Try again.',
    replayed: 'That passkey answer was already used. Try again.',
    unknown_credential: 'This passkey is not registered for any account here.',
    wrong_user: 'This passkey belongs to another account.',
    counter_regressed:
      'This passkey answered with an old counter, which can mean it was copied. It was not accepted; ask your administrator.',
    already_registered: 'This passkey is already registered.',
    user_not_verified: 'Your device did not confirm it is you (fingerprint, face or PIN).',
    other: 'The passkey answer was not accepted. Try again.',
  },
} as const;
