// The child-process side of `forkStandIn` for stand-ins whose module builds an http.Server from an
// options object (kinesalite, dynalite): listens on a free port of 127.0.0.1 behind the loopback
// guard (loopback-guard.cjs), reports
// { type: 'ready', port } (or { type: 'error', message }) over IPC, and exits when the parent
// goes or sends { type: 'stop' }. argv: <options JSON>.
'use strict';
const { guardRequests } = require('./loopback-guard.cjs');

/** Serve `createServer(options)` from this child process. */
function serveInChild(createServer) {
  const server = guardRequests(createServer(JSON.parse(process.argv[2] || '{}')));
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
}

module.exports = { serveInChild };
