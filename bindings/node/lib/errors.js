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

class ProtocolError extends TenetError {
  constructor(code, message, response) {
    super(`${code}: ${message}`);
    this.code = code;
    this.serverMessage = message;
    this.response = response ?? {};
  }
}

class BadJson extends ProtocolError {}
class BadRequest extends ProtocolError {}
class InvalidRequest extends ProtocolError {}
class Unauthenticated extends ProtocolError {}
class Forbidden extends ProtocolError {}
class TooLarge extends ProtocolError {}
class UnknownOp extends ProtocolError {}
class Overloaded extends ProtocolError {}
class InternalError extends ProtocolError {}

const byCode = {
  bad_json: BadJson,
  bad_request: BadRequest,
  invalid_request: InvalidRequest,
  unauthenticated: Unauthenticated,
  forbidden: Forbidden,
  too_large: TooLarge,
  unknown_op: UnknownOp,
  overloaded: Overloaded,
  internal: InternalError,
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
  BadJson, BadRequest, InvalidRequest, Unauthenticated, Forbidden, TooLarge, UnknownOp, Overloaded, InternalError,
  protocolError,
};
