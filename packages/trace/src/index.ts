/**
 * @tessera/trace — record what crossed the wire during an authentication flow, classify
 * credentials and tokens, check that credentials were sent once, and draw the sequence diagram.
 */
export { TRACE_FORMAT, TRACE_VERSION, ASSERTION_NAMES, DEFAULT_ASSERTIONS } from './model.js';
export {
  TRACE_ERROR_CODES,
  TraceError,
  TraceInputError,
  TraceLoginError,
  TraceNetworkError,
} from './errors.js';
export type { TraceErrorCode } from './errors.js';
export type {
  Trace,
  TraceSource,
  Participant,
  ParticipantKind,
  Exchange,
  Credential,
  CredentialKind,
  TokenPresented,
  TokenIssued,
  TokenSummary,
  TokenKind,
  CookieFlags,
  BodySummary,
  AssertionName,
  AssertionResult,
  Finding,
} from './model.js';
export { validateTrace, parseTrace } from './validate.js';
export {
  readTraceFile,
  readInputText,
  writeTraceFile,
  serializeTrace,
  writePrivateFile,
} from './trace-file.js';
export type { RawExchange, HeaderList } from './raw-exchange.js';
export { classifyExchange, parseSetCookie } from './classify.js';
export type { Classification, FoundToken, IssuedToken } from './classify.js';
export {
  fingerprint,
  displayToken,
  isJwtShaped,
  redactUrl,
  redactHeaders,
  MASK,
} from './redact.js';
export { buildTrace, findingsOf } from './build-trace.js';
export type { BuildTraceOptions, CaptureOptions } from './build-trace.js';
export type { TokenVerification } from './correlate.js';
export { checkAssertions, loginExchange, isStaticAsset } from './assertions.js';
export { parseNameRule, relabelParticipants } from './participants.js';
export type { NameRule } from './participants.js';
export { runScenario } from './capture/driver.js';
export type { RunScenarioOptions } from './capture/driver.js';
export { parseScenario, expandScenario } from './capture/scenario.js';
export type { Scenario, ScenarioStep } from './capture/scenario.js';
export { startProxy } from './capture/proxy.js';
export type { ProxyOptions, ProxyHandle } from './capture/proxy.js';
export { importHar } from './capture/har.js';
export type { ImportHarOptions } from './capture/har.js';
export { describeTrace } from './render/diagram.js';
export type { Diagram, DiagramStep, DiagramGroup, Segment } from './render/diagram.js';
export { renderSvg } from './render/svg.js';
export type { SvgOptions } from './render/svg.js';
export { renderMermaid } from './render/mermaid.js';
export { renderAscii } from './render/ascii.js';
export type { AsciiOptions } from './render/ascii.js';
export { renderHtml } from './render/html.js';
