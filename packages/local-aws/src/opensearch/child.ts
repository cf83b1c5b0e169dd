// Runs the OpenSearch stand-in in its own Node process (STREAMLENS_OPENSEARCH_PROCESS=child, what
// `pnpm start` uses): under a few thousand documents per second its mapping checks and store
// fill a good part of a core, which in-process is the caller's event loop. Started with tsx's
// loader (the stand-in is TypeScript). Reports { type: 'ready', port } over IPC; stderr carries
// its log lines; exits when the parent goes.
import { startOpenSearchServer } from './server.js';

const send = (message: unknown) => {
  if (process.connected) process.send?.(message);
};

try {
  const server = await startOpenSearchServer({
    log: (message) => process.stderr.write(`${message}\n`),
  });
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const done = () => process.exit(0);
    server.stop().then(done, done);
    setTimeout(done, 1000).unref();
  };
  process.on('disconnect', shutdown);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') shutdown();
  });
  send({ type: 'ready', port: Number(new URL(server.endpoint).port) });
} catch (error) {
  send({ type: 'error', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
}
