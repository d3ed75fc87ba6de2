'use strict';
// A fake `tenet serve` on 127.0.0.1 whose timing the test chooses: requests
// about a "slow" principal are answered after `delayMs`. Answers stay in order
// on each connection, so an answer to a fast request waits behind a slow one,
// as on the real server. Every answer names its request:
// {"id": (echoed), "decision": "allow" for alice else "deny", "reasons": ["for:PRINCIPAL"]}.
// A client that resolves a call about bob with `for:alice` paired it with
// another request's answer. `stranger: true` answers every request with id 999.

const net = require('node:net');

class ScriptedServer {
  constructor({ delayMs = 1000, slowPrincipals = ['alice'], stranger = false } = {}) {
    this.delayMs = delayMs;
    this.slow = new Set(slowPrincipals);
    this.stranger = stranger;
    this.connections = new Set();
    this.timers = new Set();
    this.server = net.createServer((socket) => this.#serve(socket));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = { host: '127.0.0.1', port: this.server.address().port };
  }

  close() {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.connections) socket.destroy();
    return new Promise((resolve) => this.server.close(resolve));
  }

  #serve(socket) {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => {});
    let partial = '';
    let ready = Promise.resolve(); // answers in order: each waits for the one before
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines.filter((l) => l.trim() !== '')) {
        ready = ready.then(() => this.#answer(socket, line));
      }
    });
  }

  #answer(socket, line) {
    const request = JSON.parse(line);
    const principal = request.principal?.id ?? '';
    const answer = {};
    if (this.stranger) answer.id = 999;
    else if (request.id !== undefined) answer.id = request.id;
    if (request.op === 'hello' || request.op === 'health') Object.assign(answer, { ok: true, tenant: 'acme', version: 'scripted' });
    else Object.assign(answer, { decision: principal === 'alice' ? 'allow' : 'deny', reasons: [`for:${principal}`] });
    const delay = this.slow.has(principal) ? this.delayMs : 0;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
        resolve();
      }, delay);
      this.timers.add(timer);
    });
  }
}

module.exports = { ScriptedServer };
