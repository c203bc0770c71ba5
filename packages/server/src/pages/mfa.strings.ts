/** Every text of the second-step pages (code, recovery code), in one place for translation. */
export const MFA_STRINGS = {
  lang: 'en',
  title: 'Enter your code',
  intro: (client: string) =>
    `Open your authenticator app and enter the 6-digit code to continue to ${client}.`,
  code: 'Code',
  submit: 'Continue',
  wrong: 'The code is wrong or was already used. Wait for the next code and try again.',
  malformed: 'Enter the 6 digits your authenticator app shows, without spaces or letters.',
  blocked: (seconds: number) =>
    `Too many wrong codes. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  recoverySummary: 'Use a recovery code instead',
  recoveryCode: 'Recovery code',
  recoverySubmit: 'Use recovery code',
  recoveryWrong: 'The recovery code is wrong or was already used.',
  recoveryMalformed: 'A recovery code is 16 letters and digits, as XXXX-XXXX-XXXX-XXXX.',
  usedTitle: 'Recovery code used',
  used: (left: number) =>
    `You signed in with a recovery code. It cannot be used again. ${left} recovery code${left === 1 ? '' : 's'} left.`,
  lastUsed:
    'That was your last recovery code. Ask your administrator to reset your second factor, or set it up again, before you lose access to your authenticator app.',
  usedContinue: 'Continue',
} as const;
