'use strict';
// The Node client against a real `tenet serve` (TCP and Unix socket).

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');

const tenet = require('..');
const { TenetServer } = require('../testing/server');
const { alice, gus, alicesDoc, bobsDoc, secretDoc, globexDoc, signing } = require('../testing/acme');

const { Client } = tenet;

test('every op, over TCP and a Unix socket', async (t) => {
  const server = new TenetServer();
  await server.start();
  t.after(() => server.close());
  for (const address of [server.tcpAddress, server.unixPath]) {
    await t.test(address, async () => {
      const client = new Client(address, { tenant: 'acme' });
      try {
        const allowed = await client.check({ principal: alice, action: 'read', resource: alicesDoc });
        assert.equal(allowed.allowed, true);
        assert.deepEqual(allowed.reasons, ['acme:owner-reads']);
        assert.deepEqual((await client.check({ principal: alice, action: 'read', resource: bobsDoc })).reasons, ['no_permit']);
        assert.deepEqual((await client.check({ principal: alice, action: 'read', resource: globexDoc })).reasons, ['cross_tenant']);

        const failedClosed = await client.check({ principal: alice, action: 'read', resource: secretDoc });
        assert.equal(failedClosed.allowed, false);
        assert.deepEqual(failedClosed.errors.map((e) => e.rule), ['acme:secret-needs-mfa']);
        const explained = await client.check({ principal: alice, action: 'read', resource: secretDoc, context: { mfa: true }, explain: true });
        assert.equal(explained.allowed, true);
        assert.ok(Array.isArray(explained.trace) && explained.trace.length > 0);

        const denied = await client.transition({ principal: gus, to: 'basic' });
        assert.equal(denied.allowed, false);
        assert.deepEqual(denied.reasons, ['acme:kyc-verified']);
        assert.deepEqual(denied.unmet, ['principal.kyc == "verified"']);
        const verified = { ...gus, attrs: { ...gus.attrs, kyc: 'verified' } };
        assert.equal((await client.transition({ principal: verified, to: 'basic' })).allowed, true);

        assert.deepEqual((await client.subscribe({ principal: alice, plan: 'starter' })).reasons, ['acme:plan-starter']);
        assert.equal((await client.subscribe({ principal: alice, plan: 'pro' })).allowed, false);
        assert.deepEqual(await client.plans({ principal: alice }), ['starter']);
        const features = await client.features({ principal: alice });
        assert.ok(features.includes('statements'));
        assert.ok(!features.includes('trading'));
        assert.equal((await client.lifecycle({ principal: alice, resource: signing, to: 'signed' })).allowed, true);
        assert.deepEqual((await client.lifecycle({ principal: gus, resource: signing, to: 'signed' })).reasons, ['acme:sub-sign']);

        const batch = await client.batch([
          { op: 'check', principal: alice, action: 'read', resource: alicesDoc },
          { op: 'transition', principal: gus, to: 'basic' },
          { op: 'plans', principal: alice },
          { op: 'check', principal: alice, action: 'read', resource: { type: 'document', id: 'x', attrs: { owner: 5 } } },
        ]);
        assert.equal(batch[0].allowed, true);
        assert.equal(batch[1].allowed, false);
        assert.deepEqual(batch[2].names, ['starter']);
        assert.equal(batch[3].allowed, false);
        assert.ok(batch[3].error instanceof tenet.InvalidRequest);

        const health = await client.health();
        assert.equal(health.ok, true);
        assert.ok((await client.stats()).requests > 0);
        assert.equal((await client.reload()).policyVersion, health.policyVersion + 1);
        await client.setFeature({ feature: 'beta_ui', state: 'on' });
        assert.ok((await client.features({ principal: alice })).includes('beta_ui'));
        await client.setFeature({ feature: 'beta_ui', state: 'default' });
        assert.ok(!(await client.features({ principal: alice })).includes('beta_ui'));
        await assert.rejects(client.setFeature({ feature: 'nope', state: 'on' }), tenet.InvalidRequest);
      } finally {
        client.close();
      }
    });
  }
});

test('many requests in flight are matched in order', async (t) => {
  const server = new TenetServer();
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.unixPath, { tenant: 'acme' });
  t.after(() => client.close());
  const calls = [];
  for (let i = 0; i < 5000; ++i) {
    if (i % 3 === 0) calls.push(client.check({ principal: alice, action: 'read', resource: bobsDoc }));
    else if (i % 3 === 1) calls.push(client.check({ principal: alice, action: 'read', resource: alicesDoc }));
    else calls.push(client.transition({ principal: gus, to: 'basic' }));
  }
  const answers = await Promise.all(calls);
  answers.forEach((answer, i) => {
    const expected = i % 3 === 0 ? 'no_permit' : i % 3 === 1 ? 'acme:owner-reads' : 'acme:kyc-verified';
    assert.deepEqual(answer.reasons, [expected], `answer ${i}`);
  });
});

