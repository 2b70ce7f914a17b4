import { Router } from 'express';
import { loadAnalyticsRows } from '../../db/analytics';
import type { Db } from '../../db/knex';
import { AnalyticsReport, computeAnalytics, METRIC_DEFINITIONS, parseWindow, toCsv } from '../../domain/analytics';
import { requireRole } from '../auth/roles';
import { pickLang, translate } from '../i18n';
import { renderPage } from '../render';

export interface ChartItem {
  label: string;
  value: number;
  /** The figure as printed next to the bar. */
  text: string;
}

const TOP = 10;
const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)} %`);
const h = (x: number | null) => (x === null ? '–' : `${x} h`);

/** The numbers each bar chart draws; the view turns them into SVG. */
function charts(r: AnalyticsReport, kindLabel: (kind: string) => string) {
  return {
    orderToShip: [
      { label: 'p50', value: r.orderToShip.p50Hours ?? 0, text: h(r.orderToShip.p50Hours) },
      { label: 'p90', value: r.orderToShip.p90Hours ?? 0, text: h(r.orderToShip.p90Hours) },
    ],
    delayRate: r.carriers.map((c) => ({ label: c.carrier, value: c.delayRate ?? 0, text: `${pct(c.delayRate)} (${c.delayed}/${c.shipped})` })),
    transit: r.carriers.filter((c) => c.meanTransitHours !== null).map((c) => ({ label: c.carrier, value: c.meanTransitHours ?? 0, text: h(c.meanTransitHours) })),
    returns: [...r.returnsBySku]
      .filter((x) => x.returnedUnits > 0)
      .sort((a, b) => (b.returnRate ?? 0) - (a.returnRate ?? 0))
      .slice(0, TOP)
      .map((x) => ({ label: x.sku, value: x.returnRate ?? 0, text: `${pct(x.returnRate)} (${x.returnedUnits}/${x.shippedUnits})` })),
    stockouts: r.stockoutsBySku.slice(0, TOP).map((x) => ({ label: x.sku, value: x.stockouts, text: String(x.stockouts) })),
    late: r.lateSkus.slice(0, TOP).map((x) => ({ label: x.sku, value: x.lateOrders, text: String(x.lateOrders) })),
    tasks: r.tasksByKind.map((x) => ({ label: kindLabel(x.kind), value: x.count, text: String(x.count) })),
  } satisfies Record<string, ChartItem[]>;
}

/** P4.1 analytics page: the same figures as GET /api/analytics, with bar charts and a CSV link. */
export function analyticsPages(db: Db): Router {
  const r = Router();

  r.get('/analytics', requireRole('supervisor'), async (req, res) => {
    const parsed = parseWindow({ from: req.query.from, to: req.query.to }, Date.now());
    // A bad window: say why (400) and show the default window instead; the rejected input is never echoed.
    const fallback = parsed.ok ? parsed : parseWindow({}, Date.now());
    if (!fallback.ok) throw new Error('the default analytics window is invalid');
    const w = fallback.window;
    const report = computeAnalytics(w, await loadAnalyticsRows(db, w));
    await renderPage(
      req,
      res,
      'analytics/index',
      {
        report,
        charts: charts(report, (kind) => {
          const text = translate(pickLang(req), `kind.${kind}`);
          return text === `kind.${kind}` ? kind : text;
        }),
        errors: parsed.ok ? [] : parsed.details,
        from: w.from,
        to: w.to,
        // The CSV under /api wants the API key; this page's own export (below) needs only the session.
        csvHref: `/analytics.csv?from=${w.from}&to=${w.to}`,
        definitions: METRIC_DEFINITIONS,
      },
      parsed.ok ? 200 : 400,
    );
  });

  /** The page's CSV download (session sign-in; the API's /api/analytics.csv wants the API key). */
  r.get('/analytics.csv', requireRole('supervisor'), async (req, res) => {
    const parsed = parseWindow({ from: req.query.from, to: req.query.to }, Date.now());
    if (!parsed.ok) {
      res.status(400).type('text/plain').send(parsed.details.map((d) => `${d.path}: ${d.message}`).join('\n'));
      return;
    }
    const report = computeAnalytics(parsed.window, await loadAnalyticsRows(db, parsed.window));
    res
      .type('text/csv; charset=utf-8')
      .attachment(`boxflow-analytics-${report.window.from}-${report.window.to}.csv`)
      .send(`\uFEFF${toCsv(report)}`);
  });

  return r;
}
