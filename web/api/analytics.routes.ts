import { Router, Request, Response } from 'express';
import { loadAnalyticsRows } from '../../db/analytics';
import type { Db } from '../../db/knex';
import { AnalyticsReport, computeAnalytics, parseWindow, toCsv } from '../../domain/analytics';

/** Validates the window and computes the report; answers 400 itself on a bad window. */
export async function analyticsFor(db: Db, req: Request, res: Response): Promise<AnalyticsReport | undefined> {
  const parsed = parseWindow({ from: req.query.from, to: req.query.to }, Date.now());
  if (!parsed.ok) {
    res.status(400).json({ error: 'validation_failed', details: parsed.details });
    return undefined;
  }
  return computeAnalytics(parsed.window, await loadAnalyticsRows(db, parsed.window));
}

/** P4.1: GET /api/analytics?from&to (JSON) and GET /api/analytics.csv?from&to (one section per metric). */
export function analyticsApi(db: Db): Router {
  const r = Router();

  r.get('/analytics', async (req, res) => {
    const report = await analyticsFor(db, req, res);
    if (report) res.json(report);
  });

  r.get('/analytics.csv', async (req, res) => {
    const report = await analyticsFor(db, req, res);
    if (!report) return;
    res
      .type('text/csv; charset=utf-8')
      .attachment(`boxflow-analytics-${report.window.from}-${report.window.to}.csv`)
      // BOM: Excel (what the staff open CSVs with) reads UTF-8 only with it.
      .send(`\uFEFF${toCsv(report)}`);
  });

  return r;
}
