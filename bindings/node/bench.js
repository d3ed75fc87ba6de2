// Throughput of the Node client: checks pipelined over one connection.
//
//   build/tenet serve policies/ &
//   node bindings/node/bench.js [ADDRESS] [--checks N] [--window W]
//
// Sends N checks (default 500,000), W at a time in flight (default 2,000): each
// round starts W `client.check` calls (fresh request objects for one principal
// and 16 documents made beforehand) and awaits them all; timed end to end,
// encoding and decoding included. Prints checks/s. Bounded: N checks or 60 s.
'use strict';

const { Client } = require('.');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main() {
  const address = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '127.0.0.1:7070';
  const checks = option('--checks', 500000);
  const window = option('--window', 2000);
  const alice = { id: 'alice', role: 'basic', attrs: { kyc: 'verified', account_age_days: 12, country: 'DE', tags: [] } };
  const documents = Array.from({ length: 16 }, (_, i) => ({
    type: 'document', id: `d${i}`, attrs: { owner: i % 2 ? 'alice' : 'bob', locked: false, classification: 'internal' },
  }));
  const client = new Client(address, { tenant: 'acme', timeout: 30000 });
  const round = () => {
    const calls = new Array(window);
    for (let i = 0; i < window; ++i) calls[i] = client.check({ principal: alice, action: 'read', resource: documents[i % 16] });
    return Promise.all(calls);
  };
  try {
    await round(); // warm up the connection, the JIT and the server
    let done = 0;
    let allowed = 0;
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    while (done < checks && elapsed() < 60) {
      const answers = await round();
      done += answers.length;
      for (const answer of answers) if (answer.allowed) ++allowed;
    }
    const seconds = elapsed();
    if (allowed * 2 !== done) throw new Error(`unexpected answers: ${allowed} of ${done} allowed`);
    console.log(`node Client.check: ${done} checks in ${seconds.toFixed(3)} s over one connection `
      + `(window ${window}): ${Math.round(done / seconds).toLocaleString('en-US')} checks/s`);
  } finally {
    client.close();
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
