// The acme scenario: a basic user reads her own document (allow); a guest asks
// to become basic before KYC (deny, and tenet says which condition is unmet).
//
//   node acme.js [HOST:PORT | SOCKET_PATH]        (default 127.0.0.1:7070)
//   TENET_TOKEN=... node acme.js                   (a server with a token file)
'use strict';

const { Client } = require('tenet-client');

const address = process.argv[2] ?? '127.0.0.1:7070';

const alice = { id: 'alice', role: 'basic', attrs: { kyc: 'verified', account_age_days: 12, country: 'DE', tags: [] } };
const herDocument = { type: 'document', id: 'd1', attrs: { owner: 'alice', locked: false, classification: 'internal' } };
const gus = { id: 'gus', role: 'guest', attrs: { kyc: 'pending', account_age_days: 0, country: 'FR', tags: [] } };

async function main() {
  const tenet = new Client(address, { tenant: 'acme', token: process.env.TENET_TOKEN });
  try {
    const read = await tenet.check({ principal: alice, action: 'read', resource: herDocument });
    console.log('alice reads d1:', read.allowed ? 'allow' : 'deny', JSON.stringify(read.reasons));

    const upgrade = await tenet.transition({ principal: gus, to: 'basic' });
    console.log('gus becomes basic:', upgrade.allowed ? 'allow' : 'deny', JSON.stringify(upgrade.unmet));
  } finally {
    tenet.close();
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
