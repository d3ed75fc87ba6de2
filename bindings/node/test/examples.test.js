'use strict';
// Runs the README's Node example against a real server and checks what it prints.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');

const { TenetServer } = require('../testing/server');

const example = path.join(__dirname, '..', 'examples', 'acme.js');
const expected = 'alice reads d1: allow ["acme:owner-reads"]\ngus becomes basic: deny ["principal.kyc == \\"verified\\""]\n';

function runExample(address, token) {
  const env = { ...process.env };
  if (token) env.TENET_TOKEN = token;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [example, address], { env, timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test('the acme example, over TCP and a Unix socket', async (t) => {
  const server = new TenetServer();
  await server.start();
  t.after(() => server.close());
  assert.equal(await runExample(server.tcpAddress), expected);
  assert.equal(await runExample(server.unixPath), expected);
});

test('the acme example with a token', async (t) => {
  const server = new TenetServer({ withTokens: true });
  await server.start();
  t.after(() => server.close());
  assert.equal(await runExample(server.tcpAddress, server.tokens.acmeCheck), expected);
});

test('the README quotes the example as it is', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  assert.ok(readme.includes(`\`\`\`js\n${fs.readFileSync(example, 'utf8')}\`\`\``), 'bindings/README.md must quote examples/acme.js verbatim');
  assert.ok(readme.includes(expected));
});
