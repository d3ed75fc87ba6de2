'use strict';
// tenet: a promise-based client for the tenet decision server (docs/PROTOCOL.md).
// No dependencies beyond node:net. See index.d.ts for the types.

const { Client } = require('./lib/client');
const errors = require('./lib/errors');

module.exports = {
  Client,
  TenetError: errors.TenetError,
  TenetConnectionError: errors.TenetConnectionError,
  TenetTimeout: errors.TenetTimeout,
  ProtocolError: errors.ProtocolError,
  BadJson: errors.BadJson,
  BadRequest: errors.BadRequest,
  InvalidRequest: errors.InvalidRequest,
  InvalidPolicy: errors.InvalidPolicy,
  Unauthenticated: errors.Unauthenticated,
  Forbidden: errors.Forbidden,
  TooLarge: errors.TooLarge,
  UnknownOp: errors.UnknownOp,
  Overloaded: errors.Overloaded,
  InternalError: errors.InternalError,
  Unavailable: errors.Unavailable,
  formatDiagnostic: errors.formatDiagnostic,
};
