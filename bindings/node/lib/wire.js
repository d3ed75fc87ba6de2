'use strict';
// Requests and answers of docs/PROTOCOL.md: addresses, request objects, typed answers.
// No sockets here, so it can be tested and reused on its own.

const { protocolError, diagnosticsOf, ProtocolError, TenetConnectionError } = require('./errors');

// "host:port", "unix:/path", or a path containing "/" (a Unix socket).
function parseAddress(address) {
  if (typeof address === 'object' && address !== null) {
    if (typeof address.path === 'string') return { path: address.path };
    return { host: address.host ?? '127.0.0.1', port: Number(address.port) };
  }
  if (typeof address !== 'string') throw new TenetConnectionError(`bad address ${String(address)}`);
  if (address.startsWith('unix:')) return { path: address.slice(5) };
  if (address.includes('/')) return { path: address };
  const colon = address.lastIndexOf(':');
  const port = address.slice(colon + 1);
  if (colon < 0 || !/^\d+$/.test(port)) {
    throw new TenetConnectionError(`bad address "${address}": expected HOST:PORT or a Unix socket path`);
  }
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(port) };
}

function describe(endpoint) {
  return endpoint.path ?? `${endpoint.host}:${endpoint.port}`;
}

// The fields each decision op carries besides tenant, principal and context.
const decisionFields = {
  check: ['action', 'resource', 'explain'],
  transition: ['to'],
  subscribe: ['plan'],
  plans: [],
  features: [],
  lifecycle: ['resource', 'to'],
};

// The JSON line (without newline) of a decision request `{principal, ...}` for
// `op`. The tenant defaults to the client's, and a resource without a tenant
// gets the request's. One JSON.stringify of a flat wrapper object: measured
// faster than assembling the line from separately stringified pieces.
function decisionLine(op, request, defaultTenant) {
  const fields = decisionFields[op];
  if (fields === undefined) throw new TypeError(`not a decision op: ${op}`);
  const tenant = request.tenant ?? defaultTenant;
  if (!tenant) throw new TypeError('no tenant: pass `tenant` in the request or to the client');
  const wire = { op, tenant, principal: request.principal };
  for (const name of fields) {
    let value = request[name];
    if (value === undefined || (name === 'explain' && !value)) continue;
    if (name === 'resource' && value !== null && typeof value === 'object' && value.tenant === undefined) {
      value = { tenant, ...value };
    }
    wire[name] = value;
  }
  if (request.context !== undefined) wire.context = request.context;
  return JSON.stringify(wire);
}

// A decision answer; `error` only in batch results (then allowed is false).
function decision(response, raiseErrors) {
  if (response.error != null) {
    const error = protocolError(response.error, response);
    if (raiseErrors) throw error;
    return { allowed: false, reasons: response.reasons ?? [], unmet: [], errors: [], error };
  }
  const answer = {
    allowed: response.decision === 'allow',
    reasons: response.reasons ?? [],
    unmet: response.unmet ?? [],
    errors: response.errors ?? [],
  };
  if (response.trace !== undefined) answer.trace = response.trace;
  if (Number.isInteger(response.revision)) answer.revision = response.revision;
  return answer;
}

// The typed answer to decision op `op`: plans/features give their names.
function answerOf(op, response, raiseErrors) {
  if (op === 'plans' || op === 'features') {
    if (response.error != null) {
      const error = protocolError(response.error, response);
      if (raiseErrors) throw error;
      return { names: [], error };
    }
    return raiseErrors ? response[op] ?? [] : { names: response[op] ?? [] };
  }
  return decision(response, raiseErrors);
}

function parseAnswer(line) {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new ProtocolError('internal', `the server sent a line that is not JSON: ${error.message}`);
  }
}

// Answers repeat (the same decision with the same reasons, over and over): the
// last distinct short lines are memoised per op (answers are frozen, so sharing
// one is safe), and a repeated answer costs one Map lookup instead of a parse.
const memoLines = 4096;
const memoLineLength = 512;
const memo = new Map(Object.keys(decisionFields).map((op) => [op, new Map()]));

function deepFreeze(answer) {
  for (const value of Object.values(answer)) if (typeof value === 'object' && value !== null) Object.freeze(value);
  return Object.freeze(answer);
}

// The typed answer to decision op `op` from its line; a refused request throws.
function decodeAnswer(op, line) {
  const byLine = memo.get(op);
  const hit = byLine.get(line);
  if (hit !== undefined) return hit;
  const answer = deepFreeze(answerOf(op, parseAnswer(line), true));
  if (line.length <= memoLineLength && answer.trace === undefined) {
    if (byLine.size >= memoLines) byLine.clear();
    byLine.set(line, answer);
  }
  return answer;
}

function raiseIfError(response) {
  if (response.error != null) throw protocolError(response.error, response);
  return response;
}

// The answer to put_policy and rollback; a refused unit throws InvalidPolicy (with `diagnostics`).
function policyPut(response) {
  raiseIfError(response);
  const changes = response.changes ?? {};
  return {
    tenant: response.tenant,
    revision: response.revision,
    path: response.path,
    dryRun: response.dry_run === true,
    changes: { added: changes.added ?? [], removed: changes.removed ?? [], changed: changes.changed ?? [] },
    diagnostics: diagnosticsOf(response.diagnostics),
  };
}

// A reload's per-unit outcomes (units that changed or were refused).
function unitOutcomes(units) {
  if (!Array.isArray(units)) return [];
  return units.map((unit) => {
    const outcome = { tenant: unit.tenant, outcome: unit.outcome, revision: unit.revision };
    if (unit.message !== undefined) outcome.message = unit.message;
    if (unit.diagnostics !== undefined) outcome.diagnostics = unit.diagnostics;
    return outcome;
  });
}

function batchAnswers(ops, response) {
  raiseIfError(response);
  if (!Array.isArray(response.results) || response.results.length !== ops.length) {
    throw new ProtocolError('internal', 'batch answer does not hold one result per request', response);
  }
  return response.results.map((item, i) => deepFreeze(answerOf(ops[i], item, false)));
}

module.exports = {
  parseAddress, describe, decisionLine, answerOf, parseAnswer, decodeAnswer, raiseIfError, batchAnswers, policyPut, unitOutcomes,
};
