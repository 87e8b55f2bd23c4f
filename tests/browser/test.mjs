// Headless Chromium drives the nyckel-idp sign-in page while the `nyckel` CLI (the desktop
// authenticator, one temporary vault per user) approves with the number read from the page;
// and @simplewebauthn/server verifies assertions produced by nyckel-core.
import { spawn, execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { oidcTests } from './oidc.mjs';
import { eamTests } from './eam.mjs';
import { a11yTests } from './a11y.mjs';

const run = promisify(execFile);
const IDP = process.env.NYCKEL_IDP;
const DEVICE = process.env.NYCKEL_DEVICE; // only for the raw core assertions (assertion-sample)
const NYCKEL = process.env.NYCKEL_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'nyckel-browser-'));
const db = join(work, 'idp.db');
const SHOTS = process.env.NYCKEL_SCREENSHOTS || '/tmp';
const PASSPHRASE = 'korrekt häst batteri';
const PIN = '2468';
const WRONG_NUMBER = 'The number did not match. The sign-in was stopped; start it again on the sign-in page.';

// ---------- helpers ----------
// `nyckel-idp ARGS… --db DB --json` on the provider's database, or on `dbFile`.
async function idpWith(dbFile, ...args) {
  const { stdout } = await run(IDP, [...args, '--db', dbFile, '--json']);
  return JSON.parse(stdout.trim().split('\n').pop());
}
const idp = (...args) => idpWith(db, ...args);

// Runs `nyckel --vault VAULT ARGS…` without a terminal (stdin is /dev/null), with
// NYCKEL_PASSPHRASE and, when given, NYCKEL_PIN. Resolves to { code, stdout, stderr, json }:
// `json` is the whole stdout parsed (pretty-printed, multi-line) when `--json` was passed.
function nyckel(vault, args, { pin } = {}) {
  const env = { ...process.env, NYCKEL_PASSPHRASE: PASSPHRASE, NO_COLOR: '1' };
  delete env.NYCKEL_VAULT;
  delete env.NYCKEL_PIN;
  if (pin !== undefined) env.NYCKEL_PIN = pin;
  const argv = ['--vault', vault, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(NYCKEL, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { args: argv.join(' '), code: signal ? `killed by ${signal}` : code, stdout, stderr };
      if (code === 0 && args.includes('--json')) {
        try { r.json = JSON.parse(stdout); } catch (e) { return reject(new Error(`nyckel ${r.args}: stdout is not JSON: ${stdout}`)); }
      }
      resolve(r);
    });
  });
}

const describe = (r) => `nyckel ${r.args} → exit ${r.code}\n  stdout: ${r.stdout.trim()}\n  stderr: ${r.stderr.trim()}`;

// Succeeds (exit 0) or throws with what the CLI said.
async function ok(vault, args, opts) {
  const r = await nyckel(vault, args, opts);
  if (r.code !== 0) throw new Error(`expected success: ${describe(r)}`);
  return r;
}

