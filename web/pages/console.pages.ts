import { Request, Response, Router } from 'express';
import { listAudit } from '../../db/audit';
import { getCatalogItems } from '../../db/catalog';
import { assignTask, claimTask, ClaimResult, countOpenByKind, INBOX_SORTS, InboxSort, listInbox, openTasksForBulk, skusOf, taskAuditTrail, unclaimTask } from '../../db/inbox';
import type { Db } from '../../db/knex';
import { getTask } from '../../db/tasks';
import { getUserByUsername, listUsers } from '../../db/users';
import { CARRIER_NAMES } from '../../domain/carriers';
import { TASK_KINDS } from '../../domain/tasks';
import type { Address, TaskKind } from '../../domain/types';
import { TASK_KIND_MODULES } from '../../training/content';
import { orderProgressQuery, OrderProgress } from '../../workflows/order/state';
import { hasRole, requireRole, safeNext } from '../auth/roles';
import { Lang, pickLang, translate } from '../i18n';
import { renderPage } from '../render';
import { bulkDecide, BULK_MAX, ConsoleDecision, decideFromConsole } from '../services/bulk-decisions';
import { canDecide } from '../services/certification-gate';
import type { TemporalGateway } from '../services/order-intake';
import { loadOrderView } from '../services/order-view';
import { cancelStuckOrder, listStuckOrders, retryActivityNow, StuckPage, stuckAfterMs, temporalUiUrl } from '../services/stuck-orders';

/**
 * The supervisor console (issue #4): inbox of open tasks, the task page, stuck orders, bulk
 * decisions and the audit log. Staff read; supervisors act. Every action needs a reason where it
 * overrides someone (take-over, cancel, retry) and writes the audit log.
 */

const PAGE_SIZE = 50;
const KINDS = Object.keys(TASK_KINDS) as TaskKind[];
const CARRIERS = Object.keys(CARRIER_NAMES);
const ORDER_TYPES = ['retail', 'group_buy'];
const NOTE_MAX = 1000;
const MESSAGES = ['claimed', 'unclaimed', 'assigned', 'decided', 'retried', 'cancelled', 'claim_taken', 'claim_closed', 'not_yours', 'need_reason', 'bad_user'] as const;

const str = (v: unknown, max = 200): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const pick = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined => allowed.find((a) => a === v);
const idParam = (raw: string): number | undefined => (/^\d{1,12}$/.test(raw) ? Number(raw) : undefined);

/** "in 1 h 20 min", "overdue 5 min" — the inbox's time left, in the page's language. */
export function humanDuration(ms: number, lang: Lang): string {
  const abs = Math.abs(ms);
  const m = Math.floor(abs / 60_000);
  const zh = lang === 'zh';
  const u = (n: number, en: string, cn: string) => (zh ? `${n}${cn}` : `${n} ${en}`);
  const parts = m >= 24 * 60 ? [u(Math.floor(m / 1440), 'd', '天'), u(Math.floor((m % 1440) / 60), 'h', '小时')]
    : m >= 60 ? [u(Math.floor(m / 60), 'h', '小时'), u(m % 60, 'min', '分')]
      : m >= 1 ? [u(m, 'min', '分钟')] : [u(Math.floor(abs / 1000), 's', '秒')];
  return parts.join(zh ? '' : ' ');
}

