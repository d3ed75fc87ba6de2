// In-process figures for a peer that runs inside Node: Cedar (cedar-wasm) or
// casbin. One process per (size, engine), so its peak RSS is its own.
//
//   node inproc.mjs cedar|casbin NPM_DIR ENGINE_DIR --seconds S --decisions OUT [--validate 0]
//
// NPM_DIR is the temporary folder the peers were installed into; ENGINE_DIR
// holds what translate_cedar.py / translate_casbin.py wrote. Steps:
//   1. load (timed): the policies from disk to ready to answer (Cedar: also
//      validation against the schema, timed apart)
//   2. every request once, in order: the decisions, written to OUT (one
//      "allow"/"deny" per line) for the agreement check; also the warm-up
//   3. latency: one call at a time, each timed, cycling over the requests,
//      for S seconds (at most 200,000 calls)
//   4. throughput: calls back to back for S seconds
//   5. the floor: the same calls against a one-rule policy that allows all
//      (what crossing into the engine costs), for S/10 seconds
// Prints one JSON line: load_ms, rss_kib (VmHWM), p50_us, p99_us, decisions_per_s...
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { latencySummary, nowNs, parseArgs, readNdjson, statusKib } from './measure.mjs';

const { positional, options } = parseArgs(process.argv.slice(2));
const [engine, npmDir, engineDir] = positional;
const seconds = Number(options.seconds ?? 3);
const decisionsFile = options.decisions;
const validate = options.validate !== '0';  // Cedar: validate against the schema
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const baselineRssKib = statusKib('VmRSS');

// Each loader returns { decide(i) -> boolean, details } once the policies are
// loaded; `requests` are read before the clock starts.
async function loadCedar(requests) {
  const cedar = require('@cedar-policy/cedar-wasm/nodejs');
  const start = nowNs();
  const policies = JSON.parse(fs.readFileSync(path.join(engineDir, 'policies.json'), 'utf8'));
  for (const [tenant, text] of Object.entries(policies)) {
    const answer = cedar.preparsePolicySet(tenant, { staticPolicies: text });
    if (answer.type !== 'success') throw new Error(`cedar: ${tenant}: ${JSON.stringify(answer).slice(0, 800)}`);
  }
  const end = nowNs();
  // Validation against the schema (Cedar's counterpart of tenet's typing,
  // which tenet does on every load) is optional in Cedar and costs far more
  // than parsing, so it is timed apart: one call over every partner's
  // policies (one call per partner would parse the schema each time). It
  // also proves the translation well-typed.
  let validateMs = null;
  if (validate) {
    const schema = fs.readFileSync(path.join(engineDir, 'schema.cedarschema'), 'utf8');
    const validateStart = nowNs();
    const answer = cedar.validate({ schema, policies: { staticPolicies: Object.values(policies).join('\n') } });
    validateMs = Number(nowNs() - validateStart) / 1e6;
    if (answer.type !== 'success' || answer.validationErrors.length > 0) {
      throw new Error(`cedar: the policies do not validate: ${JSON.stringify(answer).slice(0, 800)}`);
    }
  }
  const calls = requests.map((r) => ({ ...r.call, preparsedPolicySetId: r.tenant }));
  // The floor: the same calls (same entities) against one policy that
  // permits everything: what a call costs before any rule is evaluated.
  cedar.preparsePolicySet('__floor', { staticPolicies: 'permit (principal, action, resource);' });
  const floorCalls = requests.map((r) => ({ ...r.call, preparsedPolicySetId: '__floor' }));
  return {
    floor(i) {
      return cedar.statefulIsAuthorized(floorCalls[i]).type === 'success';
    },
    loadNs: end - start,
    details: { validate_ms: validateMs, version: cedar.getCedarVersion() },
    decide(i) {
      const answer = cedar.statefulIsAuthorized(calls[i]);
      if (answer.type !== 'success') throw new Error(`cedar: request ${i}: ${JSON.stringify(answer.errors)}`);
      return answer.response.decision === 'allow';
    },
  };
}

async function loadCasbin(requests) {
  const casbin = require('casbin');
  const start = nowNs();
  const model = path.join(engineDir, 'model.conf');
  const enforcers = new Map();
  for (const file of fs.readdirSync(path.join(engineDir, 'policies')).sort()) {
    const enforcer = await casbin.newEnforcer(model, path.join(engineDir, 'policies', file));
    enforcers.set(path.basename(file, '.csv'), enforcer);
  }
  const end = nowNs();
  const version = JSON.parse(fs.readFileSync(require.resolve('casbin/package.json'), 'utf8')).version;
  // The floor: the same model with one `p` line whose condition is `true`.
  const floorEnforcer = await casbin.newEnforcer(
    model,
    new casbin.StringAdapter('p, *, document, read, allow, "true"\np, *, project, read, allow, "true"'),
  );
  return {
    floor(i) {
      const r = requests[i];
      return floorEnforcer.enforceSync(r.sub, r.obj, r.act);
    },
    loadNs: end - start,
    details: { enforcers: enforcers.size, version },
    decide(i) {
      const r = requests[i];
      return enforcers.get(r.tenant).enforceSync(r.sub, r.obj, r.act);
    },
  };
}

const requests = readNdjson(path.join(engineDir, 'requests.ndjson'));
const loaded = await (engine === 'cedar' ? loadCedar : loadCasbin)(requests);
const n = requests.length;

const decisions = new Array(n);
for (let i = 0; i < n; i++) decisions[i] = loaded.decide(i) ? 'allow' : 'deny';
if (decisionsFile) fs.writeFileSync(decisionsFile, decisions.join('\n') + '\n');

const budgetNs = BigInt(Math.round(seconds * 1e9));
const latencies = [];
let next = 0;
for (const deadline = nowNs() + budgetNs; latencies.length < 200000 && nowNs() < deadline; ) {
  const t = nowNs();
  loaded.decide(next);
  latencies.push(Number(nowNs() - t));
  next = (next + 1) % n;
}

let count = 0;
const throughputStart = nowNs();
let elapsedNs = 0n;
while (elapsedNs < budgetNs) {
  loaded.decide(next);
  next = (next + 1) % n;
  count++;
  elapsedNs = nowNs() - throughputStart;
}

// The floor, for as long as a tenth of the budget.
const floorLatencies = [];
for (let i = 0, deadline = nowNs() + budgetNs / 10n; floorLatencies.length < 50000 && nowNs() < deadline; i = (i + 1) % n) {
  const t = nowNs();
  loaded.floor(i);
  floorLatencies.push(Number(nowNs() - t));
}

console.log(
  JSON.stringify({
    engine,
    load_ms: Number(loaded.loadNs) / 1e6,
    rss_kib: statusKib('VmHWM'),
    baseline_rss_kib: baselineRssKib,
    ...latencySummary(latencies),
    decisions_per_s: count / (Number(elapsedNs) / 1e9),
    allow: decisions.filter((d) => d === 'allow').length,
    floor_p50_us: latencySummary(floorLatencies).p50_us,
    ...loaded.details,
  }),
);
