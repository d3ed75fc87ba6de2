// Type declarations of the tenet Node client (index.js). The wire contract is
// docs/PROTOCOL.md; field names below are the protocol's.

/** A JSON value an attribute may hold (strings, numbers, booleans, sets as arrays). */
export type AttributeValue = string | number | boolean | string[] | number[];

/** Who asks: an id, a role of the tenant, and schema attributes. */
export interface Principal {
  id: string;
  role: string;
  attrs?: Record<string, AttributeValue>;
}

/** What is asked about. `tenant` defaults to the request's tenant. */
export interface Resource {
  type: string;
  id: string;
  tenant?: string;
  /** Only for resource types that have a lifecycle. */
  state?: string;
  attrs?: Record<string, AttributeValue>;
}

/** Fields every decision request has. `tenant` defaults to the client's tenant. */
export interface RequestBase {
  principal: Principal;
  tenant?: string;
  context?: Record<string, AttributeValue>;
}

export interface CheckRequest extends RequestBase {
  action: string;
  resource: Resource;
  /** Adds `trace` to the decision. */
  explain?: boolean;
}

export interface TransitionRequest extends RequestBase {
  /** The role to move to. */
  to: string;
}

export interface SubscribeRequest extends RequestBase {
  plan: string;
}

export type PlansRequest = RequestBase;
export type FeaturesRequest = RequestBase;

export interface LifecycleRequest extends RequestBase {
  resource: Resource;
  /** The state to move the resource to. */
  to: string;
}

/** One item of `Client.batch`. */
export type BatchItem =
  | ({ op: 'check' } & CheckRequest)
  | ({ op: 'transition' } & TransitionRequest)
  | ({ op: 'subscribe' } & SubscribeRequest)
  | ({ op: 'plans' } & PlansRequest)
  | ({ op: 'features' } & FeaturesRequest)
  | ({ op: 'lifecycle' } & LifecycleRequest);

/** A rule that could not be evaluated (the engine failed closed). */
export interface RuleError {
  rule: string;
  message: string;
}

/** The answer to check, transition, subscribe and lifecycle (a frozen object). */
export interface Decision {
  /** True only for an explicit allow. */
  readonly allowed: boolean;
  /** Rule ids (`"acme:owner-reads"`) or built-in reasons (`"cross_tenant"`...). */
  readonly reasons: readonly string[];
  /** On a deny, the conditions that were false, as policy source text. */
  readonly unmet: readonly string[];
  readonly errors: readonly RuleError[];
  /** Present when the request asked `explain`. */
  readonly trace?: ReadonlyArray<Record<string, unknown>>;
  /** Only in batch results: the server refused this item (then `allowed` is false). */
  readonly error?: ProtocolError;
  /** The revision of the tenant's policy unit that answered (absent for an unknown tenant). */
  readonly revision?: number;
}

/** One finding about a policy unit, as `tenet check` prints it (FILE:LINE:COL: severity: message). */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | string;
  /** The check's code, e.g. `"unknown-role"`. */
  code: string;
  message: string;
}

/** The answer to putPolicy and rollback. */
export interface PolicyPut {
  tenant: string;
  /** The unit's new revision (the one it would get, for a dry run). */
  revision: number;
  /** The unit file under the policy directory, e.g. `"tenants/acme.tenet"`. */
  path: string;
  dryRun: boolean;
  /** Rule ids (`"acme:owner-reads"`) the change adds, removes or changes. */
  changes: { added: string[]; removed: string[]; changed: string[] };
  /** Warnings. */
  diagnostics: Diagnostic[];
}

/** The unit served now (getPolicy). */
export interface Policy {
  tenant: string;
  revision: number;
  path: string;
  /** SHA-256 of the source. */
  hash: string;
  source: string;
}

export interface PolicyRevision {
  revision: number;
  time: string;
  /** `"sha256:<16 hex>"` (a token), `"anonymous"` or `"disk"`. */
  actor: string;
  hash: string;
}

/** What a reload did with one unit that changed or was refused. */
export interface UnitOutcome {
  tenant: string;
  outcome: 'applied' | 'added' | 'removed' | 'refused';
  revision: number;
  message?: string;
  /** Rendered diagnostics of a refused unit. */
  diagnostics?: string;
}

export interface ReloadResult {
  policyVersion: number;
  platform: 'unchanged' | 'applied';
  platformRevision: number;
  units: UnitOutcome[];
  removedTenants: string[];
}

/** Renders a diagnostic as FILE:LINE:COL: severity: message. */
export function formatDiagnostic(diagnostic: Diagnostic): string;

/** A plans/features item of a batch. */
export interface Names {
  readonly names: readonly string[];
  readonly error?: ProtocolError;
}

export interface Session {
  /** The tenant the token is bound to; null for a global (`*`) token. */
  tenant: string | null;
  version: string;
}

export interface ReconnectOptions {
  /** Connection attempts per (re)connect; default 3. */
  attempts?: number;
  /** Pause before the second attempt, in ms, doubling after each; default 50. */
  initialDelay?: number;
  /** Longest pause between attempts, in ms; default 1000. */
  maxDelay?: number;
}

/**
 * TLS to a `tenet serve --tls-cert ...` TCP listener: TLS 1.2+, the server's
 * certificate verified. Files are PEM, read when the Client is made.
 */
export interface TlsOptions {
  /** CA certificate(s) to trust; default: Node's bundled and the system's CAs. */
  caFile?: string;
  /** Client certificate chain, for mutual TLS (with `keyFile`): its `tenet:tenant:` binds the session. */
  certFile?: string;
  keyFile?: string;
  /** The name (or IP) the server's certificate must carry; default: the address's host. */
  serverName?: string;
}

