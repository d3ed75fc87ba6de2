'use strict';
// Errors of the tenet Node client. Every error is a TenetError. A request the
// server refused is a ProtocolError whose `code` is a docs/PROTOCOL.md error code;
// common codes have their own subclasses (Forbidden, Unauthenticated...), so
// callers test with `instanceof` instead of comparing strings. A broken or
// unreachable connection is a TenetConnectionError (TenetTimeout when nothing
// came back in time); the client reconnects on the next request.

class TenetError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}

class TenetConnectionError extends TenetError {}

class TenetTimeout extends TenetConnectionError {}

// One finding about a policy unit, as `tenet check` prints it.
function diagnosticOf(item) {
  return {
    file: String(item?.file ?? ''),
    line: Number(item?.line ?? 0),
    column: Number(item?.column ?? 0),
    severity: String(item?.severity ?? ''),
    code: String(item?.code ?? ''),
    message: String(item?.message ?? ''),
  };
}

// The structured `diagnostics` array of a put_policy/rollback answer (anything else: none).
function diagnosticsOf(value) {
  return Array.isArray(value) ? value.filter((item) => item !== null && typeof item === 'object').map(diagnosticOf) : [];
}

// FILE:LINE:COL: severity: message, as `tenet check` prints it.
function formatDiagnostic(d) {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

class ProtocolError extends TenetError {
  constructor(code, message, response) {
    super(`${code}: ${message}`);
    this.code = code;
    this.serverMessage = message;
    this.response = response ?? {};
    // A refused put_policy/rollback: structured diagnostics; a refused reload: rendered text.
    const found = this.response.diagnostics;
    this.diagnostics = diagnosticsOf(found);
    this.diagnosticsText = typeof found === 'string' ? found : '';
  }
}

class BadJson extends ProtocolError {}
class BadRequest extends ProtocolError {}
// invalid_request: an attribute does not fit the schema, the action is not
// declared for the resource type in the tenant, or a reload failed.
class InvalidRequest extends ProtocolError {}
class InvalidPolicy extends ProtocolError {}
class Unauthenticated extends ProtocolError {}
class Forbidden extends ProtocolError {}
class TooLarge extends ProtocolError {}
class UnknownOp extends ProtocolError {}
class Overloaded extends ProtocolError {}
class InternalError extends ProtocolError {}
/** `unavailable`: the fleet's store cannot be reached for this write; nothing changed. */
class Unavailable extends ProtocolError {}

const byCode = {
  bad_json: BadJson,
  bad_request: BadRequest,
  invalid_request: InvalidRequest,
  invalid_policy: InvalidPolicy,
  unauthenticated: Unauthenticated,
  forbidden: Forbidden,
  too_large: TooLarge,
  unknown_op: UnknownOp,
  overloaded: Overloaded,
  internal: InternalError,
  unavailable: Unavailable,
};

// The exception for a response's `error` member (unknown codes stay ProtocolError).
function protocolError(error, response) {
  const code = typeof error?.code === 'string' ? error.code : 'internal';
  const message = typeof error?.message === 'string' ? error.message : `malformed error member: ${JSON.stringify(error)}`;
  const Type = byCode[code] ?? ProtocolError;
  return new Type(code, message, response);
}

module.exports = {
  TenetError, TenetConnectionError, TenetTimeout, ProtocolError,
  BadJson, BadRequest, InvalidRequest, InvalidPolicy, Unauthenticated, Forbidden, TooLarge, UnknownOp, Overloaded, InternalError, Unavailable,
  protocolError, diagnosticsOf, formatDiagnostic,
};
