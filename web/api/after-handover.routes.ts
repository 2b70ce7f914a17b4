import { Router } from 'express';
import type { Db } from '../../db/knex';
import { getReturn } from '../../db/returns';
import type { TemporalGateway } from '../services/order-intake';
import { openReturn, receiveReturn, ReturnResult } from '../services/returns';
import type { Response } from 'express';

function send(res: Response, r: ReturnResult) {
  if (r.kind === 'invalid') return void res.status(400).json({ error: 'validation_failed', details: r.issues });
  if (r.kind === 'not_found') return void res.status(404).json({ error: r.error, message: r.message });
  if (r.kind === 'conflict') return void res.status(409).json({ error: r.error, message: r.message });
  if (r.kind === 'created' || r.kind === 'existing') res.status(r.kind === 'created' ? 201 : r.body.status === 'receiving' ? 202 : 200).json(r.body);
}

/** P3: returns (the carriers' tracking webhooks are in webhooks.routes.ts, signed). */
export function afterHandOverApi(db: Db, temporal: TemporalGateway): Router {
  const r = Router();

  r.post('/orders/:orderNo/returns', async (req, res) => send(res, await openReturn(db, temporal, req.params.orderNo, req.body)));

  r.get('/returns/:rmaNo', async (req, res) => {
    const ret = await getReturn(db, req.params.rmaNo);
    if (!ret) return void res.status(404).json({ error: 'not_found', message: `no return ${req.params.rmaNo}` });
    res.json(ret);
  });

  r.post('/returns/:rmaNo/receive', async (req, res) => send(res, await receiveReturn(db, temporal, req.params.rmaNo, req.body, 'warehouse')));

  return r;
}