export interface ClientOptions {
  /** Sent with `hello` on every (re)connect. */
  token?: string;
  /** Default tenant; after `hello`, the token's tenant when not given. */
  tenant?: string;
  /** Ms a request may wait for its answer before the connection is dropped; default 5000. */
  timeout?: number;
  /** Ms one connection attempt may take; default 2000. */
  connectTimeout?: number;
  reconnect?: ReconnectOptions;
  /** TLS (`true`: verified against the default CAs); default: plaintext. */
  tls?: boolean | TlsOptions;
}

/**
 * Per call: an AbortSignal. An aborted call rejects with the signal's reason;
 * its answer is dropped when it comes, and later calls get their own answers.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** `"host:port"`, `"unix:/path"`, a path containing `/`, `{host, port}` or `{path}`. */
export type Address = string | { host?: string; port: number } | { path: string };

export class Client {
  constructor(address: Address, options?: ClientOptions);
  token: string | undefined;
  tenant: string | undefined;
  /** Set by `hello`. */
  session: Session | null;
  readonly connected: boolean;

  connect(): Promise<void>;
  /** Fails the requests in flight with TenetConnectionError and closes the socket. */
  close(): void;

  check(request: CheckRequest, options?: CallOptions): Promise<Decision>;
  transition(request: TransitionRequest, options?: CallOptions): Promise<Decision>;
  subscribe(request: SubscribeRequest, options?: CallOptions): Promise<Decision>;
  /** The names of the plans open to the principal. */
  plans(request: PlansRequest, options?: CallOptions): Promise<readonly string[]>;
  /** The names of the features enabled for the principal. */
  features(request: FeaturesRequest, options?: CallOptions): Promise<readonly string[]>;
  lifecycle(request: LifecycleRequest, options?: CallOptions): Promise<Decision>;
  /** One `batch` request (at most 1024 items); answers in order. */
  batch(requests: BatchItem[], options?: CallOptions): Promise<Array<Decision | Names>>;

  hello(token: string): Promise<Session>;
  health(): Promise<{
    ok: boolean;
    policyVersion: number;
    platformRevision: number;
    units: { served: number; unavailable: string[] };
  }>;
  /** The server's counters, as sent (admin right). */
  stats(): Promise<Record<string, unknown>>;
  /**
   * Re-reads the policy directory (global admin). A broken partner unit is refused alone (outcome
   * "refused" in `units`); a reload refused whole rejects with InvalidRequest (`diagnosticsText`).
   */
  reload(options?: { allowRemoval?: boolean }): Promise<ReloadResult>;
  setFeature(request: { tenant?: string; feature: string; state: 'on' | 'off' | 'default' }): Promise<void>;

  /**
   * Replaces the tenant's policy unit with `source` (the whole unit text): a new revision.
   * `dryRun` checks it and reports what would change. Refused: InvalidPolicy (`diagnostics`),
   * TooLarge or Forbidden, and nothing changes. Needs the `author` right.
   */
  putPolicy(request: { tenant?: string; source: string; dryRun?: boolean }): Promise<PolicyPut>;
  getPolicy(request?: { tenant?: string }): Promise<Policy>;
  /** The kept revisions, newest first. */
  policyHistory(request?: { tenant?: string }): Promise<{ tenant: string; revisions: PolicyRevision[] }>;
  /** The source of `revision` becomes a new revision; InvalidRequest when it is not kept. */
  rollback(request: { tenant?: string; revision: number }): Promise<PolicyPut>;

  /**
   * Sends any protocol object; resolves with the decoded answer, errors included.
   * Without an `id` the client numbers it (and checks the answer's); a caller's `id` is echoed.
   */
  request(object: Record<string, unknown>, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Sends one raw request line as is; resolves with the decoded answer. */
  sendLine(line: string, options?: CallOptions): Promise<Record<string, unknown>>;
}

export class TenetError extends Error {}
/** The server could not be reached or the connection broke; in-flight answers are lost. */
export class TenetConnectionError extends TenetError {}
/** No answer within the timeout; the connection was dropped. */
export class TenetTimeout extends TenetConnectionError {}

export type ErrorCode =
  | 'bad_json'
  | 'bad_request'
  | 'invalid_request'
  | 'invalid_policy'
  | 'unauthenticated'
  | 'forbidden'
  | 'too_large'
  | 'unknown_op'
  | 'overloaded'
  | 'internal'
  | 'unavailable';

/** The server refused the request with an `error` object. */
export class ProtocolError extends TenetError {
  constructor(code: string, message: string, response?: Record<string, unknown>);
  readonly code: ErrorCode | string;
  /** The server's message. */
  readonly serverMessage: string;
  /** The whole decoded answer. */
  readonly response: Record<string, unknown>;
  /** A refused put_policy/rollback: where the unit is wrong. */
  readonly diagnostics: Diagnostic[];
  /** A refused reload: the rendered diagnostics. */
  readonly diagnosticsText: string;
}
export class BadJson extends ProtocolError {}
export class BadRequest extends ProtocolError {}
export class InvalidRequest extends ProtocolError {}
/** A put_policy/rollback unit does not compile or is out of its scope; see `diagnostics`. */
export class InvalidPolicy extends ProtocolError {}
export class Unauthenticated extends ProtocolError {}
export class Forbidden extends ProtocolError {}
export class TooLarge extends ProtocolError {}
export class UnknownOp extends ProtocolError {}
export class Overloaded extends ProtocolError {}
export class InternalError extends ProtocolError {}
/** `unavailable`: the fleet's store cannot be reached for this write; nothing changed. */
export class Unavailable extends ProtocolError {}
