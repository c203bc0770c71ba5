/** Entry of the runtime matrix on workerd (miniflare): POST the input, get the report. */
import { runMatrix, type MatrixInput } from './runtime-cases.js';

export default {
  async fetch(request: Request): Promise<Response> {
    return Response.json(await runMatrix((await request.json()) as MatrixInput));
  },
};
