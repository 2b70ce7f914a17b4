import { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import type { Db } from '../../db/knex';
import { getOrder } from '../../db/orders';
import { getFloorOrder, manifestParcels, pendingDamage, pickScans, waveClaims } from '../../db/warehouse';
import { CARRIER_NAMES } from '../../domain/carriers';
import { expectedParcelWeight } from '../../domain/stations';
import type { CarrierCode } from '../../domain/types';
import { isOrderNo } from '../../domain/order-validation';
import { parseWaveKey, pickList } from '../../domain/waves';
import { csrfTokenValid } from '../auth/csrf';
import { requireStation } from '../auth/roles';
import { pickLang } from '../i18n';
import { renderPage } from '../render';
import type { TemporalGateway } from '../services/order-intake';
import { manifestPdf, packingSlipPdf, pickListPdf, printShippingLabel, printShippingLabelZpl, productLabelsPdf } from '../services/labels';
import { stationService } from '../services/stations';

const CARRIERS = Object.keys(CARRIER_NAMES) as CarrierCode[];
const text = (v: unknown, max = 100) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
/** A document's file name: a shipment id and .pdf (or .zpl, a label for a thermal printer); which shipment, and whether it exists, the handler asks. */
const PDF_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(pdf|zpl)$/;

/**
 * The warehouse floor (stations mode): waves by cut-off, pick lists by bin, scan-to-verify, pack
 * and weigh, the hand-over manifest. Every page works with a keyboard-wedge scanner: the field to
 * scan into has the focus, and the scanner's Enter submits it. Routes are thin: rules in domain/,
 * data in db/, the workflow told through web/services/stations.ts.
 */
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 8, fieldSize: 16 * 1024, parts: 10 } });

