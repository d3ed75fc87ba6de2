// One load client for both decision servers, so their figures share the
// client's costs: `tenet serve` (newline-delimited JSON over TCP,
// docs/PROTOCOL.md) and the Cerbos PDP (HTTP/1.1 keep-alive, POST
// /api/check/resources). Both are spoken over plain sockets with the least
// parsing each needs (Node's http module would cost Cerbos's side more).
//
//   node load_client.mjs --protocol tenet|cerbos --port P --requests FILE
//        [--decisions OUT] [--connections C] [--rtt-seconds S] [--throughput-seconds S]
//
// FILE holds one request per line: a tenet `check` line, or a Cerbos request
// body. Three passes, each bounded in time:
//   1. every request once (C connections): the decisions, to OUT
//   2. RTT: one connection, one request at a time, each timed
//   3. throughput: C connections, each one request in flight, back to back
// Prints one JSON line: rtt_p50_us, rtt_p99_us, decisions_per_s, errors...
// 127.0.0.1 only.
import fs from 'node:fs';
import net from 'node:net';
import { latencySummary, nowNs, parseArgs, readLines } from './measure.mjs';

const { options } = parseArgs(process.argv.slice(2));
const protocol = options.protocol;
const port = Number(options.port);
const connections = Number(options.connections ?? 8);
const rttSeconds = Number(options['rtt-seconds'] ?? 3);
const throughputSeconds = Number(options['throughput-seconds'] ?? 3);
const lines = readLines(options.requests);
const HOST = '127.0.0.1';
const VERIFY_BUDGET_NS = 120n * 1_000_000_000n;  // pass 1 gives up after two minutes

// The bytes to send for request i, and how to read a decision from its answer.
const wire =
  protocol === 'tenet'
    ? {
        payloads: lines.map((line) => Buffer.from(line + '\n')),
        decision: (_i, body) => JSON.parse(body).decision,
      }
    : {
        payloads: lines.map((body) =>
          Buffer.from(
            `POST /api/check/resources HTTP/1.1\r\nHost: ${HOST}:${port}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          ),
        ),
        actions: lines.map((body) => JSON.parse(body).resources[0].actions[0]),
        decision(i, body) {
          const effect = JSON.parse(body).results?.[0]?.actions?.[this.actions[i]];
          return effect === 'EFFECT_ALLOW' ? 'allow' : effect === 'EFFECT_DENY' ? 'deny' : 'error';
        },
      };

// One connection, one request in flight. `take(buffer)` finds a whole
// response at the front of the buffer: [body, bytes used] or null.
function takeLine(buffer) {
  const end = buffer.indexOf(10);
  return end < 0 ? null : [buffer.subarray(0, end).toString(), end + 1];
}

function takeHttp(buffer) {
  const headerEnd = buffer.indexOf('\r\n\r\n');
  if (headerEnd < 0) return null;
  const head = buffer.subarray(0, headerEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const length = head.match(/\r\ncontent-length:\s*(\d+)/i);
  if (length) {
    const total = headerEnd + 4 + Number(length[1]);
    if (buffer.length < total) return null;
    const body = buffer.subarray(headerEnd + 4, total).toString();
    return [status === 200 ? body : `{"http_status":${status}}`, total];
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error(`cerbos: unframed response: ${head}`);
  let offset = headerEnd + 4;
  const chunks = [];
  for (;;) {
    const sizeEnd = buffer.indexOf('\r\n', offset);
    if (sizeEnd < 0) return null;
    const size = parseInt(buffer.subarray(offset, sizeEnd).toString('latin1'), 16);
    if (buffer.length < sizeEnd + 2 + size + 2) return null;
    if (size === 0) return [status === 200 ? Buffer.concat(chunks).toString() : `{"http_status":${status}}`, sizeEnd + 4];
    chunks.push(buffer.subarray(sizeEnd + 2, sizeEnd + 2 + size));
    offset = sizeEnd + 2 + size + 2;
  }
}

class Connection {
  static open() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: HOST, port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.pending = null;
    this.take = protocol === 'tenet' ? takeLine : takeHttp;
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
      const whole = this.take(this.buffer);
      if (whole && this.pending) {
        this.buffer = this.buffer.subarray(whole[1]);
        const { resolve } = this.pending;
        this.pending = null;
        resolve(whole[0]);
      }
    });
    socket.on('error', (error) => this.pending?.reject(error));
    socket.on('close', () => this.pending?.reject(new Error('connection closed by the server')));
  }

  send(i) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(wire.payloads[i]);
    });
  }

  close() {
    this.socket.destroy();
  }
}

async function openAll(count) {
  return Promise.all(Array.from({ length: count }, () => Connection.open()));
}

// Pass 1: every request once, spread over the connections.
async function verify() {
  const decisions = new Array(lines.length);
  const pool = await openAll(connections);
  const deadline = nowNs() + VERIFY_BUDGET_NS;
  let next = 0;
  await Promise.all(
    pool.map(async (connection) => {
      while (next < lines.length && nowNs() < deadline) {
        const i = next++;
        decisions[i] = wire.decision(i, await connection.send(i));
      }
    }),
  );
  pool.forEach((c) => c.close());
  return decisions;
}

async function rtt() {
  const [connection] = await openAll(1);
  const latencies = [];
  const deadline = nowNs() + BigInt(Math.round(rttSeconds * 1e9));
  for (let i = 0; latencies.length < 200000 && nowNs() < deadline; i = (i + 1) % lines.length) {
    const t = nowNs();
    await connection.send(i);
    latencies.push(Number(nowNs() - t));
  }
  connection.close();
  return latencySummary(latencies);
}

async function throughput() {
  const pool = await openAll(connections);
  const start = nowNs();
  const deadline = start + BigInt(Math.round(throughputSeconds * 1e9));
  let count = 0;
  await Promise.all(
    pool.map(async (connection, k) => {
      // Each connection starts at its own place in the requests.
      for (let i = (k * 997) % lines.length; nowNs() < deadline; i = (i + 1) % lines.length) {
        await connection.send(i);
        count++;
      }
    }),
  );
  const elapsed = Number(nowNs() - start) / 1e9;
  pool.forEach((c) => c.close());
  return { decisions_per_s: count / elapsed, calls: count };
}

const decisions = await verify();
if (options.decisions) fs.writeFileSync(options.decisions, decisions.map((d) => d ?? 'none').join('\n') + '\n');
const latency = await rtt();
const load = await throughput();
console.log(
  JSON.stringify({
    protocol,
    rtt_p50_us: latency.p50_us,
    rtt_p99_us: latency.p99_us,
    rtt_calls: latency.calls,
    decisions_per_s: load.decisions_per_s,
    throughput_calls: load.calls,
    connections,
    answered: decisions.filter((d) => d === 'allow' || d === 'deny').length,
  }),
);