function helpers(req: Request) {
  const lang = pickLang(req);
  const now = Date.now();
  return {
    now,
    // Shop time (UTC+8), as the rest of the staff pages: the people deciding work in China.
    when: (iso: string | null) => (iso ? new Date(Date.parse(iso) + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 16) : '—'),
    age: (iso: string) => humanDuration(now - Date.parse(iso), lang),
    timeLeft: (iso: string) => {
      const ms = Date.parse(iso) - now;
      return ms >= 0 ? translate(lang, 'console.left', { d: humanDuration(ms, lang) }) : translate(lang, 'console.overdue', { d: humanDuration(ms, lang) });
    },
    overdue: (iso: string) => Date.parse(iso) < now,
    optionLabel: (opt: string) => translate(lang, `option.${opt}`) === `option.${opt}` ? opt : translate(lang, `option.${opt}`),
    explain: (kind: string, opt: string) => (TASK_KINDS as Record<string, { explain: Record<string, { en: string; zh: string }> }>)[kind]?.explain[opt]?.[lang] ?? '',
    kindStep: (kind: string) => (TASK_KINDS as Record<string, { step: string }>)[kind]?.step ?? '',
    carrierName: (code: string | null) => (code ? (CARRIER_NAMES as Record<string, { en: string; zh: string }>)[code]?.[lang] ?? code : '—'),
  };
}

function flash(req: Request): string | null {
  return pick(req.query.msg, MESSAGES) ?? null;
}

async function withProgress(temporal: TemporalGateway, orderNo: string): Promise<OrderProgress | null> {
  const query = temporal.client.workflow.getHandle(`order-${orderNo}`).query(orderProgressQuery);
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000).unref());
  return Promise.race([query.catch(() => null), timeout]);
}

function claimOutcome(r: ClaimResult, okMsg: string): string {
  if (r.kind === 'ok') return okMsg;
  if (r.kind === 'closed') return 'claim_closed';
  return 'claim_taken';
}

