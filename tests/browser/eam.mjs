// Microsoft Entra ID's external authentication method (EAM), with an Entra stand-in written
// from Microsoft's published "external authentication method provider reference": its own RSA
// keys, OpenID metadata and per-tenant JWKS on loopback, id_token_hints signed as Entra signs
// them, and a page that auto-submits the implicit authorization request to nyckel-idp's
// authorization endpoint (found through nyckel-idp's discovery document, as Entra finds it).
// Headless Chromium follows it; the `nyckel` CLI approves with the number read from the page;
// the stand-in's redirect URI verifies the ID token nyckel-idp form-posts back.
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { acceptLanguage, axeCheck } from './a11y.mjs';
import { after, test } from 'node:test';

const TENANT = 'aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa';
const OTHER_TENANT = 'bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb';
const APP_ID = 'cccccccc-3333-4333-8333-cccccccccccc';
const CLIENT_ID = 'nyckel-eam-test';
const ACR = 'possessionorinherence';
const AMR = ['face', 'fido', 'fpt', 'hwk', 'iris', 'otp', 'pop', 'retina', 'sc', 'sms', 'swk', 'tel', 'vbm'];

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const json64 = (v) => b64u(JSON.stringify(v));

// An RSA key as Entra publishes it (kid, use sig, n, e).
function rsaKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

