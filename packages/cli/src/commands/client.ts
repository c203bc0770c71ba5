/** `tessera client …`: loads the issuer package only when it runs. */
export { runClientCommand as run, CLIENT_USAGE as help } from './issuer-commands.js';
