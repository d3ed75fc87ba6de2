'use strict';
// The promise-based tenet client. Every request goes over one connection and
// many may be in flight at once (pipelining): `Promise.all` over a thousand
// checks costs one write and one read loop, not a thousand round trips.
//
// Reconnect: a lost connection fails the requests in flight with
// TenetConnectionError (their answers are lost; the caller decides whether to
// retry). The next request connects again: up to `reconnect.attempts` tries,
// pausing `reconnect.initialDelay` ms then doubling up to `reconnect.maxDelay`,
// and sends `hello` again when the client has a token. Requests made while it
// connects wait for that one attempt.
//
// Every call takes an optional `{ signal }` (an AbortSignal): an aborted call
// rejects with the signal's reason, and its answer, when it comes, is dropped;
// the calls behind it still get their own answers (ids are checked).
//
// TLS: off unless the `tls` option is given (`true`, or { caFile, certFile,
// keyFile, serverName }): then TLS 1.2+ with the server's certificate
// verified; a refused certificate rejects at once (no retries) saying why. A
// client certificate (mutual TLS) binds the session to its tenant: the client
// says `hello` (without a token) to learn it.

const { Connection, tlsConnectOptions } = require('./connection');
const wire = require('./wire');
const { TenetConnectionError } = require('./errors');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Per decision op, the function that turns an answer line into its typed answer.
const decoders = Object.fromEntries(
  ['check', 'transition', 'subscribe', 'plans', 'features', 'lifecycle'].map((op) => [op, (line) => wire.decodeAnswer(op, line)]),
);

class Client {
  #endpoint;
  #options;
  #connection = null;
  #connecting = null;
  #tls;

