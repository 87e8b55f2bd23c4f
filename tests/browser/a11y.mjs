// Accessibility and languages of the nyckel-idp pages: axe-core (WCAG 2.1 A/AA and best
// practices) on every page and state the tour reaches, in Swedish and English and in the
// light and dark colour schemes, with zero violations; Accept-Language picks English, the
// header's language switch works and survives a form post, and "Försök igen"/"Try again"
// keeps the typed user name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const TEXT = {
  sv: { next: 'Fortsätt med lösenord', tryAgain: 'Försök igen', bad: 'Fel användarnamn eller lösenord.', code: 'Ange verifieringskod', signedIn: 'Inloggad ✓', expired: 'Tidsgränsen gick ut' },
  en: { next: 'Continue with password', tryAgain: 'Try again', bad: 'Wrong user name or password.', code: 'Enter verification code', signedIn: 'Signed in ✓', expired: 'The time ran out' },
};

// axe-core on the page as it is, light and dark; `lang` is the page's expected language.
// Evaluated through the DevTools protocol, so the
// pages' CSP need not allow it.
export async function axeCheck(page, where, lang) {
  const htmlLang = await page.getAttribute('html', 'lang');
  must(htmlLang === lang, `${where}: <html lang="${htmlLang}">, expected ${lang}`);
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
    const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
    for (const v of r.violations) {
      const nodes = v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('; ');
      found.push(`[${colorScheme}] ${v.id} (${v.impact}): ${v.help} — ${nodes}`);
    }
  }
  await page.emulateMedia({ colorScheme: null });
  must(found.length === 0, `${where} (${lang}): ${found.length} axe violation(s):\n  ${found.join('\n  ')}`);
}

function must(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }

// Sends every request of `page` with the Accept-Language of `lang` (the test context's locale
// is Swedish).
export async function acceptLanguage(page, lang) {
  const accept = lang === 'en' ? 'en-GB,en;q=0.9' : 'sv-SE,sv;q=0.9';
  await page.route('**/*', (route) => route.continue({ headers: { ...route.request().headers(), 'accept-language': accept } }));
}