export function consolePages(db: Db, temporal: TemporalGateway, readDb: Db = db): Router {
  const r = Router();

  // ---- Inbox -------------------------------------------------------------------------------------
  r.get('/console', requireRole('staff'), async (req, res) => {
    const me = req.user!.username;
    const filter = {
      kind: pick(req.query.kind, KINDS) ?? '',
      carrier: pick(req.query.carrier, CARRIERS) ?? '',
      orderType: pick(req.query.type, ORDER_TYPES) ?? '',
      atRisk: req.query.risk === '1',
      mine: req.query.mine === '1',
      unassigned: req.query.unassigned === '1',
      sort: pick(req.query.sort, INBOX_SORTS) ?? ('deadline' as InboxSort),
      dir: pick(req.query.dir, ['asc', 'desc'] as const) ?? 'asc',
    };
    const page = Math.min(100_000, Math.max(1, Number.parseInt(str(req.query.page, 7), 10) || 1));
    const { rows, total } = await listInbox(readDb, {
      kind: filter.kind || undefined,
      carrier: filter.carrier || undefined,
      orderType: filter.orderType || undefined,
      atRisk: filter.atRisk,
      assignee: filter.mine ? me : undefined,
      unassigned: filter.unassigned,
      sort: filter.sort,
      dir: filter.dir,
      page,
      pageSize: PAGE_SIZE,
    });
    const query = (over: Record<string, string | number | boolean>) => {
      const merged: Record<string, string | number | boolean> = { kind: filter.kind, carrier: filter.carrier, type: filter.orderType, risk: filter.atRisk, mine: filter.mine, unassigned: filter.unassigned, sort: filter.sort, dir: filter.dir, page, ...over };
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(merged)) {
        if (v === '' || v === false) continue;
        p.set(k, v === true ? '1' : String(v));
      }
      return `/console?${p.toString()}`;
    };
    const sortHref = (s: InboxSort) => query({ sort: s, dir: filter.sort === s && filter.dir === 'asc' ? 'desc' : 'asc', page: 1 });
    await renderPage(req, res, 'console/inbox', {
      rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), filter, kinds: KINDS, carriers: CARRIERS, orderTypes: ORDER_TYPES,
      counts: await countOpenByKind(readDb), query, sortHref, me, msg: flash(req), here: req.originalUrl, ...helpers(req),
    });
  });

  // ---- Claim, release, assign (supervisor) -----------------------------------------------------
  const back = (req: Request, id: number) => safeNext(req.body?.next, `/console/tasks/${id}`);
  const withMsg = (url: string, msg: string) => {
    const clean = url.replace(/([?&])msg=[^&]*(&|$)/, (_, lead: string, tail: string) => (tail ? lead : '')).replace(/[?&]$/, '');
    return `${clean}${clean.includes('?') ? '&' : '?'}msg=${msg}`;
  };

  r.post('/console/tasks/:id/claim', requireRole('supervisor'), async (req, res) => {
    const id = idParam(req.params.id);
    if (!id) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const result = await claimTask(db, id, req.user!.username);
    if (result.kind === 'not_found') return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    res.redirect(303, withMsg(back(req, id), claimOutcome(result, 'claimed')));
  });

  r.post('/console/tasks/:id/unclaim', requireRole('supervisor'), async (req, res) => {
    const id = idParam(req.params.id);
    if (!id) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const force = req.body?.force === '1';
    const reason = str(req.body?.reason, NOTE_MAX);
    if (force && !reason) return res.redirect(303, withMsg(back(req, id), 'need_reason'));
    const result = await unclaimTask(db, id, req.user!.username, { force, reason: reason || undefined });
    if (result.kind === 'not_found') return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    res.redirect(303, withMsg(back(req, id), result.kind === 'taken' ? 'not_yours' : claimOutcome(result, 'unclaimed')));
  });

  r.post('/console/tasks/:id/assign', requireRole('supervisor'), async (req, res) => {
    const id = idParam(req.params.id);
    if (!id) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    if (!(await getTask(db, id))) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const to = str(req.body?.to, 64);
    const expected = str(req.body?.expected, 64) || null;
    const reason = str(req.body?.reason, NOTE_MAX);
    const user = to ? await getUserByUsername(db, to) : undefined;
    // Tasks go to people who can decide them.
    if (!user || !user.active || !hasRole(user, 'supervisor')) return res.redirect(303, withMsg(back(req, id), 'bad_user'));
    // Taking a task from someone else is an override: it needs a reason.
    if (expected && expected !== req.user!.username && !reason) return res.redirect(303, withMsg(back(req, id), 'need_reason'));
    const result = await assignTask(db, id, { to: user.username, expected, by: req.user!.username, reason: reason || undefined });
    if (result.kind === 'not_found') return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    res.redirect(303, withMsg(back(req, id), claimOutcome(result, 'assigned')));
  });

  // ---- Task page ---------------------------------------------------------------------------------
  async function renderTask(req: Request, res: Response, id: number, extra: { outcome?: ConsoleDecision | null; form?: Record<string, string> } = {}, status = 200) {
    const task = await getTask(db, id);
    if (!task) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const [order, trail, progress, users] = await Promise.all([
      loadOrderView(db, task.orderNo),
      taskAuditTrail(db, id),
      task.status === 'open' ? withProgress(temporal, task.orderNo) : Promise.resolve(null),
      listUsers(db),
    ]);
    if (!order) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const stock = await getCatalogItems(db, order.lines.map((l) => l.sku));
    const spec = (TASK_KINDS as Record<string, { step: string }>)[task.kind];
    const module = TASK_KIND_MODULES[task.kind];
    const workflowId = task.workflowId ?? order.workflowId;
    // P4.3: a supervisor without a valid certificate for this kind's module sees the form read-only.
    const gate = hasRole(req.user, 'supervisor') && task.status === 'open' ? await canDecide(db, req.user!, task.kind) : null;
    await renderPage(req, res, 'console/task', {
      task, order, trail, progress,
      stock: [...stock.values()].map((s) => ({ sku: s.sku, name: s.name, nameZh: s.nameZh, onHand: s.onHand, reserved: s.reserved, available: s.onHand - s.reserved })),
      shortSkus: skusOf(task.context),
      step: spec?.step ?? '',
      trainingHref: module ? `/training/modules/${encodeURIComponent(module)}` : null,
      temporalHref: `${temporalUiUrl()}/namespaces/${encodeURIComponent(temporal.client.options.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
      assignees: users.filter((u) => u.active && hasRole(u, 'supervisor')).map((u) => ({ username: u.username, displayName: u.displayName })),
      canAct: hasRole(req.user, 'supervisor'),
      gate,
      me: req.user!.username,
      outcome: extra.outcome ?? null,
      form: extra.form ?? { decision: '', note: '' },
      msg: flash(req),
      ...helpers(req),
    }, status);
  }

  r.get('/console/tasks/:id', requireRole('staff'), async (req, res) => {
    const id = idParam(req.params.id);
    if (!id) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    await renderTask(req, res, id);
  });

  r.post('/console/tasks/:id/decide', requireRole('supervisor'), async (req, res) => {
    const id = idParam(req.params.id);
    if (!id) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const decision = str(req.body?.decision, 40);
    const note = str(req.body?.note, NOTE_MAX);
    const form = { decision, note };
    if (!decision || !note) {
      return renderTask(req, res, id, { outcome: { kind: 'invalid', taskId: id, message: translate(pickLang(req), !decision ? 'console.needDecision' : 'console.needNote') }, form }, 400);
    }
    let correction: { shippingAddress: Address } | undefined;
    if (decision === 'correct_and_resubmit') {
      const a = (k: string) => str(req.body?.[`addr_${k}`], 200);
      if (a('line1') && a('city') && a('postalCode') && a('country')) {
        correction = { shippingAddress: { name: a('name'), phone: a('phone'), line1: a('line1'), ...(a('line2') ? { line2: a('line2') } : {}), city: a('city'), ...(a('province') ? { province: a('province') } : {}), postalCode: a('postalCode'), country: a('country').toUpperCase() } };
      }
    }
    const outcome = await decideFromConsole(db, temporal, id, { decision, note, by: req.user!.username, user: req.user!, correction });
    if (outcome.kind === 'ok') return res.redirect(303, `/console/tasks/${id}?msg=decided`);
    await renderTask(req, res, id, { outcome, form }, outcome.kind === 'not_found' ? 404 : outcome.kind === 'invalid' ? 400 : outcome.kind === 'not_certified' ? 403 : 409);
  });

  // ---- Stuck orders ------------------------------------------------------------------------------
  async function renderStuck(req: Request, res: Response, extra: { outcome?: { ok: boolean; message: string; orderNo: string } | null } = {}, status = 200) {
    // ?quiet=<minutes> narrows or widens the threshold for this view only.
    const raw = Number(str(req.query.quiet, 8));
    const quiet = str(req.query.quiet, 8) !== '' && Number.isFinite(raw) && raw >= 0 && raw <= 10_080 ? raw : null;
    // Without ?quiet: BOXFLOW_STUCK_AFTER_MS (15 min) scaled by BOXFLOW_TIME_SCALE.
    const threshold = quiet === null ? stuckAfterMs(process.env, temporal.policy.timeScale) : quiet * 60_000;
    // Temporal visibility, a page at a time (?page=<token> from the previous page's "next" link).
    const pageToken = /^[A-Za-z0-9_-]{1,2000}$/.test(str(req.query.page, 2000)) ? str(req.query.page, 2000) : null;
    let page: StuckPage = { orders: [], nextPageToken: null, scanned: 0, described: 0 };
    let listError: string | null = null;
    try {
      page = await listStuckOrders(db, temporal, { stuckAfterMs: threshold, pageToken });
    } catch (err) {
      listError = (err as Error).message?.slice(0, 300) ?? String(err);
    }
    const nextHref = page.nextPageToken ? `/console/stuck?${new URLSearchParams({ ...(quiet === null ? {} : { quiet: String(quiet) }), page: page.nextPageToken }).toString()}` : null;
    await renderPage(req, res, 'console/stuck', {
      rows: page.orders, scanned: page.scanned, nextHref, firstHref: pageToken ? `/console/stuck${quiet === null ? '' : `?quiet=${quiet}`}` : null, listError,
      quiet: quiet === null ? '' : String(quiet), thresholdMin: Math.round((threshold / 60_000) * 10) / 10,
      canAct: hasRole(req.user, 'supervisor'), outcome: extra.outcome ?? null, msg: flash(req), here: req.originalUrl, ...helpers(req),
    }, status);
  }

  r.get('/console/stuck', requireRole('staff'), (req, res) => renderStuck(req, res));

  r.post('/console/stuck/:orderNo/retry', requireRole('supervisor'), async (req, res) => {
    const orderNo = str(req.params.orderNo, 64);
    const reason = str(req.body?.reason, NOTE_MAX);
    const activityId = str(req.body?.activityId, 200);
    const lang = pickLang(req);
    if (!reason || !activityId) return renderStuck(req, res, { outcome: { ok: false, orderNo, message: translate(lang, 'console.needReason') } }, 400);
    const result = await retryActivityNow(db, temporal, { orderNo, activityId, by: req.user!.username, reason });
    if (result.kind === 'ok') return res.redirect(303, withMsg(safeNext(req.body?.next, '/console/stuck'), 'retried'));
    await renderStuck(req, res, { outcome: { ok: false, orderNo, message: result.error === 'unsupported' ? translate(lang, 'console.retryUnsupported') : result.message } }, 409);
  });

  r.post('/console/stuck/:orderNo/cancel', requireRole('supervisor'), async (req, res) => {
    const orderNo = str(req.params.orderNo, 64);
    const reason = str(req.body?.reason, NOTE_MAX);
    const lang = pickLang(req);
    if (!reason) return renderStuck(req, res, { outcome: { ok: false, orderNo, message: translate(lang, 'console.needReason') } }, 400);
    const result = await cancelStuckOrder(db, temporal, { orderNo, by: req.user!.username, reason });
    if (result.kind === 'ok') return res.redirect(303, withMsg(safeNext(req.body?.next, '/console/stuck'), 'cancelled'));
    await renderStuck(req, res, { outcome: { ok: false, orderNo, message: result.message } }, result.kind === 'not_found' ? 404 : 409);
  });

  // ---- Bulk decisions ----------------------------------------------------------------------------
  async function renderBulk(req: Request, res: Response, kind: string, sku: string, extra: { results?: ConsoleDecision[]; error?: string; form?: Record<string, string> } = {}, status = 200) {
    const tasks = kind ? await openTasksForBulk(db, kind, { sku: sku || undefined, limit: BULK_MAX }) : [];
    const spec = kind ? (TASK_KINDS as Record<string, { options: readonly string[]; defaultOption: string }>)[kind] : undefined;
    await renderPage(req, res, 'console/bulk', {
      kind, sku, kinds: KINDS, counts: await countOpenByKind(db), tasks, options: spec?.options ?? [], defaultOption: spec?.defaultOption ?? '',
      canAct: hasRole(req.user, 'supervisor'), results: extra.results ?? null, error: extra.error ?? null, form: extra.form ?? { decision: '', note: '' }, max: BULK_MAX, ...helpers(req),
    }, status);
  }
  const skuOf = (v: unknown) => (/^[A-Za-z0-9._-]{1,64}$/.test(str(v, 64)) ? str(v, 64) : '');

  r.get('/console/bulk', requireRole('staff'), (req, res) => renderBulk(req, res, pick(req.query.kind, KINDS) ?? '', skuOf(req.query.sku)));

  r.post('/console/bulk', requireRole('supervisor'), async (req, res) => {
    const kind = pick(req.body?.kind, KINDS) ?? '';
    const sku = skuOf(req.body?.sku);
    const decision = str(req.body?.decision, 40);
    const note = str(req.body?.note, NOTE_MAX);
    const rawIds = req.body?.taskId;
    const ids = (Array.isArray(rawIds) ? rawIds : rawIds ? [rawIds] : []).map((v: unknown) => idParam(String(v))).filter((n: number | undefined): n is number => n !== undefined);
    const lang = pickLang(req);
    const form = { decision, note };
    const spec = kind ? (TASK_KINDS as Record<string, { options: readonly string[] }>)[kind] : undefined;
    if (!kind || !spec) return renderBulk(req, res, '', sku, { error: translate(lang, 'console.bulk.needKind'), form }, 400);
    if (!spec.options.includes(decision)) return renderBulk(req, res, kind, sku, { error: translate(lang, 'console.needDecision'), form }, 400);
    if (!note) return renderBulk(req, res, kind, sku, { error: translate(lang, 'console.needNote'), form }, 400);
    if (ids.length === 0) return renderBulk(req, res, kind, sku, { error: translate(lang, 'console.bulk.needTasks'), form }, 400);
    const results = await bulkDecide(db, temporal, { kind, taskIds: ids, decision, note, by: req.user!.username, user: req.user! });
    await renderBulk(req, res, kind, sku, { results, form });
  });

  // ---- Audit log ---------------------------------------------------------------------------------
  const auditFilter = (req: Request) => {
    const day = (v: unknown) => (/^\d{4}-\d{2}-\d{2}$/.test(str(v, 10)) && !Number.isNaN(Date.parse(str(v, 10))) ? str(v, 10) : '');
    const f = {
      actor: str(req.query.actor, 64),
      action: /^[a-z_.]{0,64}$/.test(str(req.query.action, 64)) ? str(req.query.action, 64) : '',
      orderNo: str(req.query.order, 64),
      from: day(req.query.from),
      to: day(req.query.to),
    };
    const query = {
      actor: f.actor || undefined,
      action: f.action || undefined,
      orderNo: f.orderNo || undefined,
      from: f.from ? `${f.from}T00:00:00.000Z` : undefined,
      // "to" is a whole day, inclusive.
      to: f.to ? new Date(Date.parse(`${f.to}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined,
    };
    return { f, query };
  };

  r.get('/console/audit', requireRole('supervisor'), async (req, res) => {
    const { f, query } = auditFilter(req);
    const page = Math.min(100_000, Math.max(1, Number.parseInt(str(req.query.page, 7), 10) || 1));
    const { rows, total } = await listAudit(db, { ...query, limit: 100, offset: (page - 1) * 100 });
    const p = new URLSearchParams();
    if (f.actor) p.set('actor', f.actor);
    if (f.action) p.set('action', f.action);
    if (f.orderNo) p.set('order', f.orderNo);
    if (f.from) p.set('from', f.from);
    if (f.to) p.set('to', f.to);
    const base = p.toString();
    await renderPage(req, res, 'console/audit', { rows, total, page, pages: Math.max(1, Math.ceil(total / 100)), f, base, csvHref: `/console/audit.csv${base ? `?${base}` : ''}`, ...helpers(req) });
  });

  r.get('/console/audit.csv', requireRole('supervisor'), async (req, res) => {
    const { query } = auditFilter(req);
    const { rows } = await listAudit(db, { ...query, limit: 10_000 });
    const header = ['at', 'actor', 'action', 'order_no', 'task_id', 'subject', 'reason', 'data'];
    const lines = [header.join(',')].concat(
      rows.map((a) => [a.at, a.actor, a.action, a.orderNo ?? '', a.taskId ?? '', a.subject ?? '', a.reason ?? '', a.data ? JSON.stringify(a.data) : ''].map(csvCell).join(',')),
    );
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', 'attachment; filename="boxflow-audit.csv"');
    res.set('Cache-Control', 'no-store');
    // A BOM so that Excel opens the Chinese text as UTF-8.
    res.send(`\uFEFF${lines.join('\r\n')}\r\n`);
  });

  return r;
}

/**
 * One CSV cell, quoted. A cell a spreadsheet would run as a formula (= + - @, tab, CR) gets a
 * leading apostrophe: reasons and notes are typed by people (CSV injection guard).
 */
export function csvCell(v: unknown): string {
  let s = String(v ?? '');
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}