export function warehousePages(db: Db, temporal: TemporalGateway, opts: { dataDir: string }): Router {
  const r = Router();
  const stations = stationService(db, temporal, { dataDir: opts.dataDir });
  const who = (req: Request) => ({ id: req.user!.id, username: req.user!.username, role: req.user!.role });

  async function floorPage(req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) {
    await renderPage(req, res, 'warehouse/floor', { waves: await stations.floor(), carrierName: carrierName(req), ...extra }, status);
  }
  const carrierName = (req: Request) => (code: CarrierCode) => (CARRIER_NAMES[code] ? (pickLang(req) === 'en' ? CARRIER_NAMES[code].en : CARRIER_NAMES[code].zh) : code);

  /**
   * Every path parameter of these routes is checked here, once, after the role check (so that who
   * may not work the stations learns nothing) and before any handler: a value that is not the shape
   * of its kind is 400, one that names nothing is 404, and either way nothing is written. A handler
   * only ever sees a wave that is on the floor (or still claimed), an order that exists, a carrier we
   * ship with, and a PDF name. An order that exists but is not at this station is the handler's to
   * answer (the page says so; a scan there is refused and audited).
   */
  async function checkParams(req: Request, res: Response, next: NextFunction) {
    const { key, orderNo, carrier, file } = req.params as Record<string, string | undefined>;
    const refuse = (status: 400 | 404, messageKey: string) => renderPage(req, res, 'error', { messageKey }, status);
    if (key !== undefined) {
      if (!parseWaveKey(key)) return refuse(400, 'wh.error.badWaveKey');
      const onFloor = (await stations.floor()).some((w) => w.key === key);
      if (!onFloor && !(await waveClaims(db, [key])).has(key)) return refuse(404, 'wh.error.noWave');
    }
    if (orderNo !== undefined) {
      if (!isOrderNo(orderNo)) return refuse(400, 'wh.error.badOrderNo');
      if (!(await getOrder(db, orderNo))) return refuse(404, 'wh.error.noOrder');
    }
    if (carrier !== undefined && !CARRIERS.includes(carrier as CarrierCode)) return refuse(404, 'error.notFound');
    if (file !== undefined && !PDF_NAME.test(file)) return refuse(404, 'error.notFound');
    next();
  }
  const stationRole = requireStation();
  /** Each route's guard: the role, then its path parameters. */
  // RequestHandler<any>, as requireStation: a route's own params typing (':orderNo' → string) is kept.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const station: RequestHandler<any> = (req, res, next) => stationRole(req, res, () => void checkParams(req, res, next).catch(next));

  r.get('/warehouse', station, async (req, res) => floorPage(req, res));

  r.post('/warehouse/waves/:key/claim', station, async (req, res) => {
    const claim = await stations.claim(req.params.key, who(req));
    if (!claim.won) return floorPage(req, res, { claimLost: claim.claimedBy }, 409);
    res.redirect(303, `/warehouse/waves/${encodeURIComponent(req.params.key)}`);
  });

  r.post('/warehouse/waves/:key/release', station, async (req, res) => {
    await stations.release(req.params.key, who(req));
    res.redirect(303, '/warehouse');
  });

  r.get('/warehouse/waves/:key', station, async (req, res) => {
    const wave = (await stations.floor()).find((w) => w.key === req.params.key);
    if (!wave) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    await renderPage(req, res, 'warehouse/wave', { wave, rows: pickList(wave), carrierName: carrierName(req) });
  });

  r.get('/warehouse/waves/:key/pick-list.pdf', station, async (req, res) => {
    const wave = (await stations.floor()).find((w) => w.key === req.params.key);
    if (!wave) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    const pdf = await pickListPdf(db, wave, pickList(wave), req.user!.username);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="pick-list-${wave.key.replace(':', '-')}.pdf"`).send(pdf);
  });

  for (const [prefix, make] of [['slips', packingSlipPdf], ['product-labels', productLabelsPdf]] as const) {
    r.get(`/warehouse/${prefix}/:file`, station, async (req, res) => {
      const m = /^(.+)\.pdf$/.exec(String(req.params.file));
      const pdf = m ? await make(db, m[1], req.user!.username) : undefined;
      if (!pdf) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
      res.type('application/pdf').set('Content-Disposition', `inline; filename="${prefix}-${m![1]}.pdf"`).send(pdf);
    });
  }

  async function pickPage(req: Request, res: Response, orderNo: string, extra: Record<string, unknown> = {}) {
    const order = await getFloorOrder(db, orderNo);
    await renderPage(req, res, 'warehouse/pick', { orderNo, order: order ?? null, scanned: await pickScans(db, orderNo), damage: await pendingDamage(db, orderNo), result: null, code: '', picked: null, damageOutcome: null, sealOutcome: null, ...extra });
  }

  r.get('/warehouse/pick/:orderNo', station, async (req, res) => pickPage(req, res, req.params.orderNo));

  r.post('/warehouse/pick/:orderNo/scan', station, async (req, res) => {
    const code = text(req.body?.code, 64);
    const out = await stations.scan(req.params.orderNo, code, who(req), req.body?.seal === 'intact' ? { seal: 'intact' } : {});
    await pickPage(req, res, req.params.orderNo, { result: out.result, code, picked: out.picked ?? null });
  });

  /** Reads a multipart form with one photo: null, or why it could not be read; answers 403 itself when the CSRF token is wrong (then false). */
  async function photoForm(req: Request, res: Response): Promise<{ error: string | null } | false> {
    const parsed = await new Promise<string | null>((resolve) => upload.single('photo')(req, res, (err: unknown) => resolve(err ? (err instanceof multer.MulterError ? err.code : 'BAD_MULTIPART') : null)));
    if (!parsed && !csrfTokenValid(req)) {
      res.set('Cache-Control', 'no-store');
      await renderPage(req, res, 'auth/denied', { titleKey: 'csrf.title', messageKey: 'csrf.message', showLogin: false }, 403);
      return false;
    }
    return { error: parsed ? (parsed === 'LIMIT_FILE_SIZE' ? 'the photo is larger than 5 MB' : 'the form could not be read') : null };
  }

  // P1.4: a whole case whose seal is broken: its units counted, each reported damaged with the photo.
  r.post('/warehouse/pick/:orderNo/seal-broken', station, async (req, res) => {
    const form = await photoForm(req, res);
    if (!form) return;
    const code = text(req.body?.code, 64);
    const out = form.error
      ? { outcome: { ok: false as const, reason: form.error }, picked: undefined }
      : await stations.reportBrokenSeal(req.params.orderNo, { code, photo: req.file?.buffer }, who(req));
    await pickPage(req, res, req.params.orderNo, { sealOutcome: out.outcome, picked: out.picked ?? null });
  });

  // P1.4: a damaged unit with its photo. Multipart: read only after the role and the order are checked
  // (the guard), and the CSRF check deferred to right after parsing (web/auth/csrf.ts), the token a form field.
  r.post('/warehouse/pick/:orderNo/damage', station, async (req, res) => {
    const form = await photoForm(req, res);
    if (!form) return;
    const outcome = form.error ? { ok: false as const, reason: form.error } : await stations.reportDamage(req.params.orderNo, { sku: text(req.body?.sku, 64), photo: req.file?.buffer }, who(req));
    await pickPage(req, res, req.params.orderNo, { damageOutcome: outcome });
  });

  r.post('/warehouse/pick/:orderNo/reset', station, async (req, res) => {
    await stations.resetCount(req.params.orderNo, who(req), text(req.body?.reason, 200));
    res.redirect(303, `/warehouse/pick/${encodeURIComponent(req.params.orderNo)}`);
  });

  async function packPage(req: Request, res: Response, orderNo: string, extra: Record<string, unknown> = {}) {
    const order = await getFloorOrder(db, orderNo);
    const parcels = (order?.step === 'pack' ? order.parcels : []).map((p) => ({ ...p, expected: expectedParcelWeight(p.itemsGrams, (p.box ?? 'carton') as 'carton') }));
    await renderPage(req, res, 'warehouse/pack', { orderNo, order: order ?? null, parcels, outcome: null, ...extra });
  }

  r.get('/warehouse/pack/:orderNo', station, async (req, res) => packPage(req, res, req.params.orderNo));

  r.post('/warehouse/pack/:orderNo', station, async (req, res) => {
    const weight = Number(text(req.body?.weightGrams, 12).replace(',', '.'));
    const outcome = await stations.pack(req.params.orderNo, { shipmentId: text(req.body?.shipmentId, 100), box: text(req.body?.box, 40), weightGrams: weight }, who(req));
    await packPage(req, res, req.params.orderNo, { outcome });
  });

  async function manifestPage(req: Request, res: Response, carrier: CarrierCode, extra: Record<string, unknown> = {}) {
    const parcels = await manifestParcels(db, carrier);
    const kg = (parcels.reduce((g, p) => g + p.weightGrams, 0) / 1000).toFixed(2);
    await renderPage(req, res, 'warehouse/manifest', { carrier, carrierLabel: carrierName(req)(carrier), parcels, kg, outcome: null, ...extra });
  }

  r.get('/warehouse/manifest/:carrier', station, async (req, res) => {
    await manifestPage(req, res, req.params.carrier as CarrierCode);
  });

  r.post('/warehouse/manifest/:carrier/scan', station, async (req, res) => {
    const carrier = req.params.carrier as CarrierCode;
    const outcome = await stations.handOver(text(req.body?.waybillNo, 64), who(req), carrier);
    await manifestPage(req, res, carrier, { outcome });
  });

  r.get('/warehouse/manifest/:carrier/manifest.pdf', station, async (req, res) => {
    const carrier = req.params.carrier as CarrierCode;
    const pdf = await manifestPdf(db, carrier, req.user!.username);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="manifest-${carrier}.pdf"`).send(pdf);
  });

  // The label as a PDF, or as ZPL for a thermal printer (sent to it as it is).
  r.get('/warehouse/labels/:file', station, async (req, res) => {
    const m = /^(.+)\.(pdf|zpl)$/.exec(req.params.file);
    if (!m) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    if (m[2] === 'zpl') {
      const zpl = await printShippingLabelZpl(db, m[1], req.user!.username);
      if (zpl.kind !== 'ok') return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
      return res.type('application/x-zpl').set('Content-Disposition', `attachment; filename="label-${zpl.waybillNo}.zpl"`).send(zpl.zpl);
    }
    const label = await printShippingLabel(db, m[1], req.user!.username);
    if (label.kind !== 'ok') return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="label-${label.waybillNo}.pdf"`).send(label.pdf);
  });

  return r;
}
