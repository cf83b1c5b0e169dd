// Runs s3rver 3.7.1 in its own Node process, started with --openssl-legacy-provider: s3rver encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through the legacy
// provider. Keeping the flag in this child spares every test process NODE_OPTIONS.
// argv: <data directory>. Reports { type: 'ready', port } over IPC; exits when the parent goes.
'use strict';
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const { DUMMY_ACCOUNT } = AWSAccount;

// s3rver knows one access key (S3RVER); SigV4 signatures are not verified anyway. Accept any key,
// like the other stand-ins do, so callers may keep whatever dummy credentials they have.
const registry = AWSAccount.registry;
const originalGet = registry.get.bind(registry);
registry.get = (key) => originalGet(key) ?? DUMMY_ACCOUNT;

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: process.argv[2],
  silent: true,
});

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  const done = () => process.exit(0);
  if (server.httpServer) {
    server.httpServer.closeAllConnections?.();
    server.close().then(done, done);
  } else {
    done();
  }
  setTimeout(done, 1000).unref();
}

process.on('disconnect', shutdown);
process.on('message', (message) => {
  if (message && message.type === 'stop') shutdown();
});

server.run().then(
  (address) => process.send({ type: 'ready', port: address.port }),
  (error) => {
    process.send({ type: 'error', message: String(error?.stack) });
    process.exit(1);
  },
);
