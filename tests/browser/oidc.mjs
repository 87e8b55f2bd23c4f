// Real OpenID relying parties that Nyckel did not write: `openid-client` (OpenID Certified)
// in a small web app on loopback signs users in through nyckel-idp's OpenID Connect provider,
// in headless Chromium, while the `nyckel` CLI approves with the number read from the page.
// Discovery, the code flow with PKCE and RFC 9207 `iss`, ID token validation, userinfo,
// passwordless phone sign-in, a denial as `access_denied`, code replay, a wrong verifier and
// an unregistered redirect URI; and Apache httpd's `mod_auth_openidc` protecting a page.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as oidc from 'openid-client';

const APACHE = process.env.APACHE2_BIN || '/usr/sbin/apache2';
const APACHE_MODULES = process.env.APACHE2_MODULES || '/usr/lib/apache2/modules';

// `env` gives the shared setup of test.mjs: the provider (`server`, set in its `before`), the
// browser context, and its helpers.
export function oidcTests(env) {
  const { idp, newUser, ok, approve, outcome, readNumber, assert, PIN } = env;

  // The relying party: `/login` starts a flow (PKCE, state, nonce), `/cb` finishes it with
  // openid-client and shows who signed in, or the error.
  async function startRp(publicClient) {
    const flows = new Map();
    const results = [];
    const rp = createServer(async (req, res) => {
      const url = new URL(req.url, `http://127.0.0.1:${rp.address().port}`);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      try {
        if (url.pathname === '/login') {
          const verifier = oidc.randomPKCECodeVerifier();
          const state = oidc.randomState();
          const nonce = oidc.randomNonce();
          // `?bad_verifier=1`: the callback will present another verifier (an attacker's).
          flows.set(state, { verifier, nonce, bad: url.searchParams.has('bad_verifier') });
          const to = oidc.buildAuthorizationUrl(rp.config, {
            redirect_uri: rp.redirectUri,
            scope: 'openid profile',
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
            state,
            nonce,
            ...(url.searchParams.get('redirect') ? { redirect_uri: url.searchParams.get('redirect') } : {}),
          });
          res.statusCode = 302;
          res.setHeader('Location', to.href);
          return res.end();
        }
        if (url.pathname === '/cb') {
          const state = url.searchParams.get('state');
          const flow = flows.get(state) || {};
          const verifier = flow.bad ? oidc.randomPKCECodeVerifier() : flow.verifier;
          const tokens = await oidc.authorizationCodeGrant(rp.config, url, {
            pkceCodeVerifier: verifier,
            expectedState: state,
            expectedNonce: flow.nonce,
            idTokenExpected: true,
          });
          const claims = tokens.claims();
          const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
          results.push({ url: url.href, claims, info });
          return res.end(`<h1 id="rp-user">${info.preferred_username}</h1><pre id="rp-claims">${JSON.stringify(claims)}</pre>`);
        }
        res.statusCode = 404;
        res.end('not found');
      } catch (e) {
        results.push({ url: url.href, error: e.error || e.code || e.message });
        res.statusCode = 400;
        res.end(`<p id="rp-error">${e.error || e.code || e.message}</p>`);
      }
    });
    await new Promise((resolve) => rp.listen(0, '127.0.0.1', resolve));
    rp.redirectUri = `http://127.0.0.1:${rp.address().port}/cb`;
    const args = ['client', 'add', publicClient ? 'Publik app' : 'Intranät', '--redirect-uri', rp.redirectUri];
    const registered = await idp(...args, ...(publicClient ? ['--public'] : []));
    assert(typeof registered.clientId === 'string', `client registered: ${JSON.stringify(registered)}`);
    assert(publicClient ? registered.clientSecret === null : registered.clientSecret.length >= 43, 'secret iff confidential');
    rp.config = await oidc.discovery(
      new URL(env.server.origin),
      registered.clientId,
      undefined,
      publicClient ? oidc.None() : oidc.ClientSecretBasic(registered.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    rp.results = results;
    return rp;
  }

  // Chromium: the RP sends the user to the provider; the user signs in with the password.
  async function toProvider(page, rp, name) {
    await page.goto(`http://127.0.0.1:${rp.address().port}/login`);
    await page.waitForSelector('#username');
    assert(page.url().startsWith(`${env.server.origin}/oidc/authorize`), `at the provider: ${page.url()}`);
    await page.fill('#username', name);
  }

  test('openid-client: discovery, code + PKCE, ID token and userinfo after number matching', async () => {
    const vault = await newUser('olle');
    const rp = await startRp(false);
    try {
      const meta = rp.config.serverMetadata();
      assert(meta.issuer === env.server.origin, `issuer ${meta.issuer}`);
      assert(meta.authorization_response_iss_parameter_supported === true, 'RFC 9207');
      const page = await env.context.newPage();
      await toProvider(page, rp, 'olle');
      await page.click('#next');
      await page.fill('#password', 'hemligt');
      await page.click('#login');
      const number = await readNumber(page);
      assert(outcome(await approve(vault, number)) === 'approved', 'approved');
      await page.waitForSelector('#rp-user', { timeout: 15000 });
      assert((await page.textContent('#rp-user')) === 'olle', 'the RP shows the signed-in user');
      const done = rp.results.at(-1);
      assert(done.claims.iss === env.server.origin && done.claims.preferred_username === 'olle', 'claims');
      assert(JSON.stringify(done.claims.amr) === JSON.stringify(['pwd', 'swk', 'mfa']), `amr ${JSON.stringify(done.claims.amr)}`);
      assert(done.info.sub === done.claims.sub, 'userinfo is the same subject');
      assert(new URL(done.url).searchParams.get('iss') === env.server.origin, 'iss in the answer');

      // Replaying the same callback (the same code) is refused.
      await page.goto(done.url);
      await page.waitForSelector('#rp-error');
      assert(rp.results.at(-1).error === 'invalid_grant', `replay refused: ${rp.results.at(-1).error}`);

      // A second sign-in with the provider session, then a wrong verifier: refused.
      await page.goto(`http://127.0.0.1:${rp.address().port}/login`);
      await page.waitForSelector('#rp-user', { timeout: 15000 });
      const sso = rp.results.at(-1);
      assert(sso.claims.sub === done.claims.sub && sso.claims.auth_time === done.claims.auth_time, 'single sign-on');
      await page.goto(`http://127.0.0.1:${rp.address().port}/login?bad_verifier=1`);
      await page.waitForSelector('#rp-error');
      assert(rp.results.at(-1).error === 'invalid_grant', `wrong verifier refused: ${rp.results.at(-1).error}`);
      await page.close();
    } finally {
      rp.close();
    }
  });

  test('openid-client: passwordless phone sign-in for a public client; a denial is access_denied', async () => {
    const vault = await newUser('petra');
    await ok(vault, ['phone-signin', 'enable', 'petra', '--json'], { pin: PIN });
    const rp = await startRp(true);
    try {
      // Olle's provider session from the test before would answer at once (single sign-on).
      await env.context.clearCookies();
      const page = await env.context.newPage();
      await toProvider(page, rp, 'petra');
      await page.click('#phone');
      let number = await readNumber(page);
      assert(outcome(await approve(vault, number, [], { pin: PIN })) === 'approved', 'approved');
      await page.waitForSelector('#rp-user', { timeout: 15000 });
      const amr = rp.results.at(-1).claims.amr;
      assert(JSON.stringify(amr) === JSON.stringify(['swk', 'user', 'mfa']), `amr ${JSON.stringify(amr)}`);

      // Sign in again without the provider session (cookies cleared) and deny on the phone.
      await env.context.clearCookies();
      const other = await env.context.newPage();
      await toProvider(other, rp, 'petra');
      await other.click('#next');
      await other.fill('#password', 'hemligt');
      await other.click('#login');
      number = await readNumber(other);
      const r = await ok(vault, ['approve', '--deny', '--yes', '--wait', '10']);
      assert(r.code === 0, 'denied');
      await other.waitForSelector('#rp-error', { timeout: 15000 });
      assert(rp.results.at(-1).error === 'access_denied', `access_denied: ${rp.results.at(-1).error}`);
      await other.close();
      await page.close();
    } finally {
      rp.close();
    }
  });

  test('openid-client: an unregistered redirect URI gets an error page, never a redirect', async () => {
    const rp = await startRp(false);
    try {
      const page = await env.context.newPage();
      const evil = 'http://127.0.0.1:9/evil';
      const resp = await page.goto(`http://127.0.0.1:${rp.address().port}/login?redirect=${encodeURIComponent(evil)}`);
      assert(resp.status() === 400, `error page (${resp.status()})`);
      assert(page.url().startsWith(`${env.server.origin}/oidc/authorize`), `stayed at the provider: ${page.url()}`);
      assert((await page.textContent('#error')).includes('inte registrerad'), 'the page says why');
      await page.close();
    } finally {
      rp.close();
    }
  });

  // Apache httpd with mod_auth_openidc (Debian's packages) protects a page; Chromium reaches
  // it after number matching. The configuration is the one docs/integrations.md shows.
  test('mod_auth_openidc: Apache lets the browser in after a number-matching approval', async () => {
    const vault = await newUser('rut');
    await env.context.clearCookies();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const registered = await idp('client', 'add', 'Apache', '--redirect-uri', `${base}/protected/redirect_uri`);
    // Apache's workers may run as another user: a world-readable directory of its own.
    const dir = mkdtempSync(join(tmpdir(), 'nyckel-apache-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'htdocs', 'protected'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'htdocs', 'protected', 'index.html'), '<h1 id="protected">Skyddad sida</h1>', { mode: 0o644 });
    const conf = join(dir, 'httpd.conf');
    writeFileSync(conf, [
      `ServerRoot ${dir}`,
      'ServerName 127.0.0.1',
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `ErrorLog ${dir}/error.log`,
      'LogLevel warn auth_openidc:info',
      ...['mpm_event', 'authn_core', 'authz_core', 'authz_user']
        .map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
      `LoadModule auth_openidc_module ${APACHE_MODULES}/mod_auth_openidc.so`,
      `DocumentRoot ${dir}/htdocs`,
      `OIDCProviderMetadataURL ${env.server.origin}/.well-known/openid-configuration`,
      `OIDCClientID ${registered.clientId}`,
      `OIDCClientSecret ${registered.clientSecret}`,
      `OIDCRedirectURI ${base}/protected/redirect_uri`,
      `OIDCCryptoPassphrase ${oidc.randomState()}${oidc.randomState()}`,
      'OIDCScope "openid profile"',
      'OIDCPKCEMethod S256',
      'OIDCRemoteUserClaim preferred_username',
      '<Location /protected>',
      '  AuthType openid-connect',
      '  Require valid-user',
      '</Location>',
      '',
    ].join('\n'));
    const httpd = spawn(APACHE, ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'inherit', 'inherit'] });
    try {
      await waitForPort(port);
      const page = await env.context.newPage();
      await page.goto(`${base}/protected/index.html`);
      await page.waitForSelector('#username');
      assert(page.url().startsWith(`${env.server.origin}/oidc/authorize`), `Apache sent the browser to the provider: ${page.url()}`);
      await page.fill('#username', 'rut');
      await page.click('#next');
      await page.fill('#password', 'hemligt');
      await page.click('#login');
      const number = await readNumber(page);
      assert(outcome(await approve(vault, number)) === 'approved', 'approved');
      await page.waitForSelector('#protected', { timeout: 15000 });
      assert(page.url() === `${base}/protected/index.html`, `back at the protected page: ${page.url()}`);
      // The Apache session now lets the browser in without the provider.
      await page.goto(`${base}/protected/index.html`);
      await page.waitForSelector('#protected');
      await page.close();
    } finally {
      httpd.kill('SIGTERM');
      await new Promise((resolve) => { httpd.on('exit', resolve); setTimeout(resolve, 5000); });
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// A port nothing listens on right now.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Waits until something answers HTTP on the port (Apache starting).
async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    try { await fetch(`http://127.0.0.1:${port}/`); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`nothing listens on ${port}`);
}
