'use strict';
// The acme people and things every client test asks about (policies/tenants/acme.tenet).

const alice = { id: 'alice', role: 'basic', attrs: { kyc: 'verified', account_age_days: 12, country: 'DE', tags: [] } };
const gus = { id: 'gus', role: 'guest', attrs: { kyc: 'pending', account_age_days: 0, country: 'FR', tags: [] } };
const document = (id, owner, classification = 'internal', tenant = undefined) =>
  ({ type: 'document', id, ...(tenant ? { tenant } : {}), attrs: { owner, locked: false, classification } });
const alicesDoc = document('d1', 'alice');
const bobsDoc = document('d2', 'bob');
const secretDoc = document('d9', 'alice', 'secret');
const globexDoc = document('d7', 'alice', 'internal', 'globex');
const signing = { type: 'subscription', id: 's1', state: 'signing', attrs: { owner: 'alice', plan: 'starter', overdue_days: 0 } };

module.exports = { alice, gus, alicesDoc, bobsDoc, secretDoc, globexDoc, signing };
