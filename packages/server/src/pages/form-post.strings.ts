/** Every text of the form_post page, in one place for translation. */
export const FORM_POST_STRINGS = {
  lang: 'en',
  title: 'Returning to the application',
  intro: 'Sending you back to the application…',
  submit: 'Continue',
} as const;
