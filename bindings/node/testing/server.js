'use strict';
// A real `tenet serve` for the tests: an ephemeral loopback port and a Unix
// socket, the shipped policies, optional tokens; stop/start/restart on the same
// endpoints. Every wait is bounded. TENET_BINARY and TENET_SOURCE_DIR come from
// ctest (defaults: the checkout around this file and its build/tenet).

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const sourceDir = process.env.TENET_SOURCE_DIR ?? path.resolve(__dirname, '../../..');
const binary = process.env.TENET_BINARY ?? path.join(sourceDir, 'build', 'tenet');
const startTimeoutMs = 20000;

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

class TenetServer {
  constructor({ withTokens = false, extraArgs = [], policies = path.join(sourceDir, 'policies') } = {}) {
    this.extraArgs = extraArgs;
    this.policies = policies;
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tenet-node-test-'));
    this.unixPath = path.join(this.directory, 'tenet.sock');
    this.port = 0;
    this.process = null;
    this.tokens = null;
    if (withTokens) {
      this.tokens = {
        acmeCheck: crypto.randomBytes(32).toString('hex'),
        acmeAdmin: crypto.randomBytes(32).toString('hex'),
        globalAdmin: crypto.randomBytes(32).toString('hex'),
      };
      fs.writeFileSync(path.join(this.directory, 'tokens'), [
        `${sha256(this.tokens.acmeCheck)} acme check`,
        `${sha256(this.tokens.acmeAdmin)} acme check,admin`,
        `${sha256(this.tokens.globalAdmin)} * check,admin`,
        '',
      ].join('\n'));
    }
  }

  get tcpAddress() {
    return `127.0.0.1:${this.port}`;
  }

  // Starts (again, on the same port and socket) and resolves once both listen.
  start() {
    const args = ['serve', this.policies, '--listen', `127.0.0.1:${this.port}`, '--unix', this.unixPath,
      '--state', path.join(this.directory, 'features.state')];
    if (this.tokens) args.push('--tokens', path.join(this.directory, 'tokens'));
    args.push(...this.extraArgs);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    let text = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`tenet serve did not listen within ${startTimeoutMs} ms: ${text}`));
      }, startTimeoutMs);
      let listening = 0;
      const onOutput = (chunk) => {
        text += chunk;
        const lines = text.split('\n');
        listening = 0;
        for (const line of lines) {
          let event;
          try {
            event = JSON.parse(line);
          } catch {
            continue;
          }
          if (event?.event !== 'listening') continue;
          ++listening;
          if (typeof event.address === 'string') this.port = Number(event.address.slice(event.address.lastIndexOf(':') + 1));
        }
        if (listening >= 2) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stderr.setEncoding('utf8').on('data', onOutput);
      child.stdout.setEncoding('utf8').on('data', onOutput);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tenet serve exited with ${code}: ${text}`));
      });
    });
  }

  // SIGTERM, SIGKILL after 10 s.
  stop() {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  // SIGKILL: a crash, with no drain; requests in flight get no answer.
  kill() {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async close() {
    await this.stop();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

module.exports = { TenetServer, sourceDir, binary };