test('protocol errors reject with typed errors and keep the connection', async (t) => {
  const server = new TenetServer();
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.tcpAddress, { tenant: 'acme' });
  t.after(() => client.close());
  const badJson = await client.sendLine('{not json');
  assert.equal(badJson.error.code, 'bad_json');
  assert.equal((await client.request({ op: 'frobnicate' })).error.code, 'unknown_op');
  await assert.rejects(
    client.check({ principal: alice, action: 'read', resource: { type: 'document', id: 'x', attrs: { owner: 5 } } }),
    (error) => error instanceof tenet.InvalidRequest && error instanceof tenet.ProtocolError && error.code === 'invalid_request'
      && error.response.decision === 'deny',
  );
  // A misspelt action: acme does not declare it, so invalid_request, with a suggestion.
  await assert.rejects(
    client.check({ principal: alice, action: 'raed', resource: alicesDoc }),
    (error) => error instanceof tenet.InvalidRequest && error.response.decision === 'deny'
      && error.serverMessage
        === "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did you mean 'read'?)",
  );
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: { id: 'x' } }), tenet.BadRequest);
  await assert.rejects(client.setFeature({ feature: 'beta_ui', state: 'sideways' }), tenet.BadRequest);
  assert.throws(() => new Client('no-port'), tenet.TenetConnectionError);
  await assert.rejects(new Client(server.tcpAddress).check({ principal: alice, action: 'read', resource: alicesDoc }), TypeError);
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
});

test('a tenant-scoped token', async (t) => {
  const server = new TenetServer({ withTokens: true });
  await server.start();
  t.after(() => server.close());
  for (const address of [server.tcpAddress, server.unixPath]) {
    await t.test(address, async () => {
      const client = new Client(address, { token: server.tokens.acmeCheck });
      try {
        await client.connect();
        assert.deepEqual(client.session.tenant, 'acme');
        assert.equal(client.tenant, 'acme');
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        await assert.rejects(client.check({ tenant: 'northwind', principal: alice, action: 'read', resource: alicesDoc }), tenet.Forbidden);
        await assert.rejects(client.stats(), tenet.Forbidden);
        await assert.rejects(client.reload(), tenet.Forbidden);
      } finally {
        client.close();
      }
    });
  }
  const lazy = new Client(server.tcpAddress, { token: server.tokens.acmeCheck });
  t.after(() => lazy.close());
  // The first request connects, says hello and learns the tenant from the token.
  assert.equal((await lazy.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
  assert.equal(lazy.tenant, 'acme');
  const anonymous = new Client(server.tcpAddress, { tenant: 'acme' });
  t.after(() => anonymous.close());
  assert.equal((await anonymous.health()).ok, true);
  await assert.rejects(anonymous.check({ principal: alice, action: 'read', resource: alicesDoc }), tenet.Unauthenticated);
  assert.equal((await anonymous.hello(server.tokens.globalAdmin)).tenant, null);
  assert.ok((await anonymous.reload()).policyVersion >= 2);
  await assert.rejects(new Client(server.unixPath, { token: 'f'.repeat(64) }).connect(), tenet.Unauthenticated);
  const tenantAdmin = new Client(server.unixPath, { token: server.tokens.acmeAdmin });
  t.after(() => tenantAdmin.close());
  await tenantAdmin.setFeature({ feature: 'beta_ui', state: 'off' });
  await assert.rejects(tenantAdmin.setFeature({ tenant: 'northwind', feature: 'beta_ui', state: 'off' }), tenet.Forbidden);
});

test('a server restart in the middle', async (t) => {
  const server = new TenetServer({ withTokens: true });
  await server.start();
  t.after(() => server.close());
  for (const address of [server.tcpAddress, server.unixPath]) {
    await t.test(address, async () => {
      const client = new Client(address, { token: server.tokens.acmeCheck, timeout: 5000, reconnect: { attempts: 5, initialDelay: 20 } });
      try {
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        const started = Date.now();
        const inFlight = [];
        for (let i = 0; i < 200; ++i) inFlight.push(client.check({ principal: alice, action: 'read', resource: alicesDoc }));
        const settling = Promise.allSettled(inFlight);
        await server.restart();
        const settled = await settling;
        for (const result of settled) {
          if (result.status === 'rejected') assert.ok(result.reason instanceof tenet.TenetConnectionError, String(result.reason));
          else assert.equal(result.value.allowed, true);
        }
        // The old connection is dead: one call may still report it; then the client reconnects and says hello again.
        try {
          await client.check({ principal: alice, action: 'read', resource: alicesDoc });
        } catch (error) {
          assert.ok(error instanceof tenet.TenetConnectionError, String(error));
        }
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        assert.equal(client.session.tenant, 'acme');
        assert.ok(Date.now() - started < 15000);
      } finally {
        client.close();
      }
    });
  }
});

test('a crash in the middle is reported, then the client reconnects', async (t) => {
  const server = new TenetServer({ withTokens: true });
  await server.start();
  t.after(() => server.close());
  for (const address of [server.tcpAddress, server.unixPath]) {
    await t.test(address, async () => {
      const client = new Client(address, { token: server.tokens.acmeCheck, reconnect: { attempts: 5, initialDelay: 20 } });
      try {
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        // Rounds of 2000 checks back to back; the server is killed 300 ms in.
        const killed = new Promise((resolve) => setTimeout(resolve, 300)).then(() => server.kill());
        const started = Date.now();
        let lost = [];
        while (lost.length === 0 && Date.now() - started < 20000) {
          const round = [];
          for (let i = 0; i < 2000; ++i) round.push(client.check({ principal: alice, action: 'read', resource: alicesDoc }));
          const settled = await Promise.allSettled(round);
          for (const result of settled) if (result.status === 'fulfilled') assert.equal(result.value.allowed, true);
          lost = settled.filter((result) => result.status === 'rejected');
        }
        await killed;
        assert.ok(lost.length > 0, 'the crash was not reported');
        for (const result of lost) assert.ok(result.reason instanceof tenet.TenetConnectionError, String(result.reason));
        await server.start();
        assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
        assert.equal(client.session.tenant, 'acme');
      } finally {
        client.close();
      }
    });
  }
});

test('a connection closed while idle is replaced silently', async (t) => {
  const server = new TenetServer({ extraArgs: ['--idle-timeout', '1'] });
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.unixPath, { tenant: 'acme' });
  t.after(() => client.close());
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the server closes the idle connection
  assert.equal(client.connected, false);
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
});

test('a stopped server is reported after bounded attempts, then found again', async (t) => {
  const server = new TenetServer();
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.tcpAddress, { tenant: 'acme', reconnect: { attempts: 3, initialDelay: 10 } });
  t.after(() => client.close());
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
  await server.stop();
  const started = Date.now();
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: alicesDoc }), tenet.TenetConnectionError);
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: alicesDoc }), tenet.TenetConnectionError);
  assert.ok(Date.now() - started < 3000);
  await server.start();
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
});