export function a11yTests(env) {
  const { idp, newUser, ok, fails, enroll, approve, outcome, readNumber, assert } = env;
  const origin = () => env.server.origin;

  async function pageIn(lang) {
    const page = await env.context.newPage();
    await acceptLanguage(page, lang);
    return page;
  }

  async function tour(lang) {
    const t = TEXT[lang];
    const name = `tilda-${lang}`;
    const vault = await newUser(name, { totp: true });
    // The phone confirms adding a method below only if it was there before the session.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const page = await pageIn(lang);
    await page.goto(`${origin()}/signin`);
    await axeCheck(page, 'sign-in form', lang);
    assert((await page.textContent('#next')).trim() === t.next, `the form in ${lang}`);
    await page.fill('#username', name);
    await page.click('#next');
    await page.waitForSelector('#password');
    await axeCheck(page, 'password page', lang);
    await page.fill('#password', 'fel');
    await page.click('#login');
    await page.waitForSelector('#error');
    assert((await page.textContent('#error')).includes(t.bad), `the refusal in ${lang}`);
    await axeCheck(page, 'error page', lang);
    assert((await page.textContent('a.button')).trim() === t.tryAgain, `"${t.tryAgain}"`);
    await page.click('a.button');
    await page.waitForSelector('#username');
    assert((await page.inputValue('#username')) === name, `"${t.tryAgain}" keeps the typed name (${lang})`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    const number = await readNumber(page);
    await axeCheck(page, 'number page, waiting', lang);
    assert(outcome(await approve(vault, number)) === 'approved', 'approved');
    await page.waitForSelector('#status[data-state="signed_in"]', { timeout: 15000 });
    assert((await page.textContent('#status')).trim() === t.signedIn, `the script's state text in ${lang}`);
    await axeCheck(page, 'number page, signed in', lang);
    await page.click('#next');
    await page.waitForSelector('#signed-in');
    await axeCheck(page, 'account page with a phone, code to activate', lang);
    // "Jag har tappat telefonen": the step-up page (the only phone: the warning), then back.
    await Promise.all([page.waitForNavigation(), page.click('form[action="/account/devices/lost"] button')]);
    await page.waitForSelector('#lost-what');
    await axeCheck(page, 'lost-phone step-up page', lang);
    await Promise.all([page.waitForNavigation(), page.click('#lost-cancel')]);
    await page.waitForSelector('#signed-in');
    // "Ta bort" on the only phone: the removal's step-up page with the warning, then back.
    await Promise.all([page.waitForNavigation(), page.click('form[action="/account/remove"]:has(input[name="device"]) button')]);
    await page.waitForSelector('#remove-warning');
    await axeCheck(page, 'removal step-up page with the last-phone warning', lang);
    await Promise.all([page.waitForNavigation(), page.click('#remove-cancel')]);
    await page.waitForSelector('#signed-in');
    // Activate the one-time code with one from the app: the account page says so.
    const code = (await ok(vault, ['code', '--json'])).json[0].code;
    await page.fill('#otp-code', code);
    await Promise.all([page.waitForNavigation(), page.click('#confirm-otp')]);
    await page.waitForSelector('#code-method');
    await axeCheck(page, 'account page, code activated', lang);
    // "Lägg till telefon" with a phone already there: the step-up, its number, the new code.
    await Promise.all([page.waitForNavigation(), page.click('#add-phone-button')]);
    await page.waitForSelector('#add-what');
    await axeCheck(page, 'add-method step-up page', lang);
    await Promise.all([page.waitForNavigation(), page.click('#add-approve')]);
    const stepUp = Number((await page.textContent('#add-number')).trim());
    await axeCheck(page, 'add-method number page', lang);
    await Promise.all([page.waitForNavigation(), page.click('#add-confirm')]);
    await page.waitForSelector('#add-waiting');
    await axeCheck(page, 'add-method number page, not approved yet', lang);
    assert(outcome(await approve(vault, stepUp)) === 'approved', 'the step-up approved');
    await Promise.all([page.waitForNavigation(), page.click('#add-confirm')]);
    await page.waitForSelector('#qr');
    await axeCheck(page, 'add-phone page after the step-up', lang);
    await Promise.all([page.waitForNavigation(), page.click('#add-done')]);
    await page.waitForSelector('#signed-in');

    // The next sign-in offers the code instead of the phone: the code pages.
    await page.goto(`${origin()}/signin?username=${name}`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    await readNumber(page);
    await page.click('#use-code');
    await page.waitForSelector('#code');
    assert((await page.textContent('h1')).includes(t.code), `the code page in ${lang}`);
    await axeCheck(page, 'code page', lang);
    await page.fill('#code', '000000');
    await page.click('#verify');
    await page.waitForSelector('#error');
    await axeCheck(page, 'code page, wrong code', lang);
    // End that request on the phone.
    assert(outcome(await ok(vault, ['approve', '--deny', '--yes', '--wait', '10'])) === 'denied', 'denied');
    await page.close();
    await twoPhones(lang);

    // A user who never had a phone: the account page without devices.
    const boot = `utan-${lang}`;
    await idp('user', 'add', boot, '--password', 'hemligt');
    const p2 = await pageIn(lang);
    await p2.goto(`${origin()}/signin`);
    await p2.fill('#username', boot);
    await p2.click('#next');
    await p2.fill('#password', 'hemligt');
    await p2.click('#login');
    await p2.waitForSelector('#signed-in');
    await axeCheck(p2, 'account page without phones', lang);
    // "Lägg till verifieringskod": the new secret's page.
    await Promise.all([p2.waitForNavigation(), p2.click('#add-otp')]);
    await p2.waitForSelector('#otp-qr');
    await axeCheck(p2, 'add a verification code page', lang);

    // OpenID Connect: an application's sign-in form, a refused request, the signed-out page.
    const client = await idp('client', 'add', `Appen ${lang}`, '--redirect-uri', 'http://127.0.0.1:9/cb');
    const q = new URLSearchParams({ client_id: client.clientId, redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code',
      scope: 'openid', state: 's', nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    await p2.context().clearCookies({ name: 'nyckel_session' });
    await p2.goto(`${origin()}/oidc/authorize?${q}`);
    await p2.waitForSelector('#username');
    assert((await p2.textContent('h1')).includes(`Appen ${lang}`), 'names the application');
    await axeCheck(p2, 'OpenID Connect sign-in form', lang);
    await p2.goto(`${origin()}/oidc/authorize?client_id=nosuchclient&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&response_type=code&scope=openid`);
    await p2.waitForSelector('#error');
    await axeCheck(p2, 'OpenID Connect error page', lang);
    await p2.goto(`${origin()}/oidc/logout`);
    await p2.waitForSelector('#signed-out');
    await axeCheck(p2, 'OpenID Connect signed-out page', lang);
    // Entra's external authentication: a request from an unregistered configuration.
    await p2.goto(`${origin()}/oidc/authorize?response_type=id_token&client_id=nosuchclient&response_mode=form_post&scope=openid`);
    await p2.waitForSelector('#error');
    await axeCheck(p2, 'Entra external authentication error page', lang);
    await p2.close();
  }

  async function signIn(page, name, vault) {
    await page.goto(`${origin()}/signin?username=${name}`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    const number = await readNumber(page);
    assert(outcome(await approve(vault, number)) === 'approved', 'approved');
    await page.waitForSelector('#status[data-state="signed_in"]', { timeout: 15000 });
  }

  // A user with two phones: the lost-phone step-up's number page and its outcomes, the number
  // page's stopped states, the cross-site refusal, "Telefonen är borttagen".
  async function twoPhones(lang) {
    const name = `rut-${lang}`;
    const vault = await newUser(name);
    const second = vault.replace(/\.nyckel$/, '-2.nyckel');
    await ok(second, ['init', '--kdf-memory-mib', '19', '--kdf-iterations', '2']);
    // A second apart each: the second phone is listed second, and both predate the session.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await enroll(second, (await idp('user', 'enroll', name)).enrollUri, name);
    const lostId = (await idp('device', 'list', name)).devices[1].deviceId;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const page = await pageIn(lang);
    await signIn(page, name, vault);
    await page.goto(`${origin()}/account`);
    await page.waitForSelector('#methods');
    await Promise.all([page.waitForNavigation(), page.click(`form[action="/account/devices/lost"]:has(input[value="${lostId}"]) button`)]);
    await Promise.all([page.waitForNavigation(), page.click('#lost-approve')]);
    const stepUp = Number((await page.textContent('#lost-number')).trim());
    await axeCheck(page, 'lost-phone number page', lang);
    await Promise.all([page.waitForNavigation(), page.click('#lost-confirm')]);
    await page.waitForSelector('#lost-waiting');
    await axeCheck(page, 'lost-phone number page, not approved yet', lang);
    assert(outcome(await approve(vault, stepUp)) === 'approved', 'the other phone approved');
    await Promise.all([page.waitForNavigation(), page.click('#lost-confirm')]);
    await page.waitForSelector('#lost-done');
    await axeCheck(page, 'lost phone blocked page', lang);

    // The number page's stopped states: denied, wrong number.
    await page.goto(`${origin()}/signin?username=${name}`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    await readNumber(page);
    assert(outcome(await ok(vault, ['approve', '--deny', '--yes', '--wait', '10'])) === 'denied', 'denied');
    await page.waitForSelector('#status[data-state="denied"]', { timeout: 15000 });
    await axeCheck(page, 'number page, denied', lang);
    await page.goto(`${origin()}/signin?username=${name}`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    const number = await readNumber(page);
    const wrong = number === 99 ? 10 : number + 1;
    await fails(vault, ['approve', '--number', String(wrong), '--yes', '--wait', '10', '--json'], 2, '');
    await page.waitForSelector('#status[data-state="wrong_number"]', { timeout: 15000 });
    await axeCheck(page, 'number page, wrong number', lang);

    // Another site's form (here: the provider's own address under another host name, so
    // another origin): the refusal page.
    const elsewhere = origin().replace('127.0.0.1', 'localhost');
    assert(elsewhere !== origin(), `another origin than ${origin()}`);
    await page.goto(`${elsewhere}/signin`);
    await page.setContent(`<form method="post" action="${origin()}/signout"><button id="go">go</button></form>`);
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('#go')]);
    assert(refused.status() === 403, `cross-site post refused (${refused.status()})`);
    await axeCheck(page, 'cross-site refusal page', lang);

    // "Ta bort" on the last phone, after the warning and the phone's own approval: the
    // removal's number page, then the removed page. (Another user: this one has started as
    // many sign-ins as the rate limit allows in its window.)
    const solo = `${name}-solo`;
    const soloVault = await newUser(solo);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the phone predates the session
    await signIn(page, solo, soloVault);
    await page.goto(`${origin()}/account`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/account/remove"]:has(input[name="device"]) button')]);
    await page.waitForSelector('#remove-warning');
    await Promise.all([page.waitForNavigation(), page.click('#remove-approve')]);
    const removal = Number((await page.textContent('#remove-number')).trim());
    await axeCheck(page, 'removal number page', lang);
    assert(outcome(await approve(soloVault, removal)) === 'approved', 'the phone approved its own removal');
    await Promise.all([page.waitForNavigation(), page.click('#remove-confirm')]);
    await page.waitForSelector('#removed');
    await axeCheck(page, 'phone removed page', lang);
    await page.close();
  }

  // The number page once the request expired: a second provider of its own (own database,
  // own port) whose requests last the shortest lifetime `serve --request-ttl` takes, 5 s, so
  // the page reaches "expired" without waiting out the default 120 s.
  async function expired(short, dbFile, lang) {
    const name = `kort-${lang}`;
    const user = await env.idpWith(dbFile, 'user', 'add', name, '--password', 'hemligt');
    const vault = join(env.work, `${name}.nyckel`);
    await ok(vault, ['init', '--kdf-memory-mib', '19', '--kdf-iterations', '2']);
    const enrolled = (await ok(vault, ['enroll', user.enrollUri, '--json'])).json;
    assert(enrolled.provider === short.origin, `enrolled with the short-lived provider (${enrolled.provider})`);
    const page = await pageIn(lang);
    await page.goto(`${short.origin}/signin?username=${name}`);
    await page.click('#next');
    await page.fill('#password', 'hemligt');
    await page.click('#login');
    await page.waitForSelector('#number');
    assert(Number((await page.textContent('#left')).trim()) <= 5, 'the page counts down from the configured lifetime');
    await page.waitForSelector('#status[data-state="expired"]', { timeout: 20000 });
    assert((await page.textContent('#status')).trim() === TEXT[lang].expired, `the expired state in ${lang}`);
    assert(await page.isVisible('#retry'), '"Try again" offered');
    await axeCheck(page, 'number page, expired', lang);
    await page.close();
  }

  test('a11y: the number page, expired (serve --request-ttl 5), in Swedish and English has no axe violations, light and dark', async () => {
    const dbFile = join(env.work, 'short-lived.db');
    const short = await env.startServer(dbFile, ['--request-ttl', '5']);
    try {
      // `serve` announces itself once its origin is stored: the enrollment codes below name it.
      for (const lang of ['sv', 'en']) await expired(short, dbFile, lang);
    } finally {
      short.child.kill('SIGINT');
    }
  });

  test('a11y: every page and state in Swedish has no axe violations, light and dark', () => tour('sv'));
  test('a11y: every page and state in English (Accept-Language: en) has no axe violations, light and dark', () => tour('en'));

  test('languages: the switch keeps English through a form post, and "Try again" keeps the name', async () => {
    const page = await env.context.newPage(); // the context's locale: Swedish
    try {
      await page.goto(`${origin()}/signin`);
      assert((await page.getAttribute('html', 'lang')) === 'sv', 'Swedish by default');
      assert((await page.textContent('#lang-switch')).trim() === 'English', 'the switch names English');
      await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
      assert((await page.getAttribute('html', 'lang')) === 'en', 'English after the switch');
      assert((await page.textContent('#next')).trim() === TEXT.en.next, 'the form in English');
      await page.fill('#username', 'Åsa <x>');
      await page.click('#next');
      await page.waitForSelector('#password');
      assert((await page.getAttribute('html', 'lang')) === 'en', 'still English after a form post');
      await page.fill('#password', 'fel');
      await page.click('#login');
      await page.waitForSelector('#error');
      assert((await page.textContent('#error')).includes(TEXT.en.bad), 'the refusal in English');
      await page.click('a.button');
      await page.waitForSelector('#username');
      assert((await page.inputValue('#username')) === 'Åsa <x>', '"Try again" keeps the typed name');
      // Back to Swedish from a page reached by a form: the name stays.
      await page.fill('#username', 'Åsa <x>');
      await page.click('#next');
      await page.waitForSelector('#password');
      await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
      assert((await page.getAttribute('html', 'lang')) === 'sv', 'Swedish again');
      assert((await page.inputValue('#username')) === 'Åsa <x>', 'the switch keeps the typed name');
    } finally {
      await page.close();
      await env.context.clearCookies({ name: 'nyckel_lang' });
    }
  });

  test("languages: the number page's switch keeps the waiting sign-in and puts its token in no URL", async () => {
    const name = 'sigrid';
    const vault = await newUser(name);
    const page = await env.context.newPage(); // the context's locale: Swedish
    try {
      await page.goto(`${origin()}/signin?username=${name}`);
      await page.click('#next');
      await page.fill('#password', 'hemligt');
      await page.click('#login');
      const number = await readNumber(page);
      const token = await page.getAttribute('main', 'data-token');
      assert((await page.getAttribute('#lang-switch', 'href')) === null, 'the switch is a button, no link');
      await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]);
      assert((await page.getAttribute('html', 'lang')) === 'en', 'English after the switch');
      assert(!page.url().includes(token), `no token in the address: ${page.url()}`);
      assert((await page.getAttribute('main', 'data-token')) === token, 'the same sign-in');
      assert((await readNumber(page)) === number, 'the same number');
      await axeCheck(page, 'number page after its language switch', 'en');
      assert(outcome(await approve(vault, number)) === 'approved', 'approved');
      await page.waitForSelector('#status[data-state="signed_in"]', { timeout: 15000 });
      assert((await page.textContent('#status')).trim() === TEXT.en.signedIn, 'signed in, in English');
    } finally {
      await page.close();
      await env.context.clearCookies({ name: 'nyckel_lang' });
    }
  });
}
