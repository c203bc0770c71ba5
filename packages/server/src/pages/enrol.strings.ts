/** Every text of the second-factor enrolment pages (offer, QR code, recovery codes), for translation. */
export const ENROL_STRINGS = {
  lang: 'en',
  offerTitle: 'Protect your account',
  offerIntro: (client: string) =>
    `Add a second step to your sign-in: a 6-digit code from an authenticator app on your phone. You can set it up now, or continue to ${client} without it.`,
  offerSetUp: 'Set up now',
  offerSkip: 'Not now',
  title: 'Set up your authenticator app',
  requiredIntro: (client: string) =>
    `${client} requires a second step at sign-in. Set up an authenticator app to continue.`,
  intro: 'Scan the QR code with your authenticator app, then enter the 6-digit code it shows.',
  qrLabel: 'QR code to scan with your authenticator app',
  manualSummary: 'Cannot scan? Enter the key by hand',
  manualIntro: 'In your app, add an account by key and enter:',
  manualKey: 'Key',
  manualType: 'Type',
  manualTypeValue: 'time-based, SHA-1, 6 digits, every 30 seconds',
  expires: (minutes: number) =>
    `This setup is good for ${minutes} minute${minutes === 1 ? '' : 's'}; after that, sign in again to start over.`,
  code: 'Code from your app',
  submit: 'Confirm',
  wrong:
    'The code is wrong or was already used. Check the time on your phone, wait for the next code and try again.',
  malformed: 'Enter the 6 digits your authenticator app shows, without spaces or letters.',
  blocked: (seconds: number) =>
    `Too many wrong codes. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  doneTitle: 'Your recovery codes',
  doneIntro:
    'Your authenticator app is set up. If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown only now: write them down or keep them in your password manager.',
  codesLabel: 'Recovery codes',
  doneContinue: 'I have saved them, continue',
} as const;
