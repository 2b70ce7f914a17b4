/**
 * Staff training in a real browser (headless Chromium from Debian, driven by playwright-core):
 * a staff member signs in through /login and walks a module (tick with the mouse and the keyboard,
 * a note, a photo, the quiz, submit); a supervisor signs it off; the matrix shows certified; with
 * the training clock moved past the validity period it shows expired.
 *
 * Without /usr/bin/chromium the test is skipped with a message (.ci/run installs it).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, Browser, Page } from 'playwright-core';
import { createUser } from '../../db/users';
import { findTrainingModule } from '../../training/content';
import { generatePassword, hashPassword } from '../../web/auth/passwords';
import { resetClock, setClockOffsetForTests } from '../../web/services/clock';
import { createHarness, Harness } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { makePng, withEvidenceDir } from './training-helpers';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const MODULE = 'order-confirmation';
const DAY = 24 * 3600 * 1000;

let base: Harness;
let h: Harness;
let server: http.Server;
let url: string;
let browser: Browser;
const people: Record<'staff' | 'supervisor', { username: string; password: string }> = {
  staff: { username: 'li.na', password: generatePassword() },
  supervisor: { username: 'wang.lead', password: generatePassword() },
};

(haveChromium ? describe : describe.skip)('training in the browser', () => {
  beforeAll(async () => {
    base = await createHarness({ worker: false });
    ({ h } = withEvidenceDir(base, 'browser'));
    await createUser(h.db, { username: people.staff.username, displayName: '李娜', role: 'staff', passwordHash: await hashPassword(people.staff.password) });
    await createUser(h.db, { username: people.supervisor.username, displayName: '王主管', role: 'supervisor', passwordHash: await hashPassword(people.supervisor.password) });
    server = http.createServer(h.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    resetClock();
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    try {
      await expectLedgerHolds(base);
    } finally {
      await base?.close();
    }
  });

  async function signInAs(who: 'staff' | 'supervisor'): Promise<Page> {
    // A phone-sized screen in Chinese, as on the warehouse floor.
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, hasTouch: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => { throw e; });
    await page.goto(`${url}/login`);
    await page.fill('#username', people[who].username);
    await page.fill('#password', people[who].password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')]);
    return page;
  }

  /** Clicks a button that posts a form and waits for the page it redirects to. */
  async function post(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  }

  it('staff walks a module, a supervisor signs it off, the matrix shows certified, then expired', async () => {
    const module = findTrainingModule(MODULE)!;
    const staff = await signInAs('staff');

    // My modules → the module → start.
    await staff.goto(`${url}/training`);
    await post(staff, `a[href="/training/modules/${MODULE}"]`);
    expect(await staff.textContent('h1')).toContain(module.title.zh);
    await post(staff, 'form.start button');
    expect(staff.url()).toMatch(/\/training\/runs\/\d+$/);
    const runUrl = staff.url();
    expect(await staff.textContent('#progress-text')).toContain(`已完成 0/${module.items.length} 项`);

    // Large touch targets for gloves.
    const box = await staff.locator(`#item-${module.items[0].id} button[value=done]`).boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(48);

    for (const [i, it] of module.items.entries()) {
      const item = `#item-${it.id}`;
      if (it.requires === 'note') await staff.fill(`${item} textarea[name=note]`, '已核对发货单与系统订单');
      if (it.requires === 'photo') {
        await staff.setInputFiles(`${item} input[type=file]`, { name: 'evidence.png', mimeType: 'image/png', buffer: makePng(16, 16) });
      }
      if (i === 0) {
        // The keyboard works too: focus the button and press Enter.
        await staff.focus(`${item} button[value=done]`);
        await Promise.all([staff.waitForNavigation(), staff.keyboard.press('Enter')]);
      } else {
        await post(staff, `${item} button[value=done]`);
      }
      expect(await staff.getAttribute(item, 'class')).toContain('is-done');
      expect(await staff.textContent('#progress-text')).toContain(`已完成 ${i + 1}/${module.items.length} 项`);
    }
    expect(await staff.getAttribute('progress', 'value')).toBe(String(module.items.length));

    // The photo shows (served to the signed-in owner; the CSP allows same-origin images).
    const photoItem = module.items.find((it) => it.requires === 'photo')!;
    const width = await staff.locator(`#item-${photoItem.id} img.evidence`).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(width).toBe(16);

    // Submit is blocked until the quiz is passed.
    expect(await staff.isDisabled('form[action$="/submit"] button')).toBe(true);
    for (const q of module.quiz.questions) await staff.check(`input[name="q_${q.id}"][value="${q.answer}"]`);
    await post(staff, 'form.quiz button[type=submit]');
    expect(await staff.textContent('body')).toContain(`测验通过:答对 ${module.quiz.questions.length}/${module.quiz.questions.length} 题`);
    expect(await staff.isDisabled('form[action$="/submit"] button')).toBe(false);
    await post(staff, 'form[action$="/submit"] button');
    expect(await staff.textContent('body')).toContain('等待主管签字');

    // The printable checklist.
    await staff.goto(`${runUrl}/print`);
    expect(await staff.locator('.sig-line').count()).toBe(4);

    // The supervisor signs off from the queue.
    const lead = await signInAs('supervisor');
    await lead.goto(`${url}/training/team`);
    await post(lead, `a[href="${new URL(runUrl).pathname}"]`);
    await lead.fill('form[action$="/sign-off"] textarea', '现场抽查合格');
    await post(lead, 'form[action$="/sign-off"] button');
    expect(lead.url()).toContain('/training/team');
    const cell = `tr[data-user="${people.staff.username}"] td[data-module="${MODULE}"]`;
    expect(await lead.getAttribute(cell, 'data-status')).toBe('certified');
    expect(await lead.textContent(cell)).toContain('已认证');

    // The clock moves past the validity period: expired.
    setClockOffsetForTests((module.validityDays + 1) * DAY);
    await lead.reload();
    expect(await lead.getAttribute(cell, 'data-status')).toBe('expired');
    expect(await lead.textContent(cell)).toContain('已过期');
    await staff.goto(`${url}/training`);
    expect(await staff.textContent('body')).toContain('已过期');
    resetClock();
  });
});

if (!haveChromium) {
  it('browser test skipped: /usr/bin/chromium is missing (apt-get install chromium)', () => {
    console.warn('training-browser.test.ts: /usr/bin/chromium not found; the browser walk-through did not run');
  });
}
