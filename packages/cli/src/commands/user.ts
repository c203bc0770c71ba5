/** `tessera user …`: loads the issuer package only when it runs. */
export { runUserCommand as run, USER_USAGE as help } from './issuer-commands.js';
