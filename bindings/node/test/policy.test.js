'use strict';
// Partner policy units over the protocol (putPolicy, getPolicy, policyHistory, rollback)
// against a real `tenet serve` on a copy of policies/ (a put writes the unit file).

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const tenet = require('..');
const { TenetServer } = require('../testing/server');
const { alice, alicesDoc, bobsDoc } = require('../testing/acme');

const { Client, InvalidPolicy, InvalidRequest, Forbidden } = tenet;

const sourceDir = process.env.TENET_SOURCE_DIR ?? path.resolve(__dirname, '../../..');
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');
const acmeUnit = fs.readFileSync(path.join(sourceDir, 'policies', 'tenants', 'acme.tenet'), 'utf8');
const acmeReadsAll = acmeUnit.replace(
  'tenant acme extends retail_standard {\n',
  'tenant acme extends retail_standard {\n  @id("basic-reads-all") permit read on document for basic;\n',
);
const broken = 'tenant acme extends retail_standard {\n  @id("bad") permit read on document for admn;\n}\n';

async function policyServer(t) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenet-node-policy-'));
  const policies = path.join(folder, 'policies');
  // Not the history a server started on the checkout may have left there.
  fs.cpSync(path.join(sourceDir, 'policies'), policies, { recursive: true, filter: (from) => path.basename(from) !== '.tenet-history' });
  const tokens = { author: crypto.randomBytes(32).toString('hex'), check: crypto.randomBytes(32).toString('hex') };
  fs.writeFileSync(path.join(folder, 'tokens'), `${sha256(tokens.author)} acme check,author\n${sha256(tokens.check)} acme check\n`);
  const server = new TenetServer({ policies, extraArgs: ['--tokens', path.join(folder, 'tokens')] });
  await server.start();
  t.after(() => {
    server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });
  return { server, policies, tokens, actor: `sha256:${sha256(tokens.author).slice(0, 16)}` };
}

test('put, refuse, dry run, get, history, rollback', async (t) => {
  const { server, policies, tokens, actor } = await policyServer(t);
  assert.notEqual(acmeReadsAll, acmeUnit);
  const client = new Client(server.unixPath, { token: tokens.author });
  t.after(() => client.close());

  const before = await client.check({ principal: alice, action: 'read', resource: bobsDoc });
  assert.equal(before.allowed, false);
  const old = await client.getPolicy();
  assert.equal(old.tenant, 'acme');
  assert.equal(old.source, acmeUnit);
  assert.equal(old.path, 'tenants/acme.tenet');
  assert.equal(before.revision, old.revision);

  const trial = await client.putPolicy({ source: acmeReadsAll, dryRun: true });
  assert.equal(trial.dryRun, true);
  assert.equal(trial.revision, old.revision + 1);
  assert.ok(trial.changes.added.includes('acme:basic-reads-all'));
  assert.deepEqual(await client.getPolicy(), old);

  await assert.rejects(client.putPolicy({ source: broken }), (error) => {
    assert.ok(error instanceof InvalidPolicy);
    assert.equal(error.code, 'invalid_policy');
    assert.ok(error.diagnostics.length > 0);
    const [first] = error.diagnostics;
    assert.equal(first.severity, 'error');
    assert.equal(first.file, 'tenants/acme.tenet');
    assert.match(first.message, /admn/);
    assert.match(tenet.formatDiagnostic(first), /^tenants\/acme\.tenet:\d+:\d+: error: /);
    return true;
  });
  await assert.rejects(client.putPolicy({ source: acmeReadsAll.replace('tenant acme', 'tenant lumen') }), (error) => {
    assert.ok(error instanceof InvalidPolicy);
    assert.match(error.serverMessage, /lumen/);
    return true;
  });
  await assert.rejects(client.getPolicy({ tenant: 'lumen' }), Forbidden);
  assert.equal((await client.getPolicy()).revision, old.revision);

  const put = await client.putPolicy({ source: acmeReadsAll });
  assert.equal(put.revision, old.revision + 1);
  assert.equal(put.dryRun, false);
  assert.deepEqual(put.changes.added, ['acme:basic-reads-all']);
  const after = await client.check({ principal: alice, action: 'read', resource: bobsDoc });
  assert.equal(after.allowed, true);
  assert.deepEqual(after.reasons, ['acme:basic-reads-all']);
  assert.equal(after.revision, put.revision);
  assert.equal(fs.readFileSync(path.join(policies, 'tenants', 'acme.tenet'), 'utf8'), acmeReadsAll);

  const history = await client.policyHistory();
  assert.deepEqual(history.revisions.map((r) => r.revision), [put.revision, old.revision]);
  assert.equal(history.revisions[0].actor, actor);

  const back = await client.rollback({ revision: old.revision });
  assert.equal(back.revision, put.revision + 1);
  assert.ok(back.changes.removed.includes('acme:basic-reads-all'));
  assert.equal((await client.check({ principal: alice, action: 'read', resource: bobsDoc })).allowed, false);
  assert.equal((await client.check({ principal: alice, action: 'read', resource: alicesDoc })).allowed, true);
  assert.equal((await client.getPolicy()).source, acmeUnit);
  await assert.rejects(client.rollback({ revision: 999 }), InvalidRequest);

  const checker = new Client(server.tcpAddress, { token: tokens.check });
  t.after(() => checker.close());
  await assert.rejects(checker.putPolicy({ source: acmeReadsAll }), Forbidden);
});
