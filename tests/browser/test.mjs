// Headless Chromium drives the nyckel-idp sign-in page while a scripted phone (nyckel-core
// with a software key store) approves with the number read from the page; and
// @simplewebauthn/server verifies assertions produced by nyckel-core.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';

const run = promisify(execFile);
const IDP = process.env.NYCKEL_IDP;
const DEVICE = process.env.NYCKEL_DEVICE;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'nyckel-browser-'));
const db = join(work, 'idp.db');
const SHOTS = process.env.NYCKEL_SCREENSHOTS || '/tmp';

// ---------- helpers ----------
async function idp(...args) {
  const { stdout } = await run(IDP, [...args, '--db', db, '--json']);
  return JSON.parse(stdout.trim().split('\n').pop());
}

// The phone. One function, so the scripted helper can later be swapped for `nyckel approve`.
async function phone(command, state, ...args) {
  try {
    const { stdout } = await run(DEVICE, [command, '--state', state, ...args], { timeout: 30000 });
    return JSON.parse(stdout.trim().split('\n').pop());
  } catch (e) {
    const out = (e.stdout || '').trim();
    throw new Error(`phone ${command} failed: ${out || e.message}`);
  }
}
const approveOnPhone = (state, number, ...extra) => phone('approve', state, '--number', String(number), ...extra);

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(IDP, ['serve', '--addr', '127.0.0.1:0', '--db', db, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

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

async function newUser(name, password = 'hemligt') {
  const u = await idp('user', 'add', name, '--password', password);
  const state = join(work, `${name}.json`);
  const enrolled = await phone('enroll', state, '--uri', u.enrollUri);
  assert(enrolled.account === name, 'enrolled the right account');
  return state;
}

async function signInWithPassword(page, name, password = 'hemligt') {
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', name);
  await page.click('#next');
  await page.fill('#password', password);
  await page.click('#login');
  await page.waitForSelector('#number');
  const number = Number((await page.textContent('#number')).trim());
  assert(number >= 10 && number <= 99, `two-digit number shown (${number})`);
  assert((await page.getAttribute('#status', 'data-state')) === 'pending', 'waiting state shown');
  assert(!(await page.isVisible('#next')) && !(await page.isVisible('#retry')), 'no account/retry button while waiting');
  return number;
}

const waitState = (page, state) => page.waitForSelector(`#status[data-state="${state}"]`, { timeout: 15000 });

test('browser: password + push approval with the number from the page reaches "signed in"', async () => {
  const state = await newUser('anna');
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'anna');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-number.png'), fullPage: true });
  const r = await approveOnPhone(state, number);
  assert(r.outcome === 'approved', 'phone got approved');
  await waitState(page, 'signed_in');
  assert((await page.textContent('#status')).includes('Inloggad'), 'signed-in text');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-done.png'), fullPage: true });
  await page.click('#next');
  await page.waitForSelector('#signed-in');
  assert((await page.textContent('#signed-in')).includes('anna'), 'account page for anna');
  assert(await page.$('#qr svg'), 'enrollment QR code as inline SVG');
  assert((await page.textContent('#enroll-uri')).startsWith('nyckel-enroll://v1?'), 'enrollment URI as text');
  await page.screenshot({ path: join(SHOTS, 'nyckel-account.png'), fullPage: true });
  await page.close();
});

test('browser: a denial on the phone shows "denied"', async () => {
  const state = await newUser('bertil');
  const page = await context.newPage();
  await signInWithPassword(page, 'bertil');
  const r = await phone('approve', state, '--deny');
  assert(r.outcome === 'denied', 'phone denied');
  await waitState(page, 'denied');
  await page.close();
});

test('browser: a wrong number stops the sign-in', async () => {
  const state = await newUser('cecilia');
  const page = await context.newPage();
  const number = await signInWithPassword(page, 'cecilia');
  const wrong = number === 99 ? 10 : number + 1;
  await rejectsPhone(() => approveOnPhone(state, wrong), 'wrong_number');
  await waitState(page, 'wrong_number');
  assert(await page.isVisible('#retry'), 'retry offered');
  assert(!(await page.isVisible('#next')), 'no account button after a failure');
  await rejectsPhone(() => approveOnPhone(state, number, '--wait', '1'), 'no pending request');
  await page.screenshot({ path: join(SHOTS, 'nyckel-signin-wrong-number.png'), fullPage: true });
  await page.close();
});

test('browser: "report" shows reported and blocks the next sign-in', async () => {
  const state = await newUser('david');
  const page = await context.newPage();
  await signInWithPassword(page, 'david');
  const r = await phone('approve', state, '--report');
  assert(r.outcome === 'reported', 'reported');
  await waitState(page, 'reported');
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', 'david');
  await page.click('#next');
  await page.fill('#password', 'hemligt');
  await page.click('#login');
  await page.waitForSelector('#error');
  assert((await page.textContent('#error')).includes('spärrad'), 'blocked message');
  await page.close();
});

test('browser: passwordless phone sign-in (username only, PIN-gated key) reaches "signed in"', async () => {
  const state = await newUser('eva');
  await phone('enable-phone-signin', state, '--pin', '2468');
  const page = await context.newPage();
  await page.goto(`${server.origin}/signin`);
  await page.fill('#username', 'eva');
  await page.click('#phone');
  await page.waitForSelector('#number');
  const number = Number((await page.textContent('#number')).trim());
  await rejectsPhone(() => approveOnPhone(state, number, '--pin', '0000'), 'user verification failed');
  const r = await approveOnPhone(state, number, '--pin', '2468');
  assert(r.outcome === 'approved', 'approved with the phone sign-in key');
  await waitState(page, 'signed_in');
  await page.close();
});

test('cli: signin start/status drive the same state machine', async () => {
  const state = await newUser('filip');
  const s = await idp('signin', 'start', 'filip');
  assert(s.number >= 10 && s.number <= 99 && s.id, 'id and number printed');
  assert((await idp('signin', 'status', s.id)).state === 'pending', 'pending');
  await approveOnPhone(state, s.number, '--request', s.id);
  assert((await idp('signin', 'status', s.id)).state === 'approved', 'approved');
  const devices = await idp('device', 'list', 'filip');
  assert(devices.devices.length === 1, 'one device');
  await idp('device', 'revoke', devices.devices[0].deviceId);
  await rejectsPhone(() => phone('pending', state), 'revoked');
});

async function rejectsPhone(fn, expect) {
  try { await fn(); } catch (e) { assert(e.message.includes(expect), `expected "${expect}", got: ${e.message}`); return; }
  throw new Error(`phone call should have failed with ${expect}`);
}

// ---------- runner ----------
let passed = 0, failed = 0;
try {
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
  for (const t of tests) {
    try {
      await t.fn();
      passed++;
      console.log(`ok - ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${t.name}\n  ${String(e.stack || e).split('\n').slice(0, 3).join('\n  ')}`);
    }
  }
} catch (e) {
  failed++;
  console.log(`not ok - harness setup\n  ${e.stack || e}`);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) server.child.kill('SIGINT');
  rmSync(work, { recursive: true, force: true });
}
console.log(`Browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
