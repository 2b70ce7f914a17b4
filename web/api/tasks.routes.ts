import { Router, Response } from 'express';
import type { Db } from '../../db/knex';
import { listTasks, TaskStatus } from '../../db/tasks';
import { validateAddress } from '../../domain/order-validation';
import { TASK_KINDS } from '../../domain/tasks';
import type { Address } from '../../domain/types';
import { CommandResult, cancelOrder, decideTask } from '../services/order-commands';
import { callerName } from './auth';
import { parseListQuery } from './list-query';
import type { TemporalGateway } from '../services/order-intake';

const STATUSES: TaskStatus[] = ['open', 'decided', 'expired', 'cancelled'];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function textField(body: Obj, key: string, max: number, required: boolean, details: Array<{ path: string; message: string }>): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') {
    if (required) details.push({ path: key, message: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string') return void details.push({ path: key, message: 'must be a string' });
  if (v.trim() === '') return void details.push({ path: key, message: 'must not be blank' });
  if (v.length > max) return void details.push({ path: key, message: `must be at most ${max} characters` });
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v)) return void details.push({ path: key, message: 'must not contain control characters' });
  return v;
}

function send<T>(res: Response, r: CommandResult<T>): void {
  if (r.kind === 'ok') {
    res.json(r.body);
    return;
  }
  const status = r.kind === 'not_found' ? 404 : r.kind === 'invalid' ? 400 : 409;
  res.status(status).json({ error: r.error, message: r.message, ...(r.extra ?? {}) });
}

export function tasksApi(db: Db, temporal: TemporalGateway, readDb: Db = db): Router {
  const r = Router();

  r.get('/tasks', async (req, res) => {
    const { status: rawStatus, limit, offset, issues } = parseListQuery(req.query, { statuses: STATUSES, defaultLimit: 100, maxLimit: 500, allowed: ['status', 'kind', 'orderNo', 'limit', 'offset'] });
    const status = STATUSES.find((s) => s === rawStatus);
    const kind = Object.keys(TASK_KINDS).find((k) => k === req.query.kind);
    const orderNo = typeof req.query.orderNo === 'string' ? req.query.orderNo : undefined;
    if (req.query.kind !== undefined && !kind) issues.push({ path: 'kind', message: `must be one of ${Object.keys(TASK_KINDS).join(', ')}` });
    if (orderNo !== undefined && (orderNo.length > 64 || /[\u0000-\u001f\u007f]/.test(orderNo))) issues.push({ path: 'orderNo', message: 'must be an order number (at most 64 characters)' });
    if (issues.length) {
      res.status(400).json({ error: 'validation_failed', details: issues });
      return;
    }
    const tasks = await listTasks(readDb, { status, kind, orderNo, limit, offset });
    res.json(tasks);
  });

  r.post('/tasks/:id/decision', async (req, res) => {
    const id = Number(req.params.id);
    const details: Array<{ path: string; message: string }> = [];
    if (!Number.isSafeInteger(id) || id <= 0) details.push({ path: 'id', message: 'must be a task id' });
    if (!isObj(req.body)) {
      res.status(400).json({ error: 'validation_failed', details: [{ path: '', message: 'body must be a JSON object' }] });
      return;
    }
    for (const k of Object.keys(req.body)) if (!['decision', 'note', 'decidedBy', 'correction'].includes(k)) details.push({ path: k, message: 'is not a known field' });
    // P3.2 "correct and resubmit" carries the corrected address with the decision.
    let correction: { shippingAddress?: Address } | undefined;
    if (req.body.correction !== undefined) {
      const c = req.body.correction;
      if (!isObj(c) || Object.keys(c).some((k) => k !== 'shippingAddress')) details.push({ path: 'correction', message: 'must be {shippingAddress}' });
      else {
        details.push(...validateAddress(c.shippingAddress, 'correction.shippingAddress'));
        correction = { shippingAddress: c.shippingAddress as Address };
      }
    }
    const decision = textField(req.body, 'decision', 40, true, details);
    const note = textField(req.body, 'note', 2000, false, details);
    // Who decided is the key that was used; a decidedBy in the body is checked but chooses nothing.
    textField(req.body, 'decidedBy', 100, false, details);
    const decidedBy = callerName(req);
    if (details.length || !decision) {
      res.status(400).json({ error: 'validation_failed', details });
      return;
    }
    send(res, await decideTask(db, temporal, id, { decision, note, decidedBy, correction }));
  });

  r.post('/orders/:orderNo/cancel', async (req, res) => {
    const details: Array<{ path: string; message: string }> = [];
    const body = isObj(req.body) ? req.body : {};
    if (req.body !== undefined && !isObj(req.body)) details.push({ path: '', message: 'body must be a JSON object' });
    for (const k of Object.keys(body)) if (!['reason', 'requestedBy'].includes(k)) details.push({ path: k, message: 'is not a known field' });
    const reason = textField(body, 'reason', 500, true, details);
    textField(body, 'requestedBy', 100, false, details);
    const requestedBy = callerName(req);
    if (details.length || !reason) {
      res.status(400).json({ error: 'validation_failed', details });
      return;
    }
    send(res, await cancelOrder(db, temporal, req.params.orderNo, { reason, requestedBy }));
  });

  return r;
}
