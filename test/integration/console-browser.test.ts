/**
 * The supervisor console in real browsers (issue #4 "Done when"): headless Debian Chromium driven by
 * playwright-core, one fresh profile per person, the app on a real port, the real worker and dev
 * server behind it. A supervisor signs in through /login, finds a stockout task in the inbox, decides
 * it and sees the order move on; staff read but cannot decide; a form without its CSRF token is
 * refused; a task decided in one browser shows the second person who decided it first.
 *
 * Without /usr/bin/chromium the test is skipped with a message (.ci/run installs it).
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { createUser } from '../../db/users';
import { generatePassword, hashPassword } from '../../web/auth/passwords';
import { certifyFor, CHROMIUM, openBrowser, serve, signInPage } from '../support/browser';
import { createHarness, Harness, openTaskOf, sampleOrder } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { setOnHand } from '../../db/inventory';

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`console browser tests skipped: no ${CHROMIUM}`);

let h: Harness;
let app: { url: string; close(): Promise<void> };
const people = {
  wang: { username: 'wang.lead', displayName: '王主管', role: 'supervisor' as const, password: generatePassword() },
  zhao: { username: 'zhao.night', displayName: '赵主管', role: 'supervisor' as const, password: generatePassword() },
  chen: { username: 'chen.staff', displayName: '陈员工', role: 'staff' as const, password: generatePassword() },
};
const browsers = new Map<string, { page: Page; close(): Promise<void> }>();

/** Each person gets their own browser (own profile, own session), signed in once through /login. */
async function browserFor(who: keyof typeof people): Promise<Page> {
  let b = browsers.get(who);
  if (!b) {
    b = await openBrowser('en-US');
    browsers.set(who, b);
    await signInPage(b.page, app.url, people[who].username, people[who].password);
  }
  return b.page;
}

/** An order whose second line is out of stock: a stockout task opens; the first line can ship. */
async function stockoutOrder(): Promise<{ orderNo: string; taskId: number }> {
  const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }, { sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');
  return { orderNo: order.orderNo, taskId: task.id };
}

(haveChromium ? describe : describe.skip)('supervisor console in the browser', () => {
  let first: { orderNo: string; taskId: number };
  let second: { orderNo: string; taskId: number };

  beforeAll(async () => {
    h = await createHarness();
    for (const p of Object.values(people)) {
      const u = await createUser(h.db, { username: p.username, displayName: p.displayName, role: p.role, passwordHash: await hashPassword(p.password) });
      if (p.role === 'supervisor') await certifyFor(h.db, u.id, 'stockout');
    }
    await setOnHand(h.db, 'PL-LABUBU-30', 0, 'test setup');
    first = await stockoutOrder();
    second = await stockoutOrder();
    app = await serve(h);
  });

  afterAll(async () => {
    for (const b of browsers.values()) await b.close().catch(() => undefined);
    await app?.close();
    try {
      await expectLedgerHolds(h);
    } finally {
      await h?.close();
    }
  });

  test('a supervisor finds the stockout task in the inbox, decides it, and the order moves on', async () => {
    const page = await browserFor('wang');
    await page.goto(`${app.url}/console`);
    await page.selectOption('select[name="kind"]', 'stockout');
    await Promise.all([page.waitForURL(/kind=stockout/), page.click('form.filters button[type="submit"]')]);
    const row = page.locator(`tr[data-order-no="${first.orderNo}"]`);
    await expect(row.textContent()).resolves.toContain('Wait for restock'); // the default
    await Promise.all([page.waitForURL(new RegExp(`/console/tasks/${first.taskId}$`)), row.locator('a.stretch').click()]);
    await expect(page.locator('[data-testid="task-status"]').textContent()).resolves.toContain('Open');
    await expect(page.locator('[data-testid="waiting-for"]').textContent()).resolves.not.toBe('');
    await page.check('input[name="decision"][value="cancel_line"]');
    await page.fill('textarea[name="note"]', 'Supplier cannot deliver Labubu this month; customer agreed by phone');
    await Promise.all([page.waitForURL(/msg=decided/), page.click('[data-testid="decide"]')]);
    await expect(page.locator('[data-testid="task-decided"]').textContent()).resolves.toContain('Decided by wang.lead');
    // The order moves on: the in-stock line ships (the order page, reloaded until it says so).
    for (let i = 0; i < 120; i++) {
      await page.goto(`${app.url}/orders/${first.orderNo}`);
      if ((await page.locator('[data-testid="order-status"]').textContent())?.includes('Shipped')) break;
      await page.waitForTimeout(500);
    }
    await expect(page.locator('[data-testid="order-status"]').textContent()).resolves.toContain('Shipped');
    await expect(page.content()).resolves.toContain('Supplier cannot deliver Labubu this month');
  });

  test('staff read the task but cannot decide; a form without its CSRF token is refused', async () => {
    const staff = await browserFor('chen');
    await staff.goto(`${app.url}/console/tasks/${second.taskId}`);
    await expect(staff.locator('[data-testid="read-only"]').isVisible()).resolves.toBe(true);
    await expect(staff.locator('[data-testid="decide"]').isDisabled()).resolves.toBe(true);
    // Even a hand-made POST with the staff member's own valid token is refused by role.
    const status = await staff.evaluate(`(async () => {
      const token = document.querySelector('input[name="_csrf"]').value;
      const r = await fetch('/console/tasks/${second.taskId}/decide', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'decision=cancel_line&note=x&_csrf=' + encodeURIComponent(token) });
      return r.status;
    })()`);
    expect(status).toBe(403);

    const sup = await browserFor('wang');
    await sup.goto(`${app.url}/console/tasks/${second.taskId}`);
    await sup.evaluate(`document.querySelector('form.decision input[name="_csrf"]').remove()`);
    await sup.check('input[name="decision"][value="wait_for_restock"]');
    await sup.fill('textarea[name="note"]', 'no token');
    const [response] = await Promise.all([sup.waitForResponse((r) => r.url().endsWith('/decide')), sup.click('[data-testid="decide"]')]);
    expect(response.status()).toBe(403);
    await expect(sup.content()).resolves.toContain('This form has expired');
    expect((await h.db('tasks').where({ id: second.taskId }).first()).status).toBe('open');
  });

  test('decided in one browser, then in another: the second person is told who decided first', async () => {
    const wang = await browserFor('wang');
    const zhao = await browserFor('zhao');
    for (const p of [wang, zhao]) await p.goto(`${app.url}/console/tasks/${second.taskId}`);
    await wang.check('input[name="decision"][value="wait_for_restock"]');
    await wang.fill('textarea[name="note"]', 'restock due on Friday');
    await Promise.all([wang.waitForURL(/msg=decided/), wang.click('[data-testid="decide"]')]);

    await zhao.check('input[name="decision"][value="cancel_line"]');
    await zhao.fill('textarea[name="note"]', 'cancel the plush');
    const [response] = await Promise.all([zhao.waitForResponse((r) => r.url().endsWith('/decide')), zhao.click('[data-testid="decide"]')]);
    expect(response.status()).toBe(409);
    const refused = await zhao.locator('[data-testid="decision-refused"]').textContent();
    expect(refused).toContain('Already decided by wang.lead');
    expect(refused).toContain('Wait for restock');
    expect(await h.db('tasks').where({ id: second.taskId }).first()).toMatchObject({ status: 'decided', decision: 'wait_for_restock', decided_by: 'wang.lead' });
  });
});
