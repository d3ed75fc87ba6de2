'use strict';
// TLS and mutual TLS against a real `tenet serve --tls-cert ...`, with a
// throw-away PKI (tests/support/test_pki.sh).

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const tenet = require('..');
const { TenetServer } = require('../testing/server');
const { alice, alicesDoc, bobsDoc } = require('../testing/acme');

const { Client, Forbidden, TenetConnectionError } = tenet;
const sourceDir = process.env.TENET_SOURCE_DIR ?? path.resolve(__dirname, '../../..');
const cedarDoc = { type: 'document', id: 'c1', tenant: 'cedar', attrs: { owner: 'alice', locked: false, classification: 'internal' } };

const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'tenet-node-pki-'));
execFileSync(path.join(sourceDir, 'tests/support/test_pki.sh'), [pki], { timeout: 60000 });
test.after(() => fs.rmSync(pki, { recursive: true, force: true }));
const file = (name) => path.join(pki, name);
const serverTls = ['--tls-cert', file('server.pem'), '--tls-key', file('server.key')];
const ca = (name = 'ca.pem') => ({ caFile: file(name) });
const acme = { caFile: file('ca.pem'), certFile: file('acme.pem'), keyFile: file('acme.key') };

// The error a client gets, within `boundMs`.
async function refusal(address, options, boundMs = 5000) {
  const client = new Client(address, { tenant: 'acme', timeout: 2000, connectTimeout: 2000, ...options });
  const started = Date.now();
  try {
    await client.check({ principal: alice, action: 'read', resource: alicesDoc });
    assert.fail('the call must fail');
  } catch (error) {
    assert.ok(error instanceof TenetConnectionError, `${error}`);
    assert.ok(Date.now() - started < boundMs, `took ${Date.now() - started} ms`);
    return error.message;
  } finally {
    client.close();
  }
}

test('TLS, verified', async (t) => {
  const server = new TenetServer({ extraArgs: serverTls });
  await server.start();
  t.after(() => server.close());

  await t.test('a check over TLS, by IP and by name', async () => {
    for (const address of [server.tcpAddress, `localhost:${server.port}`]) {
      const client = new Client(address, { tenant: 'acme', tls: ca() });
      try {
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        const many = await Promise.all(Array.from({ length: 50 }, () => client.check({ principal: alice, action: 'read', resource: bobsDoc })));
        assert.ok(many.every((d) => d.allowed === false));
      } finally {
        client.close();
      }
    }
  });

  await t.test('a wrong CA, the system CAs, a wrong name: refused at once, saying why', async () => {
    const wrongCa = await refusal(server.tcpAddress, { tls: ca('other-ca.pem') }, 1500);
    assert.match(wrongCa, /TLS handshake with .* failed: unable to (verify the first certificate|get local issuer certificate)/);
    assert.match(await refusal(server.tcpAddress, { tls: true }, 1500), /TLS handshake/);
    const wrongName = await refusal(server.tcpAddress, { tls: { ...ca(), serverName: 'tenet.example' } }, 1500);
    assert.match(wrongName, /tenet\.example/);
  });

  await t.test('plaintext to the TLS port fails within the timeout', async () => {
    await refusal(server.tcpAddress, {});
  });

  await t.test('bad options fail the constructor', () => {
    assert.throws(() => new Client(server.unixPath, { tls: true }), TypeError);
    assert.throws(() => new Client(server.tcpAddress, { tls: ca('nope.pem') }), /ENOENT/);
    assert.throws(() => new Client(server.tcpAddress, { tls: { certFile: file('acme.pem') } }), TypeError);
  });

  await t.test('TLS to a plaintext port fails clearly', async () => {
    const plain = new TenetServer();
    await plain.start();
    try {
      assert.match(await refusal(plain.tcpAddress, { tls: ca() }), /TLS handshake/);
    } finally {
      await plain.close();
    }
  });
});

test('mutual TLS binds the tenant of the certificate', async (t) => {
  const server = new TenetServer({ extraArgs: [...serverTls, '--tls-client-ca', file('ca.pem')] });
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.tcpAddress, { tls: acme });
  try {
    await client.connect();
    assert.equal(client.session.tenant, 'acme');
    assert.equal(client.tenant, 'acme');
    assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
    await assert.rejects(client.check({ principal: alice, action: 'read', resource: cedarDoc, tenant: 'cedar' }), Forbidden);
  } finally {
    client.close();
  }
  // Without a certificate the server refuses: an error, no hang.
  await refusal(server.tcpAddress, { tls: ca() });
});
