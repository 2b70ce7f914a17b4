/**
 * The warehouse stations (stations mode): what a person at a station does, checked against the
 * rules (domain/stations), counted in the database (db/warehouse), told to the order's workflow as
 * an update (its validator has the last word), and written to the audit log, refused or not.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { stripImageMetadata } from '../../adapters/images/strip-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { addDamageReport, barcodeMap, claimWave, countScan, getFloorOrder, listFloorOrders, markDamageReported, orderOfWaybill, pendingDamage, pickScans, releaseWave, resetPickScans, waveClaims } from '../../db/warehouse';
import { sniffImage } from '../pages/training.pages';
import { applyScan, boxFromCode, packReportProblem, ScanResult, StationStep } from '../../domain/stations';
import { buildWaves, Wave } from '../../domain/waves';
import { stationHandOverUpdate, stationPackUpdate, stationPickUpdate } from '../../workflows/order/messages';
import { canWorkStation, GateResult } from './certification-gate';
import { TemporalGateway, workflowIdFor } from './order-intake';

export interface StationUser {
  id: number;
  username: string;
  role: string;
}

export type StationOutcome = { ok: true; detail: string } | { ok: false; reason: string; gate?: GateResult };

function refusal(err: unknown): string {
  if (err instanceof WorkflowUpdateFailedError) return (err.cause?.message ?? err.message).slice(0, 500);
  if (err instanceof WorkflowNotFoundError) return 'the order is no longer waiting at a station';
  throw err;
}

export function stationService(db: Db, temporal: TemporalGateway, opts: { dataDir?: string } = {}) {
  const damageDir = path.join(opts.dataDir ?? '.', 'damage');
  const handle = (orderNo: string) => temporal.client.workflow.getHandle(workflowIdFor(orderNo));

  /** Keeps a photo of damage (or a broken seal): an image, stored without EXIF/GPS, XMP or comments, as training evidence is. Its name, or undefined when it is not an image. */
  function storePhoto(photo: Buffer | undefined): string | undefined {
    const kind = photo ? sniffImage(photo) : undefined;
    const clean = photo && kind ? stripImageMetadata(photo, kind.mime) : undefined;
    if (!kind || !clean) return undefined;
    const photoPath = `${crypto.randomBytes(16).toString('hex')}.${kind.ext}`;
    fs.mkdirSync(damageDir, { recursive: true });
    fs.writeFileSync(path.join(damageDir, photoPath), clean, { flag: 'wx', mode: 0o600 });
    return photoPath;
  }

  async function gate(user: StationUser, step: StationStep): Promise<StationOutcome | undefined> {
    const g = await canWorkStation(db, user, step);
    return g.allowed ? undefined : { ok: false, reason: `the ${step} station needs a valid certificate for training module ${g.moduleId}`, gate: g };
  }

  /** Tells the workflow every unit is picked and checked (the validator compares with the pick list). */
  async function reportPicked(orderNo: string, scanned: Record<string, number>, user: StationUser): Promise<StationOutcome> {
    const units = Object.entries(scanned).filter(([, n]) => n > 0).map(([sku, quantity]) => ({ sku, quantity }));
    const damage = await pendingDamage(db, orderNo);
    const damaged = damage.map((d) => ({ sku: d.sku, photo: d.photoPath }));
    let out: StationOutcome;
    try {
      out = { ok: true, detail: (await handle(orderNo).executeUpdate(stationPickUpdate, { args: [{ by: user.username, units, damaged }] })).detail };
      await markDamageReported(db, damage.map((d) => d.id));
    } catch (err) {
      out = { ok: false, reason: refusal(err) };
    }
    await recordAudit(db, { actor: user.username, action: out.ok ? 'station.picked' : 'station.pick_refused', orderNo, reason: out.ok ? null : out.reason, data: { units, damaged } });
    return out;
  }

  return {
    reportPicked,

    /** Today's floor: waves by carrier cut-off (most urgent first), with who claimed each. */
    async floor(nowMs = Date.now()): Promise<Array<Wave & { claimedBy: string | null }>> {
      const waves = buildWaves(await listFloorOrders(db), nowMs);
      const claims = await waveClaims(db, waves.map((w) => w.key));
      return waves.map((w) => ({ ...w, claimedBy: claims.get(w.key) ?? null }));
    },

    /** One picker per wave (compare-and-set): false with the winner when someone else was first. */
    async claim(waveKey: string, user: StationUser): Promise<{ won: boolean; claimedBy: string }> {
      const r = await claimWave(db, waveKey, user.username);
      await recordAudit(db, { actor: user.username, action: r.won ? 'station.wave_claim' : 'station.wave_claim_lost', subject: `wave:${waveKey}`, data: { claimedBy: r.claimedBy } });
      return r;
    },

    async release(waveKey: string, user: StationUser): Promise<boolean> {
      const released = await releaseWave(db, waveKey, user.username);
      if (released) await recordAudit(db, { actor: user.username, action: 'station.wave_release', subject: `wave:${waveKey}` });
      return released;
    },

    /**
     * One unit scanned at the pick / inspect station (a keyboard-wedge scanner types the code and
     * Enter), or a whole case (端盒) that counts all its units at once once the picker has confirmed
     * its seal intact (`seal`; without it the answer is `seal_check`). Counted when it is an item of
     * the order still short; refused otherwise. The last unit tells the workflow that the order is picked.
     */
    async scan(orderNo: string, code: string, user: StationUser, opts: { seal?: 'intact' } = {}): Promise<{ result: ScanResult | { ok: false; reason: 'not_at_pick' | 'not_certified' }; scanned: Record<string, number>; picked?: StationOutcome }> {
      const denied = await gate(user, 'pick');
      const order = await getFloorOrder(db, orderNo);
      const before = await pickScans(db, orderNo);
      const audit = (result: unknown, extra: Record<string, unknown> = {}) =>
        recordAudit(db, { actor: user.username, action: 'station.scan', orderNo, data: { code: code.slice(0, 64), result, ...extra } });
      if (denied) {
        await audit({ ok: false, reason: 'not_certified' });
        return { result: { ok: false, reason: 'not_certified' }, scanned: before };
      }
      if (!order || order.step !== 'pick') {
        await audit({ ok: false, reason: 'not_at_pick' });
        return { result: { ok: false, reason: 'not_at_pick' }, scanned: before };
      }
      const expected = order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
      const { result } = applyScan(expected, before, code, await barcodeMap(db), opts);
      if (!result.ok) {
        await audit(result);
        return { result, scanned: before };
      }
      // Counted in the database, never beyond the list (two scanners at once count one unit once).
      const units = result.case?.units ?? 1;
      const counted = await countScan(db, { orderNo, sku: result.sku, of: result.of, by: user.username, units });
      const scanned = await pickScans(db, orderNo);
      if (!counted.counted) {
        const refused: ScanResult = { ok: false, reason: 'already_complete', sku: result.sku, scanned: counted.scanned, of: result.of };
        await audit(refused);
        return { result: refused, scanned };
      }
      const now: ScanResult = { ...result, scanned: counted.scanned, complete: expected.every((l) => (scanned[l.sku] ?? 0) >= l.quantity) };
      await audit(now, result.case ? { seal: 'intact' } : {});
      if (!now.complete) return { result: now, scanned };
      const picked = await reportPicked(orderNo, scanned, user);
      return { result: now, scanned, picked };
    },

    /**
     * P1.4: the picker found a unit damaged and took its photo. Kept with the order and told to the
     * workflow with the pick: the unit is written off, a spare takes its place or a supervisor decides.
     */
    async reportDamage(orderNo: string, input: { sku: string; photo: Buffer | undefined }, user: StationUser): Promise<StationOutcome> {
      const out = await (async (): Promise<StationOutcome> => {
        const denied = await gate(user, 'pick');
        if (denied) return denied;
        const order = await getFloorOrder(db, orderNo);
        if (!order || order.step !== 'pick') return { ok: false, reason: `order ${orderNo} is not at the pick station` };
        const line = order.lines.find((l) => l.sku === input.sku);
        if (!line) return { ok: false, reason: `${input.sku} is not on this order` };
        const already = (await pendingDamage(db, orderNo)).filter((d) => d.sku === input.sku).length;
        if (already >= line.quantity) return { ok: false, reason: `all ${line.quantity} of ${input.sku} are reported damaged already` };
        const photoPath = storePhoto(input.photo);
        if (!photoPath) return { ok: false, reason: 'a photo of the damage (JPEG, PNG or WebP) is required' };
        await addDamageReport(db, { orderNo, sku: input.sku, photoPath, by: user.username });
        return { ok: true, detail: `damaged ${input.sku} reported with a photo` };
      })();
      await recordAudit(db, { actor: user.username, action: out.ok ? 'station.damage' : 'station.damage_refused', orderNo, reason: out.ok ? null : out.reason, data: { sku: input.sku } });
      return out;
    },

    /**
     * P1.4: a whole case (端盒) scanned whose seal is broken. Its units are picked (counted at once)
     * but nobody can vouch for what is inside: each is reported damaged with the photo, and the
     * damage path follows with the pick (a spare replaces it, or a supervisor decides).
     */
    async reportBrokenSeal(orderNo: string, input: { code: string; photo: Buffer | undefined }, user: StationUser): Promise<{ outcome: StationOutcome; scanned: Record<string, number>; picked?: StationOutcome }> {
      let picked: StationOutcome | undefined;
      let sku = '';
      let units = 0;
      const out = await (async (): Promise<StationOutcome> => {
        const denied = await gate(user, 'pick');
        if (denied) return denied;
        const order = await getFloorOrder(db, orderNo);
        if (!order || order.step !== 'pick') return { ok: false, reason: `order ${orderNo} is not at the pick station` };
        const expected = order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
        // Checked as a scan whose seal was looked at: a sealed code of this order, with room for its units.
        const { result } = applyScan(expected, await pickScans(db, orderNo), input.code, await barcodeMap(db), { seal: 'intact' });
        if (!result.ok) return { ok: false, reason: `${input.code}: ${result.reason.replace(/_/g, ' ')}${result.sku ? ` (${result.sku})` : ''}` };
        if (!result.case?.sealed) return { ok: false, reason: `${input.code} is not a sealed case` };
        sku = result.sku;
        units = result.case.units;
        const line = order.lines.find((l) => l.sku === sku)!;
        const already = (await pendingDamage(db, orderNo)).filter((d) => d.sku === sku).length;
        if (already + units > line.quantity) return { ok: false, reason: `${already} of ${sku} are reported damaged already; the case holds ${units}, the order ${line.quantity}` };
        const photoPath = storePhoto(input.photo);
        if (!photoPath) return { ok: false, reason: 'a photo of the broken seal (JPEG, PNG or WebP) is required' };
        const counted = await countScan(db, { orderNo, sku, of: line.quantity, by: user.username, units });
        if (!counted.counted) return { ok: false, reason: `${sku}: the case's ${units} units no longer fit the pick list (${counted.scanned} of ${line.quantity} scanned)` };
        for (let i = 0; i < units; i++) await addDamageReport(db, { orderNo, sku, photoPath, by: user.username });
        return { ok: true, detail: `case of ${units} ${sku}: seal broken, reported with a photo; its units count as damaged` };
      })();
      await recordAudit(db, { actor: user.username, action: out.ok ? 'station.seal_broken' : 'station.seal_refused', orderNo, reason: out.ok ? null : out.reason, data: { code: input.code.slice(0, 64), sku, units } });
      const scanned = await pickScans(db, orderNo);
      if (out.ok) {
        const order = await getFloorOrder(db, orderNo);
        if (order && order.lines.every((l) => (scanned[l.sku] ?? 0) >= l.quantity)) picked = await reportPicked(orderNo, scanned, user);
      }
      return { outcome: out, scanned, ...(picked ? { picked } : {}) };
    },

    /** A picker who lost count starts the order again (audited). */
    async resetCount(orderNo: string, user: StationUser, reason: string): Promise<void> {
      await resetPickScans(db, orderNo);
      await recordAudit(db, { actor: user.username, action: 'station.scan_reset', orderNo, reason: reason || 'count started again' });
    },

    /** P1.5: a parcel packed in the box scanned and weighed; a weight out of tolerance asks for a recount. */
    async pack(orderNo: string, input: { shipmentId: string; box: string; weightGrams: number }, user: StationUser): Promise<StationOutcome> {
      const out = await (async (): Promise<StationOutcome> => {
        const denied = await gate(user, 'pack');
        if (denied) return denied;
        const order = await getFloorOrder(db, orderNo);
        const parcel = order?.parcels.find((p) => p.id === input.shipmentId);
        if (!order || order.step !== 'pack' || !parcel) return { ok: false, reason: `order ${orderNo} has no parcel ${input.shipmentId} waiting to be packed` };
        // Checked here first for a quick answer; the workflow's validator checks again.
        const problem = packReportProblem(parcel.itemsGrams, input);
        if (problem) return { ok: false, reason: problem };
        try {
          const box = boxFromCode(input.box) ?? input.box;
          return { ok: true, detail: (await handle(orderNo).executeUpdate(stationPackUpdate, { args: [{ by: user.username, shipmentId: input.shipmentId, box, weightGrams: input.weightGrams }] })).detail };
        } catch (err) {
          return { ok: false, reason: refusal(err) };
        }
      })();
      await recordAudit(db, { actor: user.username, action: out.ok ? 'station.packed' : 'station.pack_refused', orderNo, subject: `shipment:${input.shipmentId}`, reason: out.ok ? null : out.reason, data: { box: input.box, weightGrams: input.weightGrams } });
      return out;
    },

    /** P2.2: the courier's parcel scanned out; only this moves it to shipped. */
    async handOver(waybillNo: string, user: StationUser, carrier?: string): Promise<StationOutcome & { orderNo?: string }> {
      const code = waybillNo.trim();
      const out = await (async (): Promise<StationOutcome & { orderNo?: string }> => {
        const denied = await gate(user, 'handover');
        if (denied) return denied;
        const found = await orderOfWaybill(db, code);
        if (!found) return { ok: false, reason: `waybill ${code} is not a parcel of ours` };
        if (carrier && found.carrier !== carrier) return { ok: false, reason: `waybill ${code} is a ${found.carrier} parcel, not ${carrier}: hand it to its own courier`, orderNo: found.orderNo };
        try {
          const r = await handle(found.orderNo).executeUpdate(stationHandOverUpdate, { args: [{ by: user.username, waybillNo: code }] });
          return { ok: true, detail: r.detail, orderNo: found.orderNo };
        } catch (err) {
          return { ok: false, reason: refusal(err), orderNo: found.orderNo };
        }
      })();
      await recordAudit(db, { actor: user.username, action: out.ok ? 'station.handed_over' : 'station.handover_refused', orderNo: out.orderNo ?? null, subject: `waybill:${code.slice(0, 64)}`, reason: out.ok ? null : out.reason });
      return out;
    },
  };
}

export type StationService = ReturnType<typeof stationService>;