// Fails with exit `code` and a one-line `nyckel: …` message on stderr containing `expect`.
async function fails(vault, args, code, expect, opts) {
  const r = await nyckel(vault, args, opts);
  assert(r.code === code, `exit ${code} expected: ${describe(r)}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('Waiting up to '));
  assert(lines.length === 1 && lines[0].startsWith('nyckel: '), `one "nyckel: …" line on stderr: ${describe(r)}`);
  assert(lines[0].includes(expect), `stderr mentions "${expect}": ${describe(r)}`);
  return r;
}

// What the provider answered, mapped from the CLI's exit code, JSON and stderr.
function outcome(r) {
  if (r.code === 0) return r.json ? r.json.outcome : (/^(Approved|Denied|Reported)\./m.exec(r.stdout) || [, 'ok'])[1].toLowerCase();
  const e = r.stderr;
  if (e.includes(WRONG_NUMBER)) return 'wrong_number';
  if (e.includes('no sign-in requests waiting')) return 'nothing_waiting';
  if (e.includes('wrong PIN')) return 'wrong_pin';
  if (e.includes('NYCKEL_PIN')) return 'no_pin';
  if (e.includes('has revoked this device')) return 'revoked';
  if (e.includes('expired before it was answered')) return 'expired';
  if (e.includes('choose one with --request ID')) return 'several_waiting';
  if (e.includes('no longer waiting')) return 'not_pending';
  return `error (exit ${r.code})`;
}

// The phone is the CLI: approve the waiting request with the number from the page.
const approve = (vault, number, extra = [], opts) =>
  nyckel(vault, ['approve', '--number', String(number), '--yes', '--wait', '10', '--json', ...extra], opts);

// A temp vault (floor KDF) enrolled with a new idp user.
async function newUser(name, { password = 'hemligt', totp = false } = {}) {
  const u = await idp('user', 'add', name, '--password', password, ...(totp ? ['--totp'] : []));
  const vault = join(work, `${name}.nyckel`);
  await ok(vault, ['init', '--kdf-memory-mib', '19', '--kdf-iterations', '2']);
  await enroll(vault, u.enrollUri, name, totp);
  return vault;
}

async function enroll(vault, uri, name, totp = false) {
  const e = (await ok(vault, ['enroll', uri, '--json'])).json;
  assert(e.account === name, `enrolled the right account (${e.account})`);
  assert(e.provider === server.origin, `provider is the idp (${e.provider})`);
  assert(e.phone_signin === false, 'phone sign-in off after enrolling');
  assert(totp ? e.otp_account && e.otp_account.name === name : e.otp_account === null, 'OTP account iff the code carried one');
  assert(!JSON.stringify(e).includes('code='), 'no activation code in the output');
  return e;
}

// The newest sign-in decisions in the vault's activity log.
async function signInLog(vault) {
  const log = (await ok(vault, ['activity', '--json'])).json;
  assert(Array.isArray(log), 'activity --json is a list');
  const text = JSON.stringify(log);
  assert(!text.includes('"number"') && !text.includes('nonce'), 'no number or nonce in the log');
  return log.filter((e) => e.event === 'sign_in');
}

function expectLogged(entry, decision, result, account, kind = 'push') {
  assert(entry, `a sign_in entry for ${decision}/${result}`);
  assert(entry.decision === decision && entry.result === result, `logged ${decision}/${result}, got ${entry.decision}/${entry.result}`);
  assert(entry.account_name === account && entry.kind === kind, `logged ${account} (${kind}): ${entry.account_name} (${entry.kind})`);
  assert(entry.provider === server.origin, 'logged provider');
  assert(entry.app === 'Nyckel IdP (webb)' || entry.app === 'Nyckel IdP CLI', `logged app: ${entry.app}`);
  assert(entry.record && entry.record.result === result, 'record carries the verdict');
  assert(typeof entry.summary === 'string' && entry.summary.includes(account), `summary: ${entry.summary}`);
}

// `nyckel-idp serve` on a free loopback port, on the provider's database or on `dbFile` with
// `serveArgs` (another provider, e.g. with its own `--request-ttl`).
function startServer(dbFile = db, serveArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(IDP, ['serve', '--addr', '127.0.0.1:0', '--db', dbFile, '--json', ...serveArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) {
        try { resolve({ child, origin: JSON.parse(line).origin }); } catch (e) { reject(e); }
      }
    });
    child.on('exit', (code) => reject(new Error(`nyckel-idp exited with ${code}`)));
  });
}

function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }

const b64url = (s) => Buffer.from(s, 'base64url');

// ---------- tests ----------
let server, context, sample;

test('webauthn: @simplewebauthn/server accepts the push assertion made by nyckel-core', async () => {
  const s = sample.samples.find((x) => x.kind === 'push');
  assert(s.acceptedByNyckelIdp, 'nyckel-idp accepted it too');
  const v = await verify(s);
  assert(v.verified === true, 'verified');
  assert(v.authenticationInfo.newCounter === s.credential.counter + 1, 'counter advanced by one');
  assert(v.authenticationInfo.userVerified === false, 'device key: UP only');
});

test('webauthn: @simplewebauthn/server accepts the passwordless assertion with UV required', async () => {
  const s = sample.samples.find((x) => x.kind === 'passwordless');
  assert(s.requireUserVerification, 'UV required');
  const v = await verify(s);
  assert(v.verified === true && v.authenticationInfo.userVerified === true, 'verified with UV');
});

test('webauthn: the library rejects a tampered clientDataJSON and a wrong origin', async () => {
  const s = structuredClone(sample.samples.find((x) => x.kind === 'push'));
  const cd = JSON.parse(b64url(s.response.response.clientDataJSON).toString());
  cd.nyckel.number = cd.nyckel.number === 10 ? 11 : 10;
  const tampered = structuredClone(s);
  tampered.response.response.clientDataJSON = Buffer.from(JSON.stringify(cd)).toString('base64url');
  await rejects(() => verify(tampered), 'tampered clientDataJSON');
  await rejects(() => verify({ ...s, expectedOrigin: 'https://evil.example' }), 'wrong origin');
});

async function verify(s) {
  return verifyAuthenticationResponse({
    response: s.response,
    expectedChallenge: s.expectedChallenge,
    expectedOrigin: s.expectedOrigin,
    expectedRPID: s.expectedRPID,
    requireUserVerification: s.requireUserVerification,
    credential: { id: s.credential.id, publicKey: new Uint8Array(b64url(s.credential.publicKeyCose)), counter: s.credential.counter },
  });
}

async function rejects(fn, what) {
  let ok = false;
  try { const v = await fn(); ok = v && v.verified === false; } catch { ok = true; }
  assert(ok, `${what} must be rejected`);
}

async function signInWithPassword(page, name, password = 'hemligt') {
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', name);
  await page.click('#next');
  await page.fill('#password', password);
  await page.click('#login');
  return readNumber(page);
}

async function readNumber(page) {
  await page.waitForSelector('#number');
  const number = Number((await page.textContent('#number')).trim());
  assert(number >= 10 && number <= 99, `two-digit number shown (${number})`);
  assert((await page.getAttribute('#status', 'data-state')) === 'pending', 'waiting state shown');
  assert(!(await page.isVisible('#next')) && !(await page.isVisible('#retry')), 'no account/retry button while waiting');
  return number;
}

const waitState = (page, state) => page.waitForSelector(`#status[data-state="${state}"]`, { timeout: 15000 });
const pageState = (page) => page.getAttribute('#status', 'data-state');

test('browser: password + `nyckel approve` with the number from the page reaches "signed in"', async () => {
  const vault = await newUser('anna', { totp: true });
  // The phone confirms adding another one below only if it was there before the session.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'anna');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-number.png'), fullPage: true });
  // The request as the CLI lists it: who, where from; never the number.
  const listed = (await ok(vault, ['approve', '--json'])).json;
  assert(listed.length === 1 && listed[0].account === 'anna' && listed[0].kind === 'push', 'one push request for anna');
  assert(listed[0].app === 'Nyckel IdP (webb)' && listed[0].ip === '127.0.0.1' && listed[0].location === 'Lokalt (loopback)', `context: ${JSON.stringify(listed[0])}`);
  assert(!('number' in listed[0]), 'no number in the listing');
  const r = await approve(vault, number);
  assert(outcome(r) === 'approved', `the CLI approved: ${describe(r)}`);
  assert(r.json.decision === 'approve' && r.json.request_id === listed[0].request_id, 'decision and request id');
  assert(!r.stdout.includes(`"number"`), 'no number in the result');
  await waitState(page, 'signed_in');
  assert((await page.textContent('#status')).includes('Inloggad'), 'signed-in text');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-done.png'), fullPage: true });
  await page.click('#next');
  await page.waitForSelector('#signed-in');
  assert((await page.textContent('#signed-in')).includes('anna'), 'account page for anna');
  await page.screenshot({ path: join(SHOTS, 'nyckel-account.png'), fullPage: true });
  // anna has a phone: adding another needs its fresh approval first (the session is not enough).
  assert(!(await page.$('#qr')), 'no enrollment code on the session alone');
  await Promise.all([page.waitForNavigation(), page.click('#add-phone-button')]);
  await Promise.all([page.waitForNavigation(), page.click('#add-approve')]);
  const stepUp = Number((await page.textContent('#add-number')).trim());
  const asked = (await ok(vault, ['approve', '--json'])).json;
  assert(asked.length === 1 && asked[0].app === 'Ditt konto: lägg till en inloggningsmetod', `the phone says what it approves: ${JSON.stringify(asked)}`);
  assert(outcome(await approve(vault, stepUp)) === 'approved', 'the phone approved adding one');
  await Promise.all([page.waitForNavigation(), page.click('#add-confirm')]);
  await page.waitForSelector('#add-phone');
  assert(await page.$('#qr svg'), 'enrollment QR code as inline SVG');
  assert((await page.textContent('#enroll-uri')).startsWith('nyckel-enroll://v1?'), 'enrollment URI as text');
  await page.screenshot({ path: join(SHOTS, 'nyckel-account-add-phone.png'), fullPage: true });
  // A second phone enrolls with the page's "Öppna i Nyckel" link: the page says so by itself,
  // without a reload (its script passes the CSP and watches the provider).
  const link = await page.getAttribute('#open-in-app', 'href');
  assert(link === (await page.textContent('#enroll-uri')), 'the app link is the enrollment URI');
  assert(!(await page.isVisible('#added')), 'nothing added yet');
  const second = join(work, 'anna-2.nyckel');
  await ok(second, ['init', '--kdf-memory-mib', '19', '--kdf-iterations', '2']);
  await ok(second, ['enroll', link, '--json']);
  await page.waitForSelector('#added', { state: 'visible', timeout: 15000 });
  assert((await page.textContent('#added')).includes('Telefonen är tillagd ✓'), 'the page says the phone is added');
  assert(!(await page.isVisible('#qr')), 'the used code is no longer shown');
  await page.screenshot({ path: join(SHOTS, 'nyckel-account-added.png'), fullPage: true });
  await page.close();
  // Answered: a second answer finds nothing; the decision is in the log.
  const again = await fails(vault, ['approve', '--number', String(number), '--yes', '--wait', '1'], 2, 'no sign-in requests waiting');
  assert(outcome(again) === 'nothing_waiting', 'nothing waiting');
  const log = await signInLog(vault);
  assert(log.length === 2, `two decisions logged (${log.length})`);
  expectLogged(log.find((e) => e.app === 'Nyckel IdP (webb)'), 'approve', 'approved', 'anna');
  assert(log.some((e) => e.app === 'Ditt konto: lägg till en inloggningsmetod' && e.result === 'approved'), 'and the step-up to add a phone');
  // The OTP account that came with the enrollment gives codes.
  const codes = (await ok(vault, ['code', '--json'])).json;
  assert(codes.length === 1 && /^\d{6}$/.test(codes[0].code), 'a TOTP code for the enrolled account');
});

test('browser: `nyckel approve --deny` shows "denied"', async () => {
  const vault = await newUser('bertil');
  const page = await context.newPage();
  await signInWithPassword(page, 'bertil');
  const r = await ok(vault, ['approve', '--deny', '--yes', '--wait', '10']);
  assert(outcome(r) === 'denied', `denied: ${describe(r)}`);
  assert(r.stdout.includes('Denied. The sign-in was stopped.'), 'denial message');
  await waitState(page, 'denied');
  await page.close();
  expectLogged((await signInLog(vault))[0], 'deny', 'denied', 'bertil');
});

test('browser: a wrong number from `nyckel approve` stops the sign-in', async () => {
  const vault = await newUser('cecilia');
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'cecilia');
  const wrong = number === 99 ? 10 : number + 1;
  const r = await fails(vault, ['approve', '--number', String(wrong), '--yes', '--wait', '10', '--json'], 2, WRONG_NUMBER);
  assert(outcome(r) === 'wrong_number', 'wrong number');
  assert(r.stdout === '', 'nothing on stdout');
  assert(!r.stderr.includes(String(wrong)) && !r.stderr.includes(String(number)), 'no number in the error');
  await waitState(page, 'wrong_number');
  assert(await page.isVisible('#retry'), 'retry offered');
  assert(!(await page.isVisible('#next')), 'no account button after a failure');
  // The request is dead: the right number cannot revive it.
  await fails(vault, ['approve', '--number', String(number), '--yes', '--wait', '1'], 2, 'no sign-in requests waiting');
  assert((await pageState(page)) === 'wrong_number', 'still stopped');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-wrong-number.png'), fullPage: true });
  await page.close();
  expectLogged((await signInLog(vault))[0], 'approve', 'wrong_number', 'cecilia');
});

test('browser: `nyckel approve --report` shows reported and blocks the next sign-in', async () => {
  const vault = await newUser('david');
  const page = await context.newPage();
  await signInWithPassword(page, 'david');
  const r = await ok(vault, ['approve', '--report', '--yes', '--wait', '10']);
  assert(outcome(r) === 'reported', `reported: ${describe(r)}`);
  assert(r.stdout.includes('blocks new sign-in requests for david'), 'report message');
  await waitState(page, 'reported');
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', 'david');
  await page.click('#next');
  await page.fill('#password', 'hemligt');
  await page.click('#login');
  await page.waitForSelector('#error');
  const blocked = await page.textContent('#error');
  assert(blocked.includes('spärrad'), `blocked message: ${blocked}`);
  await page.close();
  expectLogged((await signInLog(vault))[0], 'report', 'reported', 'david');
});

test('browser: passwordless phone sign-in approved by `nyckel approve` with NYCKEL_PIN reaches "signed in"', async () => {
  const vault = await newUser('eva');
  // Not before phone sign-in is on, and not without a PIN.
  await fails(vault, ['phone-signin', 'enable', 'eva'], 2, 'NYCKEL_PIN');
  const on = (await ok(vault, ['phone-signin', 'enable', 'eva', '--json'], { pin: PIN })).json;
  assert(on.phone_signin === true && on.account === 'eva', `phone sign-in on: ${JSON.stringify(on)}`);
  const list = (await ok(vault, ['enrollments', '--json'])).json;
  assert(list.length === 1 && list[0].phone_signin === true, 'listed with phone sign-in on');
  const page = await context.newPage();
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', 'eva');
  await page.click('#phone');
  const number = await readNumber(page);
  const listed = (await ok(vault, ['approve', '--json'])).json;
  assert(listed.length === 1 && listed[0].kind === 'passwordless', 'a passwordless request');
  // No PIN, or a wrong one: refused with exit 2, nothing sent, the page keeps waiting.
  const none = await fails(vault, ['approve', '--number', String(number), '--yes', '--wait', '10', '--json'], 2, 'NYCKEL_PIN');
  assert(outcome(none) === 'no_pin', 'no PIN');
  const wrong = await fails(vault, ['approve', '--number', String(number), '--yes', '--wait', '10', '--json'], 2, 'wrong PIN', { pin: '0000' });
  assert(outcome(wrong) === 'wrong_pin' && wrong.stderr.includes('nothing was sent'), 'wrong PIN, nothing sent');
  assert((await pageState(page)) === 'pending', 'still waiting after a wrong PIN');
  const r = await approve(vault, number, [], { pin: PIN });
  assert(outcome(r) === 'approved' && r.json.kind === 'passwordless', `approved with the phone sign-in key: ${describe(r)}`);
  await waitState(page, 'signed_in');
  await page.screenshot({ path: join(SHOTS, 'nyckel-phone-signin-done.png'), fullPage: true });
  await page.close();
  const log = await signInLog(vault);
  assert(log.length === 1, `only the decision that was sent is logged (${log.length})`);
  expectLogged(log[0], 'approve', 'approved', 'eva', 'passwordless');
  const all = (await ok(vault, ['activity', '--json'])).json;
  assert(all.some((e) => e.event === 'phone_signin' && e.enabled === true), 'phone sign-in change logged');
});

test('browser: one vault, two accounts waiting: `--request ID` picks each, both pages sign in', async () => {
  const vault = await newUser('gustav');
  const h = await idp('user', 'add', 'helena', '--password', 'hemligt');
  await enroll(vault, h.enrollUri, 'helena');
  // One PIN for every phone sign-in key of a vault: a different one is refused.
  await ok(vault, ['phone-signin', 'enable', 'gustav'], { pin: PIN });
  await fails(vault, ['phone-signin', 'enable', 'helena'], 2, 'wrong PIN', { pin: '1357' });
  assert((await ok(vault, ['enrollments', '--json'])).json.find((e) => e.account === 'helena').phone_signin === false, 'nothing changed');
  const pg = await context.newPage();
  const ph = await context.newPage();
  const ng = await signInWithPassword(pg, 'gustav');
  const nh = await signInWithPassword(ph, 'helena');
  const several = await fails(vault, ['approve', '--number', String(ng), '--yes', '--wait', '10', '--json'], 2, 'choose one with --request ID');
  assert(outcome(several) === 'several_waiting', 'several waiting');
  const listed = (await ok(vault, ['approve', '--json'])).json;
  assert(listed.length === 2, `two requests listed (${listed.length})`);
  const id = (account) => listed.find((x) => x.account === account).request_id;
  assert(several.stderr.includes(id('gustav')) && several.stderr.includes(id('helena')), 'the ids are named');
  const rh = await approve(vault, nh, ['--request', id('helena')]);
  assert(outcome(rh) === 'approved' && rh.json.account === 'helena', `helena approved: ${describe(rh)}`);
  await waitState(ph, 'signed_in');
  assert((await pageState(pg)) === 'pending', 'gustav still waiting');
  const rg = await approve(vault, ng, ['--request', id('gustav')]);
  assert(outcome(rg) === 'approved' && rg.json.account === 'gustav', `gustav approved: ${describe(rg)}`);
  await waitState(pg, 'signed_in');
  await pg.close();
  await ph.close();
  const log = await signInLog(vault);
  expectLogged(log[0], 'approve', 'approved', 'gustav');
  expectLogged(log[1], 'approve', 'approved', 'helena');
});

test('cli: idp signin start/status with `nyckel approve --request`; a revoked device is told so', async () => {
  const vault = await newUser('filip');
  const s = await idp('signin', 'start', 'filip');
  assert(s.number >= 10 && s.number <= 99 && s.id, 'id and number printed');
  assert((await idp('signin', 'status', s.id)).state === 'pending', 'pending');
  await fails(vault, ['approve', '--number', String(s.number), '--yes', '--request', 'nosuchrequest'], 2, 'no sign-in request with id nosuchrequest');
  const r = await approve(vault, s.number, ['--request', s.id]);
  assert(outcome(r) === 'approved' && r.json.app === 'Nyckel IdP CLI', `approved: ${describe(r)}`);
  assert((await idp('signin', 'status', s.id)).state === 'approved', 'approved');
  expectLogged((await signInLog(vault))[0], 'approve', 'approved', 'filip');
  const devices = await idp('device', 'list', 'filip');
  assert(devices.devices.length === 1, 'one device');
  const enrolled = (await ok(vault, ['enrollments', '--json'])).json;
  assert(devices.devices[0].name === enrolled[0].device_name, 'the provider lists the CLI by its device name');
  await idp('device', 'revoke', devices.devices[0].deviceId);
  const revoked = await fails(vault, ['approve', '--number', '42', '--yes', '--wait', '10'], 2, 'has revoked this device');
  assert(outcome(revoked) === 'revoked' && revoked.stderr.includes('nyckel unenroll'), 'says what to do');
  await fails(vault, ['approve'], 2, 'has revoked this device');
});

test('browser: "Jag har tappat telefonen" — the other phone (`nyckel approve`) approves the number, the lost one is revoked and told so', async () => {
  const lost = await newUser('lena');
  const other = join(work, 'lena-2.nyckel');
  await ok(other, ['init', '--kdf-memory-mib', '19', '--kdf-iterations', '2']);
  await enroll(other, (await idp('user', 'enroll', 'lena')).enrollUri, 'lena');
  // Only phones from before the session count as the second method: begin it a second later.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'lena');
  assert(outcome(await approve(other, number)) === 'approved', 'signed in with the other phone');
  await waitState(page, 'signed_in');
  await page.goto(`${server.origin}/account`);
  await page.waitForSelector('#methods');
  const lostId = (await idp('device', 'list', 'lena')).devices[0].deviceId;
  await Promise.all([page.waitForNavigation(), page.click(`form[action="/account/devices/lost"]:has(input[value="${lostId}"]) button`)]);
  assert((await page.textContent('#lost-what')).includes('spärras direkt'), 'the page says what happens');
  await Promise.all([page.waitForNavigation(), page.click('#lost-approve')]);
  const stepUp = Number((await page.textContent('#lost-number')).trim());
  assert(stepUp >= 10 && stepUp <= 99, `a number to approve (${stepUp})`);
  await page.screenshot({ path: join(SHOTS, 'nyckel-account-lost-number.png'), fullPage: true });
  const listed = (await ok(other, ['approve', '--json'])).json;
  assert(listed.length === 1 && listed[0].app.includes('spärra en tappad telefon'), `the phone says what it approves: ${JSON.stringify(listed)}`);
  assert(outcome(await approve(other, stepUp)) === 'approved', 'the other phone approved');
  await Promise.all([page.waitForNavigation(), page.click('#lost-confirm')]);
  await page.waitForSelector('#lost-done');
  await page.screenshot({ path: join(SHOTS, 'nyckel-account-lost-done.png'), fullPage: true });
  const devices = (await idp('device', 'list', 'lena')).devices;
  assert(devices.find((d) => d.deviceId === lostId).revokedAt, 'the lost phone is revoked');
  assert(devices.filter((d) => !d.revokedAt).length === 1, 'the other phone stays');
  const revoked = await fails(lost, ['approve', '--number', '42', '--yes', '--wait', '1'], 2, 'has revoked this device');
  assert(outcome(revoked) === 'revoked', 'the lost phone is told so');
  await page.goto(`${server.origin}/account`);
  assert(!(await page.$('#signed-in')), 'signed out everywhere');
  await page.close();
});

test('browser: a form on another origin can neither sign in nor sign out (login CSRF)', async () => {
  const vault = await newUser('ivar');
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'ivar');
  assert(outcome(await approve(vault, number)) === 'approved', 'approved');
  await waitState(page, 'signed_in');
  // Another origin (same host, another port: same-site, so Chromium even sends the Lax cookie)
  // with forms that post to the provider.
  const form = (action, fields) => `<form method="post" action="${server.origin}${action}">` +
    Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('') +
    `<button id="go">go</button></form>`;
  const pages = {
    '/out': form('/signout', {}),
    '/in': form('/signin', { username: 'ivar', mode: 'password', password: 'hemligt' }),
    '/phone': form('/signin', { username: 'ivar', mode: 'phone' }),
  };
  const other = createServer((req, res) => { res.setHeader('Content-Type', 'text/html'); res.end(pages[req.url] || ''); });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    for (const path of Object.keys(pages)) {
      await page.goto(`http://127.0.0.1:${other.address().port}${path}`);
      const [resp] = await Promise.all([page.waitForNavigation(), page.click('#go')]);
      assert(resp.status() === 403, `${path}: refused with 403 (${resp.status()})`);
      assert((await page.textContent('#error')).includes('annan webbplats'), `${path}: the page says why`);
    }
  } finally {
    other.close();
  }
  const listed = (await ok(vault, ['approve', '--json'])).json;
  assert(listed.length === 0, `no sign-in request was started (${listed.length})`);
  await page.goto(`${server.origin}/account`);
  await page.waitForSelector('#signed-in');
  assert((await page.textContent('#signed-in')).includes('ivar'), 'still signed in as ivar');
  // The page's own sign-out button works.
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signout"] button')]);
  await page.goto(`${server.origin}/account`);
  await page.waitForSelector('#username');
  await page.close();
});

// The OpenID Connect provider with openid-client as the relying party (oidc.mjs).
oidcTests({
  get server() { return server; },
  get context() { return context; },
  idp, newUser, ok, approve, outcome, readNumber, assert, PIN,
});

// Microsoft Entra's external authentication method with an Entra stand-in (eam.mjs).
eamTests({
  get server() { return server; },
  get context() { return context; },
  idp, newUser, ok, approve, outcome, readNumber, assert,
});

// axe-core on every page and state, both languages and colour schemes; the language switch (a11y.mjs).
a11yTests({
  get server() { return server; },
  get context() { return context; },
  idp, newUser, ok, fails, enroll, approve, outcome, readNumber, assert, work, idpWith, startServer,
});

// ---------- setup and teardown (node's test runner runs the tests above in order) ----------
before(async () => {
  const { stdout } = await run(DEVICE, ['assertion-sample'], { timeout: 60000 });
  sample = JSON.parse(stdout.trim().split('\n').pop());
  server = await startServer();
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 420, height: 860 },
    locale: 'sv-SE',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (server) server.child.kill('SIGINT');
  rmSync(work, { recursive: true, force: true });
});
