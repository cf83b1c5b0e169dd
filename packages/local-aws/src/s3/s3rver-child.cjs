// Runs s3rver (the maintained @20minutes/s3rver 4.0 fork of s3rver 3.7) in its own Node process,
// started with --openssl-legacy-provider: s3rver encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through the legacy
// provider. Keeping the flag in this child spares every test process NODE_OPTIONS.
// argv: <data directory>. Reports { type: 'ready', port } over IPC; exits when the parent goes.
// Every S3 event s3rver emits (ObjectCreated:Put/Post/Copy, ObjectRemoved:Delete, emitted before
// the response is sent) goes to the parent as { type: 's3-event', event }; { type: 'flush', id }
// is answered { type: 'flushed', id } after every event emitted before it (IPC keeps the order).
'use strict';
const S3rver = require('@20minutes/s3rver');
const AWSAccount = require('@20minutes/s3rver/lib/models/account');
const { browserRequestRejection } = require('../internal/loopback-guard.cjs');
const { DUMMY_ACCOUNT } = AWSAccount;

// s3rver knows one access key (S3RVER). Accept any key and any signature, like the other stand-ins
// do, so callers may keep whatever dummy credentials they have (the fork verifies SigV4 signatures,
// which s3rver 3.7 never did; `allowMismatchedSignatures` keeps that behaviour).
const registry = AWSAccount.registry;
const originalGet = registry.get.bind(registry);
registry.get = (key) => originalGet(key) ?? DUMMY_ACCOUNT;

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: process.argv[2],
  silent: true,
  allowMismatchedSignatures: true,
});

// s3rver is a Koa application: the loopback guard runs first, before any S3 handling (s3rver also
// takes browser form uploads, POST multipart/form-data, which a web page can send cross-origin).
server.middleware.unshift(async (ctx, next) => {
  const reason = browserRequestRejection(ctx.req.headers);
  if (reason === undefined) return next();
  ctx.status = 403;
  ctx.type = 'text/plain';
  ctx.body = `Forbidden: ${reason}. Local stand-ins answer only programs on this machine.\n`;
});

const send = (message) => {
  if (process.connected) process.send(message);
};
server.on('event', (event) => send({ type: 's3-event', event }));

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
  else if (message && message.type === 'flush') send({ type: 'flushed', id: message.id });
});

server.run().then(
  (address) => process.send({ type: 'ready', port: address.port }),
  (error) => {
    process.send({ type: 'error', message: String(error?.stack) });
    process.exit(1);
  },
);
