import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import {
  browserRequestRejection,
  closeHttpServer,
  isLoopbackHost,
  listenEphemeral,
} from '../../src/internal/net.js';
import { BROWSER_FORM_POST, rawRequest } from '../helpers/http.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.1:4566',
    '127.1.2.3:80',
    'localhost',
    'LOCALHOST:8000',
    's3.localhost:9000',
    '[::1]',
    '[::1]:4566',
  ])('accepts %s', (host) => {
    // Assess
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'attacker.example',
    'attacker.example:4566',
    '127.0.0.1.attacker.example',
    'localhost.attacker.example',
    '10.0.0.5:4566',
    '0.0.0.0:4566',
    '[::]:4566',
    '[::1',
  ])('refuses %s', (host) => {
    // Assess
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('browserRequestRejection', () => {
  it('serves what an AWS SDK sends (loopback Host, no browser headers)', () => {
    // Assess
    expect(browserRequestRejection({ host: '127.0.0.1:4566' })).toBeUndefined();
    expect(browserRequestRejection({ host: 'localhost:4566', 'sec-fetch-site': 'none' })).toBe(
      undefined,
    );
  });

  it('refuses a request carrying Origin, whatever the origin', () => {
    // Assess
    expect(browserRequestRejection({ host: '127.0.0.1:1', origin: 'https://a.example' })).toMatch(
      /origin https:\/\/a\.example/,
    );
    expect(browserRequestRejection({ host: '127.0.0.1:1', origin: 'null' })).toBeDefined();
  });

  it('refuses a fetch marked cross-site or same-site, and a rebound Host', () => {
    // Assess
    expect(browserRequestRejection({ host: '127.0.0.1:1', 'sec-fetch-site': 'cross-site' })).toBe(
      'browser request (Sec-Fetch-Site: cross-site)',
    );
    expect(
      browserRequestRejection({ host: '127.0.0.1:1', 'sec-fetch-site': 'same-site' }),
    ).toBeDefined();
    expect(browserRequestRejection({ host: 'attacker.example:4566' })).toMatch(/not a loopback/);
    expect(browserRequestRejection({})).toMatch(/not a loopback/);
  });
});

describe('listenEphemeral', () => {
  it('puts the guard in front of the server: a browser request never reaches the handler', async () => {
    // Prepare
    let handled = 0;
    const server = createServer((_req, res) => {
      handled += 1;
      res.end('served');
    });
    const endpoint = await listenEphemeral(server);
    try {
      // Act
      const browser = await rawRequest(endpoint, { headers: BROWSER_FORM_POST, body: 'a=1' });
      const rebound = await rawRequest(endpoint, { headers: { host: 'attacker.example' } });
      const sdk = await rawRequest(endpoint, { headers: { host: new URL(endpoint).host } });

      // Assess
      expect(browser.status).toBe(403);
      expect(rebound.status).toBe(403);
      expect(sdk).toEqual({ status: 200, body: 'served' });
      expect(handled).toBe(1);
    } finally {
      await closeHttpServer(server);
    }
  });
});