  constructor(address, options = {}) {
    this.#endpoint = wire.parseAddress(address);
    this.#tls = tlsConnectOptions(options.tls, this.#endpoint);
    this.token = options.token;
    this.tenant = options.tenant;
    this.session = null;
    this.#options = {
      timeout: options.timeout ?? 5000,
      connectTimeout: options.connectTimeout ?? 2000,
      attempts: Math.max(1, options.reconnect?.attempts ?? 3),
      initialDelay: options.reconnect?.initialDelay ?? 50,
      maxDelay: options.reconnect?.maxDelay ?? 1000,
    };
  }

  get connected() {
    return this.#connection !== null && !this.#connection.lost;
  }

  async connect() {
    await this.#ensureConnection();
  }

  close() {
    const connection = this.#connection;
    this.#connection = null;
    if (connection) connection.close();
  }

  // ------------------------------------------------------ decision requests

  check(request, options) {
    return this.#decide('check', request, options?.signal);
  }

  transition(request, options) {
    return this.#decide('transition', request, options?.signal);
  }

  subscribe(request, options) {
    return this.#decide('subscribe', request, options?.signal);
  }

  plans(request, options) {
    return this.#decide('plans', request, options?.signal);
  }

  features(request, options) {
    return this.#decide('features', request, options?.signal);
  }

  lifecycle(request, options) {
    return this.#decide('lifecycle', request, options?.signal);
  }

  // One `batch` request; items are `{op, ...request}`. Refused items come back
  // with `error` set (and a deny) instead of rejecting the whole batch.
  async batch(requests, options) {
    if (this.tenant === undefined && !this.connected) await this.connect(); // hello may name the tenant
    const ops = requests.map((item) => item.op);
    const items = requests.map((item) => wire.decisionLine(item.op, item, this.tenant));
    const connection = this.connected ? this.#connection : await this.#ensureConnection();
    const line = `{"op":"batch","requests":[${items.join(',')}]}`;
    return wire.batchAnswers(ops, await connection.send(line, wire.parseAnswer, options?.signal));
  }

  // ------------------------------------------- session and administration

  async hello(token) {
    this.token = token;
    if (!this.connected) {
      await this.#ensureConnection();
      return this.session;
    }
    return this.#hello(this.#connection);
  }

  async health() {
    const answer = wire.raiseIfError(await this.request({ op: 'health' }));
    return {
      ok: answer.ok === true,
      policyVersion: answer.policy_version,
      platformRevision: answer.platform_revision ?? 0,
      units: { served: answer.units?.served ?? 0, unavailable: answer.units?.unavailable ?? [] },
    };
  }

  async stats() {
    return wire.raiseIfError(await this.request({ op: 'stats' }));
  }

  async reload({ allowRemoval = false } = {}) {
    const answer = wire.raiseIfError(await this.request({ op: 'reload', allow_removal: allowRemoval }));
    return {
      policyVersion: answer.policy_version,
      platform: answer.platform,
      platformRevision: answer.platform_revision,
      units: wire.unitOutcomes(answer.units),
      removedTenants: answer.removed_tenants ?? [],
    };
  }

  async setFeature({ tenant, feature, state }) {
    if (tenant === undefined && !this.connected) await this.connect(); // hello may name the tenant
    const target = tenant ?? this.tenant;
    if (!target) throw new TypeError('no tenant: pass `tenant` or give the client one');
    wire.raiseIfError(await this.request({ op: 'set_feature', tenant: target, feature, state }));
  }

  // ------------------------------------------------- partner policy units

  // Replaces the tenant's unit with `source` (its whole text): a new revision, served
  // by every request after the answer; `dryRun` only says what would change.
  async putPolicy({ tenant, source, dryRun = false }) {
    const target = await this.#policyTenant(tenant);
    return wire.policyPut(await this.request({ op: 'put_policy', tenant: target, source, dry_run: dryRun }));
  }

  async getPolicy({ tenant } = {}) {
    const target = await this.#policyTenant(tenant);
    const answer = wire.raiseIfError(await this.request({ op: 'get_policy', tenant: target }));
    return { tenant: answer.tenant, revision: answer.revision, path: answer.path, hash: answer.hash, source: answer.source };
  }

  // The kept revisions, newest first.
  async policyHistory({ tenant } = {}) {
    const target = await this.#policyTenant(tenant);
    const answer = wire.raiseIfError(await this.request({ op: 'policy_history', tenant: target }));
    return {
      tenant: answer.tenant,
      revisions: (answer.revisions ?? []).map(({ revision, time, actor, hash }) => ({ revision, time, actor, hash })),
    };
  }

  // The source of `revision` becomes a new revision (InvalidRequest if it is not kept).
  async rollback({ tenant, revision }) {
    const target = await this.#policyTenant(tenant);
    return wire.policyPut(await this.request({ op: 'rollback', tenant: target, revision }));
  }

  // Sends any protocol object; resolves with the decoded answer, errors included.
  // Without an `id` the client numbers the request (and checks the answer's);
  // an `id` of the caller's is sent as is and echoed back.
  async request(object, options) {
    if (object !== null && typeof object === 'object' && object.id !== undefined) return this.sendLine(JSON.stringify(object), options);
    const connection = this.connected ? this.#connection : await this.#ensureConnection();
    return connection.send(JSON.stringify(object), wire.parseAnswer, options?.signal);
  }

  // Sends one raw request line as is (for tests and tools); resolves with the decoded answer.
  async sendLine(line, options) {
    const connection = this.connected ? this.#connection : await this.#ensureConnection();
    return connection.sendRaw(line.replace(/\n+$/, ''), wire.parseAnswer, options?.signal);
  }

  // ------------------------------------------------------------- internals

  async #policyTenant(tenant) {
    if (tenant === undefined && !this.connected) await this.connect(); // hello may name the tenant
    const target = tenant ?? this.tenant;
    if (!target) throw new TypeError('no tenant: pass `tenant` or give the client one');
    return target;
  }

  // The hot path: no async function, one promise per request (Connection.send's).
  #decide(op, request, signal) {
    if (this.connected) {
      let line;
      try {
        line = wire.decisionLine(op, request, this.tenant);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.#connection.send(line, decoders[op], signal);
    }
    // Connect first: `hello` may be what tells the client its tenant.
    return this.#ensureConnection().then((connection) => connection.send(wire.decisionLine(op, request, this.tenant), decoders[op], signal));
  }

  #ensureConnection() {
    if (this.connected) return Promise.resolve(this.#connection);
    if (this.#connecting === null) {
      this.#connecting = this.#connectWithRetries().finally(() => {
        this.#connecting = null;
      });
    }
    return this.#connecting;
  }

  async #connectWithRetries() {
    this.#connection = null;
    let delay = this.#options.initialDelay;
    for (let attempt = 1; ; ++attempt) {
      try {
        const connection = await Connection.open(this.#endpoint, this.#options.connectTimeout, this.#options.timeout, this.#tls);
        // A token, or a client certificate (the server binds the session to its tenant).
        if (this.token !== undefined || this.#tls?.cert !== undefined) {
          try {
            await this.#hello(connection);
          } catch (error) {
            connection.close();
            throw error;
          }
        }
        this.#connection = connection;
        return connection;
      } catch (error) {
        if (!(error instanceof TenetConnectionError) || attempt >= this.#options.attempts || error.retryable === false) {
          if (error instanceof TenetConnectionError && error.retryable !== false) {
            throw new TenetConnectionError(`${error.message} (${attempt} attempts)`, { cause: error });
          }
          throw error;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, this.#options.maxDelay);
      }
    }
  }

  async #hello(connection) {
    const hello = this.token === undefined ? { op: 'hello' } : { op: 'hello', token: this.token };
    const answer = wire.raiseIfError(await connection.send(JSON.stringify(hello), wire.parseAnswer));
    this.session = { tenant: answer.tenant ?? null, version: answer.version };
    if (this.tenant === undefined && this.session.tenant !== null) this.tenant = this.session.tenant;
    return this.session;
  }
}

module.exports = { Client };