function signJwt(key, claims) {
  const head = json64({ typ: 'JWT', alg: 'RS256', kid: key.kid });
  const body = json64(claims);
  return `${head}.${body}.${b64u(sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey))}`;
}

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function eamTests(env) {
  const { idp, newUser, approve, outcome, readNumber, ok, assert } = env;

  // The stand-in: metadata and JWKS per tenant, /start (the auto-submitting request), and the
  // redirect URI that checks what nyckel-idp posts.
  async function startEntra() {
    const keys = { [TENANT]: [rsaKey('entra-key-1')], [OTHER_TENANT]: [rsaKey('other-key-1')] };
    const requests = new Map(); // state → the request sent
    const answers = [];
    const entra = createServer(async (req, res) => {
      const url = new URL(req.url, entra.base);
      const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys)$/.exec(url.pathname);
      try {
        if (m && keys[m[1]]) {
          res.setHeader('Content-Type', 'application/json');
          return res.end(JSON.stringify(m[2].startsWith('v2.0')
            ? { issuer: entra.issuer(m[1]), jwks_uri: `${entra.base}/${m[1]}/discovery/v2.0/keys`, id_token_signing_alg_values_supported: ['RS256'] }
            : { keys: keys[m[1]].map((k) => k.jwk) }));
        }
        if (url.pathname === '/start') {
          const fields = entra.pending;
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('');
          return res.end(`<!doctype html><body onload="document.forms[0].submit()"><form method="post" action="${escape(entra.authorizationEndpoint)}">${inputs}</form></body>`);
        }
        if (url.pathname === '/common/federation/externalauthprovider' && req.method === 'POST') {
          let body = '';
          for await (const chunk of req) body += chunk;
          const form = Object.fromEntries(new URLSearchParams(body));
          const answer = { ...form, checked: await entra.check(form) };
          answers.push(answer);
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          return res.end(`<h1 id="entra-result">${escape(answer.checked)}</h1>`);
        }
        res.statusCode = 404;
        res.end('not found');
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    });
    await new Promise((resolve) => entra.listen(0, '127.0.0.1', resolve));
    entra.base = `http://127.0.0.1:${entra.address().port}`;
    entra.redirectUri = `${entra.base}/common/federation/externalauthprovider`;
    entra.issuer = (tid) => `${entra.base}/${tid}/v2.0`;
    entra.keys = keys;
    entra.answers = answers;

    // Entra reads the provider's discovery document for the authorization endpoint and the
    // keys it will verify the answers with; the RS256 key must carry x5c.
    const discovery = await (await fetch(`${env.server.origin}/.well-known/openid-configuration`)).json();
    assert(discovery.response_types_supported.includes('id_token'), 'the provider answers id_token requests');
    entra.authorizationEndpoint = discovery.authorization_endpoint;
    entra.jwksUri = discovery.jwks_uri;
    const providerKeys = (await (await fetch(entra.jwksUri)).json()).keys;
    assert(providerKeys.some((k) => k.kty === 'RSA' && k.alg === 'RS256' && Array.isArray(k.x5c) && k.x5c.length > 0), 'an RS256 key with x5c');

    // A hint as Entra issues it: already expired, issued now.
    entra.hint = ({ key = keys[TENANT][0], tid = TENANT, oid, aud = APP_ID, iat = Math.floor(Date.now() / 1000), iss } = {}) =>
      signJwt(key, {
        ver: '2.0', iss: iss || entra.issuer(tid), aud, tid, oid, sub: `sub-of-${oid}`,
        preferred_username: 'user@region.example.se', name: 'Test User', iat, nbf: iat, exp: iat - 1,
      });
    // Prepares the request /start posts.
    // `fields` replace the request's own (a request Entra would not send).
    entra.prepare = (hint, { nonce = randomUUID(), state = randomUUID(), fields = {} } = {}) => {
      entra.pending = {
        scope: 'openid', response_type: 'id_token', response_mode: 'form_post', client_id: CLIENT_ID,
        redirect_uri: entra.redirectUri, nonce, state, id_token_hint: hint, login_hint: 'user@region.example.se',
        'client-request-id': randomUUID(), claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR] }, amr: { essential: true, values: AMR } } }),
        ...fields,
      };
      requests.set(state, { nonce, hint });
      return entra.pending;
    };
    // What Entra checks in the answer: state it sent; an error, or an RS256 ID token signed by
    // a published key with iss, aud, sub, nonce, acr and exactly one amr of its list.
    entra.check = async (form) => {
      const sent = requests.get(form.state);
      if (!sent) return 'unknown state';
      if (form.error) return form.id_token ? 'error with an id_token' : `error:${form.error}`;
      const [h, p, s] = (form.id_token || '').split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url'));
      if (header.alg !== 'RS256') return `alg ${header.alg}`;
      const jwks = (await (await fetch(entra.jwksUri)).json()).keys;
      const jwk = jwks.find((k) => k.kid === header.kid);
      if (!jwk) return 'unknown kid';
      if (!verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'))) return 'bad signature';
      const c = JSON.parse(Buffer.from(p, 'base64url'));
      const hint = JSON.parse(Buffer.from(sent.hint.split('.')[1], 'base64url'));
      const now = Math.floor(Date.now() / 1000);
      if (c.iss !== env.server.origin) return `iss ${c.iss}`;
      if (c.aud !== CLIENT_ID) return `aud ${c.aud}`;
      if (c.sub !== hint.sub) return `sub ${c.sub}`;
      if (c.nonce !== sent.nonce) return 'nonce';
      if (c.acr !== ACR) return `acr ${c.acr}`;
      if (!Array.isArray(c.amr) || c.amr.length !== 1 || !AMR.includes(c.amr[0])) return `amr ${JSON.stringify(c.amr)}`;
      if (!(c.exp > now && Math.abs(c.iat - now) < 120)) return 'times';
      return `ok:${c.amr[0]}`;
    };

    await idp('eam', 'add', '--tenant', TENANT, '--app-id', APP_ID, '--client-id', CLIENT_ID,
      '--redirect-uri', entra.redirectUri, '--issuer', `${entra.base}/{tenantid}/v2.0`,
      '--jwks-uri', `${entra.base}/{tenantid}/discovery/v2.0/keys`);
    return entra;
  }

  let entra;
  // The stand-in must not keep node's test runner waiting (Chromium keeps connections open).
  after(() => {
    if (entra) {
      entra.closeAllConnections();
      entra.close();
    }
  });
  const OID = 'dddddddd-4444-4444-8444-dddddddddddd';
  let vault;

  // Chromium opens the stand-in's page, which posts the request to nyckel-idp.
  async function send(page, hint, opts) {
    entra.prepare(hint, opts);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url() === entra.authorizationEndpoint && r.request().method() === 'POST'),
      page.goto(`${entra.base}/start`),
    ]);
    await page.waitForLoadState();
    return resp;
  }

  // An error page at the provider; nothing reached Entra.
  async function refused(page, resp, says, at = entra.authorizationEndpoint) {
    const before = entra.answers.length;
    await page.waitForSelector('#error');
    assert(resp.status() === 400, `error page (${resp.status()})`);
    assert(page.url().startsWith(at), `stayed at the provider: ${page.url()}`);
    const text = await page.textContent('#error');
    assert(text.includes(says), `the page says why: ${text}`);
    assert(entra.answers.length === before, 'nothing was posted to Entra');
  }

  test('entra eam: the stand-in tenant signs a linked user in by number matching; the ID token verifies', async () => {
    vault = await newUser('ellen');
    const link = await idp('user', 'link', 'ellen', '--tenant', TENANT, '--oid', OID);
    assert(link.linked === true, `linked: ${JSON.stringify(link)}`);
    entra = await startEntra();
    // Earlier tests' sessions: none may be there, so none can be mistaken for this one's.
    await env.context.clearCookies();
    const page = await env.context.newPage();
    await send(page, entra.hint({ oid: OID }));
    const number = await readNumber(page);
    await axeCheck(page, 'Entra number page', 'sv');
    assert(!(await page.$('#username')) && !(await page.$('#password')), 'no user name or password: Entra did the first factor');
    const listed = (await ok(vault, ['approve', '--json'])).json;
    assert(listed.length === 1 && listed[0].account === 'ellen' && listed[0].app.includes('Microsoft Entra ID'), `the phone shows where: ${JSON.stringify(listed[0])}`);
    assert(outcome(await approve(vault, number)) === 'approved', 'approved');
    await page.waitForSelector('#entra-result', { timeout: 15000 });
    assert((await page.textContent('#entra-result')) === 'ok:swk', `Entra accepts the answer: ${await page.textContent('#entra-result')}`);
    assert(page.url() === entra.redirectUri, `posted to Entra's redirect URI: ${page.url()}`);
    assert(!(await env.context.cookies(env.server.origin)).some((c) => c.name === 'nyckel_session'), 'no Nyckel session');
    await page.close();
  });

  test('entra eam: a denial on the phone posts access_denied and no ID token', async () => {
    // In English this time: the number page follows the browser's Accept-Language.
    const page = await env.context.newPage();
    await acceptLanguage(page, 'en');
    await send(page, entra.hint({ oid: OID }));
    await readNumber(page);
    assert((await page.textContent('#status')).trim() === 'Waiting for approval…', 'the number page in English');
    await axeCheck(page, 'Entra number page', 'en');
    const r = await ok(vault, ['approve', '--deny', '--yes', '--wait', '10']);
    assert(r.code === 0, 'denied');
    await page.waitForSelector('#entra-result', { timeout: 15000 });
    assert((await page.textContent('#entra-result')) === 'error:access_denied', `access_denied: ${await page.textContent('#entra-result')}`);
    assert(!entra.answers.at(-1).id_token, 'no id_token');
    await page.close();
  });

  test('entra eam: forged, too old, unknown-tenant, unlinked and wrong-audience hints get an error page', async () => {
    const page = await env.context.newPage();
    const attacker = rsaKey('entra-key-1'); // Entra's kid, the attacker's key
    await refused(page, await send(page, entra.hint({ oid: OID, key: attacker })), 'kunde inte verifieras');
    const old = Math.floor(Date.now() / 1000) - 11 * 60;
    await refused(page, await send(page, entra.hint({ oid: OID, iat: old })), 'för gammal');
    // A real hint of a tenant that is not configured (its own key, its own issuer).
    const foreign = entra.hint({ oid: OID, tid: OTHER_TENANT, key: entra.keys[OTHER_TENANT][0] });
    await refused(page, await send(page, foreign), 'organisation');
    await refused(page, await send(page, entra.hint({ oid: 'ffffffff-6666-4666-8666-ffffffffffff' })), 'inte kopplat');
    await refused(page, await send(page, entra.hint({ oid: OID, aud: 'another-app' })), 'kunde inte verifieras');
    await page.close();
  });

  test('entra eam attacks: another tenant\'s key for this tenant, and a replayed request', async () => {
    const page = await env.context.newPage();
    // The other tenant's key signing a hint that claims the configured tenant.
    const crossed = entra.hint({ oid: OID, key: entra.keys[OTHER_TENANT][0] });
    await refused(page, await send(page, crossed), 'kunde inte verifieras');
    // The same request (hint and nonce) twice: the second is refused.
    const hint = entra.hint({ oid: OID });
    const nonce = randomUUID();
    await send(page, hint, { nonce, state: randomUUID() });
    await readNumber(page);
    await refused(page, await send(page, hint, { nonce, state: randomUUID() }), 'redan använts');
    // Answer the waiting push so it does not linger.
    await ok(vault, ['approve', '--deny', '--yes', '--wait', '10']);
    await page.close();
  });

  // Each error page a user can reach from Entra, in both languages, through axe-core: what
  // the request, the hint or the link refuses, a replayed request, a continuation that is
  // not (or no longer) waiting, and one still waiting for the phone.
  const SAYS = {
    sv: { client: 'inte registrerad', redirect: 'Återadressen', request: 'ofullständig', unverified: 'kunde inte verifieras', old: 'för gammal',
      tenant: 'organisation', unlinked: 'inte kopplat', replayed: 'redan använts', expired: 'tog för lång tid', waiting: 'väntar fortfarande' },
    en: { client: 'not registered', redirect: 'return address', request: 'incomplete', unverified: 'could not be verified', old: 'too old',
      tenant: 'organisation', unlinked: 'not linked', replayed: 'already been used', expired: 'took too long', waiting: 'still waiting' },
  };

  async function errorPages(lang, vault2, oid) {
    const says = SAYS[lang];
    const page = await env.context.newPage();
    await acceptLanguage(page, lang);
    const seen = async (resp, what, at) => {
      await refused(page, resp, says[what], at);
      await axeCheck(page, `Entra error page (${what})`, lang);
    };
    const hint = (more) => entra.hint({ oid, ...more });
    await seen(await send(page, hint(), { fields: { client_id: 'nosuchclient' } }), 'client');
    await seen(await send(page, hint(), { fields: { redirect_uri: `${entra.base}/elsewhere` } }), 'redirect');
    await seen(await send(page, hint(), { fields: { claims: '{' } }), 'request');
    await seen(await send(page, hint({ key: rsaKey('entra-key-1') })), 'unverified');
    await seen(await send(page, hint({ iat: Math.floor(Date.now() / 1000) - 11 * 60 })), 'old');
    await seen(await send(page, hint({ tid: OTHER_TENANT, key: entra.keys[OTHER_TENANT][0] })), 'tenant');
    await seen(await send(page, entra.hint({ oid: 'eeeeeeee-7777-4777-8777-eeeeeeeeeeee' })), 'unlinked');
    // A waiting request: its continuation before the phone decided, the same request again.
    const waiting = entra.hint({ oid });
    const nonce = randomUUID();
    await send(page, waiting, { nonce });
    await readNumber(page);
    const { request, token, resume } = await page.$eval('main', (m) => ({ request: m.dataset.request, token: m.dataset.token, resume: m.dataset.resume }));
    const resumeUrl = new URL(resume, env.server.origin);
    resumeUrl.searchParams.set('request', request);
    resumeUrl.searchParams.set('t', token);
    const other = await env.context.newPage();
    await acceptLanguage(other, lang);
    const early = await other.goto(resumeUrl.href);
    const resumeAt = `${env.server.origin}${resumeUrl.pathname}`;
    await refused(other, early, says.waiting, resumeAt);
    await axeCheck(other, 'Entra error page (waiting)', lang);
    await refused(other, await send(other, waiting, { nonce }), says.replayed);
    await axeCheck(other, 'Entra error page (replayed)', lang);
    // A continuation that is not waiting (unknown, answered or expired).
    resumeUrl.searchParams.set('authz', 'not-a-waiting-request');
    await refused(other, await other.goto(resumeUrl.href), says.expired, resumeAt);
    await axeCheck(other, 'Entra error page (expired)', lang);
    // The phone denies: the number page posts access_denied to Entra.
    await ok(vault2, ['approve', '--deny', '--yes', '--wait', '10']);
    await page.waitForSelector('#entra-result', { timeout: 15000 });
    assert((await page.textContent('#entra-result')) === 'error:access_denied', 'the waiting request ended');
    await other.close();
    await page.close();
  }

  test('entra eam a11y: every error page a user can reach, in Swedish and English, has no axe violations, light and dark', async () => {
    // A user of its own, so these requests count against no other test's limits.
    const oid = '99999999-8888-4888-8888-999999999999';
    const vault2 = await newUser('elsa');
    await idp('user', 'link', 'elsa', '--tenant', TENANT, '--oid', oid);
    for (const lang of ['sv', 'en']) await errorPages(lang, vault2, oid);
  });
}
