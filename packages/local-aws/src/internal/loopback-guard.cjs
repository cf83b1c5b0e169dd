// The one rule every HTTP stand-in applies before its own handler (in-process servers through
// `listenEphemeral`, child processes through `serveInChild` and the S3 child): only programs on
// this machine that address it by a loopback name get an answer.
//
// Listening on 127.0.0.1 keeps other machines out, but not a web page open in a browser on this
// machine: the page can send requests to 127.0.0.1:<port> (a form POST needs no CORS preflight), or
// rebind its own host name to 127.0.0.1 and then read the answers as same-origin. Browsers mark both:
// every cross-origin request and every POST carries `Origin`, every fetch carries
// `Sec-Fetch-Site` (`none` only when the user typed the URL), and a rebound page's requests carry
// its own name in `Host`. AWS SDKs and curl send none of these, so the rule costs a client nothing.
// CommonJS so that the child-process scripts can require it as they are.
'use strict';

/** Host names that can only mean this machine (RFC 6761 reserves `localhost` and its subdomains). */
function isLoopbackHost(host) {
  if (typeof host !== 'string' || host === '') return false;
  let name = host.toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end < 0) return false;
    name = name.slice(1, end);
  } else {
    const colon = name.lastIndexOf(':');
    if (colon >= 0) name = name.slice(0, colon);
  }
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

/**
 * Why a request must be refused, or undefined when it may be served. `headers` are Node's
 * lower-cased incoming headers.
 */
function browserRequestRejection(headers) {
  if (headers.origin !== undefined) return `browser request from origin ${headers.origin}`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none') return `browser request (Sec-Fetch-Site: ${site})`;
  if (!isLoopbackHost(headers.host))
    return `Host ${headers.host ?? '(none)'} is not a loopback name`;
  return undefined;
}

/**
 * Put the rule in front of every `request` listener `server` has now: a refused request gets 403
 * with a plain-text reason and never reaches the stand-in. Call it before `listen`.
 */
function guardRequests(server) {
  const listeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const reason = browserRequestRejection(req.headers);
    if (reason === undefined) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    // Drain what the client sent so the answer is not lost to a reset connection.
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`Forbidden: ${reason}. Local stand-ins answer only programs on this machine.\n`);
  });
  return server;
}

module.exports = { browserRequestRejection, guardRequests, isLoopbackHost };
