'use strict';
// One socket to `tenet serve`: write buffers flushed once per event-loop turn,
// and the queue of requests waiting for their answer. The server answers in
// request order (docs/PROTOCOL.md), so each line read settles the oldest waiting
// request, and every request the client encodes carries an id its answer must
// echo: an answer out of step destroys the connection and fails the requests
// in flight (a call never resolves with another request's answer). A request
// aborted by its AbortSignal rejects at once but keeps its place in the queue;
// its answer is dropped when it arrives. One timer watches the oldest request:
// when it has waited `timeout` ms the connection is destroyed and every
// request in flight fails with TenetTimeout. When the socket closes, requests
// in flight fail with TenetConnectionError: their answers are lost.

const net = require('node:net');
const tls = require('node:tls');
const { TenetConnectionError, TenetTimeout } = require('./errors');
const { describe } = require('./wire');

const identity = (line) => line;
const minBufferSize = 16 * 1024;
const maxBufferSize = 4 * 1024 * 1024;

class Connection {
  #socket;
  #name;
  #timeout;
  #waiting = []; // {resolve, reject, decode, sentAt, id, settled}; consumed from #head
  #nextId = 1;
  #head = 0;
  #chunks = []; // filled Buffers waiting for the next flush
  #buffer = null; // the Buffer being filled, up to #used
  #used = 0;
  #bufferSize = minBufferSize; // sized after the last flush, so a steady pipeline fills one Buffer per turn
  #flushScheduled = false;
  #partial = '';
  #watchdog = null;
  lost = null;

  constructor(socket, name, timeout) {
    this.#socket = socket;
    this.#name = name;
    this.#timeout = timeout;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(new TenetConnectionError(`connection to ${name} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.#fail(new TenetConnectionError(`connection to ${name} lost`)));
  }

  // Opens a connection within `connectTimeout` ms (the TLS handshake
  // included, with `tlsOptions` from tlsConnectOptions()).
  static open(endpoint, connectTimeout, timeout, tlsOptions = null) {
    const name = describe(endpoint);
    return new Promise((resolve, reject) => {
      let socket;
      if (endpoint.path !== undefined) socket = net.connect({ path: endpoint.path });
      else if (tlsOptions !== null) socket = tls.connect({ host: endpoint.host, port: endpoint.port, ...tlsOptions });
      else socket = net.connect({ host: endpoint.host, port: endpoint.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TenetTimeout(`cannot connect to ${name} within ${connectTimeout} ms`));
      }, connectTimeout);
      let connected = false; // TCP up: an error after it is the TLS handshake's
      socket.once('connect', () => {
        connected = true;
      });
      socket.once(tlsOptions !== null ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        if (endpoint.path === undefined) socket.setNoDelay(true);
        resolve(new Connection(socket, name, timeout));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        if (tlsOptions !== null && connected) {
          // A certificate refused, a protocol mismatch: trying again gives the same answer.
          const failure = new TenetConnectionError(`TLS handshake with ${name} failed: ${error.message}`, { cause: error });
          failure.retryable = false;
          reject(failure);
          return;
        }
        reject(new TenetConnectionError(`cannot connect to ${name}: ${error.message}`, { cause: error }));
      });
    });
  }

  get inFlight() {
    return this.#waiting.length - this.#head;
  }

  // Queues one request (a JSON object, without newline), numbered; resolves
  // with `decode(answer line without the id)`, or rejects with what decode
  // throws. Decoding here, as the line arrives, saves every request a second
  // promise. An aborted `signal` rejects the call with its reason.
  send(line, decode = identity, signal = undefined) {
    const id = this.#nextId++;
    return this.#queue(`{"id":${id}${line.length > 2 ? ',' : ''}${line.slice(1)}`, decode, signal, id);
  }

  // Queues one raw request line as it is (no id is added or checked).
  sendRaw(line, decode = identity, signal = undefined) {
    return this.#queue(line, decode, signal, undefined);
  }

  #queue(line, decode, signal, id) {
    if (this.lost) return Promise.reject(this.lost);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, decode, sentAt: Date.now(), id, settled: false };
      if (signal !== undefined) this.#watchAbort(waiter, signal);
      this.#waiting.push(waiter);
      this.#append(line);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
      if (this.#watchdog === null) this.#watchdog = setTimeout(() => this.#checkOldest(), this.#timeout);
    });
  }

  close() {
    this.#fail(new TenetConnectionError('the client was closed'));
  }

  // The caller stops waiting; the request keeps its place, so the answers
  // behind it still pair up, and its own answer is dropped on arrival.
  #watchAbort(waiter, signal) {
    const onAbort = () => {
      if (waiter.settled) return;
      waiter.settled = true;
      waiter.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const { resolve, reject } = waiter;
    waiter.resolve = (value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    waiter.reject = (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    };
  }

  // Lines are written straight into Buffers as UTF-8 (measured several times
  // faster than joining them into one string and converting that).
  #append(line) {
    const room = line.length * 3 + 1; // the most UTF-8 bytes `line` and its newline can take
    if (this.#buffer === null || this.#buffer.length - this.#used < room) {
      this.#seal();
      this.#buffer = Buffer.allocUnsafe(Math.max(this.#bufferSize, room));
    }
    this.#used += this.#buffer.write(line, this.#used);
    this.#buffer[this.#used++] = 0x0a;
  }

  #seal() {
    if (this.#buffer !== null && this.#used > 0) this.#chunks.push(this.#buffer.subarray(0, this.#used));
    this.#buffer = null;
    this.#used = 0;
  }

  #flush() {
    this.#flushScheduled = false;
    this.#seal();
    const chunks = this.#chunks;
    this.#chunks = [];
    if (this.lost) return;
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    this.#bufferSize = Math.min(maxBufferSize, Math.max(minBufferSize, bytes + (bytes >> 2)));
    if (chunks.length === 1) {
      this.#socket.write(chunks[0]);
    } else if (chunks.length > 1) {
      this.#socket.cork();
      for (const chunk of chunks) this.#socket.write(chunk);
      this.#socket.uncork();
    }
  }

  #onData(chunk) {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop();
    for (const line of lines) {
      if (this.#head >= this.#waiting.length) {
        this.#fail(new TenetConnectionError(`${this.#name} sent more answers than requests`));
        return;
      }
      const waiter = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined;
      let own = line;
      if (waiter.id !== undefined) {
        own = answerTo(line, waiter.id);
        if (own === null) {
          const error = new TenetConnectionError(`${this.#name} sent an answer out of step (expected id ${waiter.id}): ${line.slice(0, 120)}`);
          if (!waiter.settled) waiter.reject(error);
          this.#fail(error);
          return;
        }
      }
      if (waiter.settled) continue; // aborted: nobody waits for this answer
      waiter.settled = true;
      let answer;
      try {
        answer = waiter.decode(own);
      } catch (error) {
        waiter.reject(error);
        continue;
      }
      waiter.resolve(answer);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }

  #checkOldest() {
    this.#watchdog = null;
    if (this.lost || this.inFlight === 0) return;
    const age = Date.now() - this.#waiting[this.#head].sentAt;
    if (age >= this.#timeout) {
      this.#fail(new TenetTimeout(`no answer from ${this.#name} within ${this.#timeout} ms`));
      return;
    }
    this.#watchdog = setTimeout(() => this.#checkOldest(), this.#timeout - age);
  }

  #fail(error) {
    if (!this.lost) this.lost = error;
    if (this.#watchdog !== null) {
      clearTimeout(this.#watchdog);
      this.#watchdog = null;
    }
    const waiting = this.#waiting;
    const head = this.#head;
    this.#waiting = [];
    this.#head = 0;
    this.#chunks = [];
    this.#buffer = null;
    this.#used = 0;
    for (let i = head; i < waiting.length; ++i) {
      if (waiting[i].settled) continue;
      waiting[i].settled = true;
      waiting[i].reject(this.lost);
    }
    this.#socket.destroy();
  }
}

