// workerd: the clock does not advance while a request computes (a Spectre mitigation), so the
// Node.js side times each request; a request runs `n` operations of one library.
import { prepare, runOps } from './runtime-ops.mjs';

export default {
  async fetch(request) {
    const { lib, alg, op, n } = await request.json();
    await prepare();
    await runOps(lib, alg, op, n);
    return new Response('ok');
  },
};
