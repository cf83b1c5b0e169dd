// Runs kinesalite 3.3.3 in its own Node process (STREAMLENS_KINESIS_PROCESS=child): at thousands
// of records/s its request handling (LevelDB-in-memory, bignumber sequence arithmetic) fills a
// core, which in-process would be the caller's event loop. argv: <options JSON>.
'use strict';
const kinesalite = require('kinesalite');
// Native BigInt for kinesalite's per-record hash-key and sequence-number arithmetic
// (STREAMLENS_KINESALITE_SEQUENCES=bignumber keeps kinesalite's own, to measure the difference).
if (process.env.STREAMLENS_KINESALITE_SEQUENCES !== 'bignumber') {
  require('./fast-sequences.cjs').install(require('kinesalite/db'));
}
require('../internal/server-child.cjs').serveInChild(kinesalite);