test('a silent server times out', async (t) => {
  const silent = net.createServer(() => {});
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => silent.close());
  const sockets = [];
  silent.on('connection', (socket) => sockets.push(socket));
  t.after(() => sockets.forEach((socket) => socket.destroy()));
  const client = new Client({ host: '127.0.0.1', port: silent.address().port }, { tenant: 'acme', timeout: 300 });
  const started = Date.now();
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: alicesDoc }), tenet.TenetTimeout);
  assert.ok(Date.now() - started < 3000);
  assert.equal(client.connected, false);
});

// ------------------------------------------------ interruptions (issue 20)
// A call that stops waiting after its request was sent (aborted, timed out)
// must never leave its answer to the next call.

const { ScriptedServer } = require('../testing/scripted');

const bob = { id: 'bob', role: 'basic', attrs: { kyc: 'verified', account_age_days: 3, country: 'DE', tags: [] } };

test('an aborted call leaves its answer to nobody', async (t) => {
  const server = new ScriptedServer({ delayMs: 1000 }); // alice's answers take a second
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.address, { tenant: 'acme', timeout: 5000 });
  t.after(() => client.close());
  const abort = new AbortController();
  const doomed = client.check({ principal: alice, action: 'read', resource: alicesDoc }, { signal: abort.signal });
  setTimeout(() => abort.abort(), 200);
  await assert.rejects(doomed, { name: 'AbortError' });
  const answer = await client.check({ principal: bob, action: 'read', resource: alicesDoc });
  assert.deepEqual(answer.reasons, ['for:bob']);
  assert.equal(answer.allowed, false);
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: alicesDoc }, { signal: AbortSignal.abort() }), {
    name: 'AbortError',
  });
  const many = await Promise.all([1, 2, 3].map(() => client.check({ principal: bob, action: 'read', resource: alicesDoc })));
  assert.deepEqual(many.map((a) => a.reasons), [['for:bob'], ['for:bob'], ['for:bob']]);
});

test('a timed-out call leaves its answer to nobody', async (t) => {
  const server = new ScriptedServer({ delayMs: 1000 });
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.address, { tenant: 'acme', timeout: 300 });
  t.after(() => client.close());
  await assert.rejects(client.check({ principal: alice, action: 'read', resource: alicesDoc }), tenet.TenetTimeout);
  assert.deepEqual((await client.check({ principal: bob, action: 'read', resource: alicesDoc })).reasons, ['for:bob']);
});

test('an answer with another id breaks the connection', async (t) => {
  const server = new ScriptedServer({ stranger: true });
  await server.start();
  t.after(() => server.close());
  const client = new Client(server.address, { tenant: 'acme', timeout: 5000 });
  t.after(() => client.close());
  const failure = await client.check({ principal: bob, action: 'read', resource: alicesDoc }).then(
    (answer) => assert.fail(`resolved with ${JSON.stringify(answer)}`),
    (error) => error,
  );
  assert.ok(failure instanceof tenet.TenetConnectionError && !(failure instanceof tenet.TenetTimeout), String(failure));
  assert.equal(client.connected, false);
});

test('a fleet store that cannot be reached is the typed error Unavailable', () => {
  const { protocolError } = require('../lib/errors');
  const error = protocolError({ code: 'unavailable', message: 'the store is gone' }, {});
  assert.ok(error instanceof tenet.Unavailable && error instanceof tenet.ProtocolError);
  assert.equal(error.code, 'unavailable');
});
