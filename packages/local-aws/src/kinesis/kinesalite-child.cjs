// Runs kinesalite 3.3.3 in its own Node process (STREAMLENS_KINESIS_PROCESS=child): at thousands
// of records/s its request handling (LevelDB-in-memory, bignumber sequence arithmetic) fills a
// core, which in-process would be the caller's event loop. argv: <options JSON>. Reports
// { type: 'ready', port } over IPC; exits when the parent goes.
'use strict';
const kinesalite = require('kinesalite');
// Native BigInt for kinesalite's per-record hash-key and sequence-number arithmetic
// (STREAMLENS_KINESALITE_SEQUENCES=bignumber keeps kinesalite's own, to measure the difference).
if (process.env.STREAMLENS_KINESALITE_SEQUENCES !== 'bignumber') {
  require('./fast-sequences.cjs').install(require('kinesalite/db'));
}

const server = kinesalite(JSON.parse(process.argv[2] || '{}'));
let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  const done = () => process.exit(0);
  server.closeAllConnections?.();
  server.close(done);
  setTimeout(done, 1000).unref();
}
process.on('disconnect', shutdown);
process.on('message', (message) => {
  if (message && message.type === 'stop') shutdown();
});
server.on('error', (error) => {
  process.send({ type: 'error', message: String(error?.stack) });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