// The answer `line` (without its id when `tenet serve` wrote it first), or null
// when it does not answer request `id`. Only a line the server could not read
// (bad_json, too_large) is answered without an id, and such an answer is an
// error, never a decision.
function answerTo(line, id) {
  const prefix = `{"id":${id}`;
  if (line.startsWith(prefix)) {
    const next = line[prefix.length];
    if (next === ',') return `{${line.slice(prefix.length + 1)}`;
    if (next === '}') return '{}';
  }
  let answer;
  try {
    answer = JSON.parse(line);
  } catch {
    return null;
  }
  if (answer === null || typeof answer !== 'object') return null;
  if (answer.id === id) return line; // not `tenet serve`'s layout (id first), but its answer
  return answer.id == null && answer.error !== null && typeof answer.error === 'object' ? line : null;
}

// Node's tls.connect() options for the client's `tls` option: `true`, or
// { caFile, certFile, keyFile, serverName }. TLS 1.2+, the server's
// certificate verified (the given CA, or Node's bundled and system CAs) for
// the address's host or `serverName`. Files are read here, once: a missing
// one fails the Client's constructor.
function tlsConnectOptions(option, endpoint) {
  if (option === undefined || option === null || option === false) return null;
  if (endpoint.path !== undefined) throw new TypeError(`TLS is for TCP addresses (host:port), not ${describe(endpoint)}`);
  const given = option === true ? {} : option;
  if (typeof given !== 'object') throw new TypeError('tls must be true or { caFile, certFile, keyFile, serverName }');
  if ((given.certFile === undefined) !== (given.keyFile === undefined)) {
    throw new TypeError('tls: a client certificate needs both certFile and keyFile');
  }
  const fs = require('node:fs');
  const options = { minVersion: 'TLSv1.2', rejectUnauthorized: true };
  if (given.caFile !== undefined) options.ca = fs.readFileSync(given.caFile);
  if (given.certFile !== undefined) {
    options.cert = fs.readFileSync(given.certFile);
    options.key = fs.readFileSync(given.keyFile);
  }
  const name = given.serverName ?? endpoint.host;
  if (net.isIP(name) === 0) {
    options.servername = name; // sent as SNI and checked against the DNS names
  } else if (given.serverName !== undefined) {
    // An IP address is not sent as SNI, and is checked against the IP SANs.
    options.checkServerIdentity = (_host, certificate) => tls.checkServerIdentity(name, certificate);
  }
  return options;
}

module.exports = { Connection, answerTo, tlsConnectOptions };
