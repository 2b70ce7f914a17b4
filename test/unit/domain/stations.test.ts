import { buildPolicy } from '../../../domain/policy';
import { applyScan, boxFromCode, damageReportProblem, expectedParcelWeight, packReportProblem, pickReportProblem, ScanCode } from '../../../domain/stations';
import { loadSettings } from '../../../config/settings';

describe('pick report (P1.8, P1.4)', () => {
  const list = [
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 1 },
  ];
  it('accepts exactly the pick list, in any order and split across lines', () => {
    expect(pickReportProblem(list, [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }])).toBeUndefined();
  });
  it('refuses a foreign item, an extra unit, a missing unit, nothing', () => {
    expect(pickReportProblem(list, [{ sku: 'C', quantity: 1 }])).toBe("C is not on this order's pick list");
    expect(pickReportProblem(list, [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }])).toBe('A: 3 scanned, the pick list has 2');
    expect(pickReportProblem(list, [{ sku: 'A', quantity: 2 }])).toBe('B: 0 of 1 scanned');
    expect(pickReportProblem(list, [])).toBe('no units were scanned');
    expect(pickReportProblem(list, [{ sku: 'A', quantity: 1.5 }])).toMatch(/whole quantity/);
  });
});

describe('damage report (P1.4)', () => {
  const list = [{ sku: 'A', quantity: 2 }];
  it('takes units of the list, no more of a SKU than it holds', () => {
    expect(damageReportProblem(list, undefined)).toBeUndefined();
    expect(damageReportProblem(list, [{ sku: 'A' }, { sku: 'A' }])).toBeUndefined();
    expect(damageReportProblem(list, [{ sku: 'A' }, { sku: 'A' }, { sku: 'A' }])).toBe('3 damaged A reported, the pick list has 2');
    expect(damageReportProblem(list, [{ sku: 'B' }])).toBe("a damaged B is not on this order's pick list");
  });
});

describe('scan to verify', () => {
  const codes = new Map([
    ['6901234567892', 'A'],
    ['6901234567908', 'B'],
    ['6909999999999', 'Z'],
  ]);
  const list = [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }];
  it('counts "n of m" and says when the list is complete', () => {
    let s: Record<string, number> = {};
    const first = applyScan(list, s, '6901234567892', codes);
    expect(first.result).toEqual({ ok: true, sku: 'A', scanned: 1, of: 2, complete: false });
    s = first.scanned;
    s = applyScan(list, s, '6901234567892', codes).scanned;
    const last = applyScan(list, s, ' 6901234567908 ', codes);
    expect(last.result).toEqual({ ok: true, sku: 'B', scanned: 1, of: 1, complete: true });
  });
  it('refuses an unknown code, an item not on the list and one unit too many, without counting them', () => {
    const s = { A: 2 };
    expect(applyScan(list, s, '123', codes)).toEqual({ result: { ok: false, reason: 'unknown_code' }, scanned: s });
    expect(applyScan(list, s, '6909999999999', codes).result).toEqual({ ok: false, reason: 'not_on_list', sku: 'Z' });
    expect(applyScan(list, s, '6901234567892', codes)).toEqual({ result: { ok: false, reason: 'already_complete', sku: 'A', scanned: 2, of: 2 }, scanned: { A: 2 } });
  });
});

describe('pack report (P1.5)', () => {
  it('knows the boxes by their code and by name', () => {
    expect(boxFromCode('box-mailer')).toBe('bubble_mailer');
    expect(boxFromCode('carton')).toBe('carton');
    expect(boxFromCode('BOX-NOPE')).toBeUndefined();
  });
  it('accepts a weight within 10 % (at least 30 g) of items plus box, and asks for a recount otherwise', () => {
    expect(expectedParcelWeight(300, 'bubble_mailer')).toEqual({ grams: 320, toleranceGrams: 32 });
    expect(expectedParcelWeight(100, 'bubble_mailer')).toEqual({ grams: 120, toleranceGrams: 30 });
    expect(packReportProblem(300, { box: 'BOX-MAILER', weightGrams: 352 })).toBeUndefined();
    expect(packReportProblem(300, { box: 'BOX-MAILER', weightGrams: 353 })).toBe('the parcel weighs 353 g; 320 g ± 32 g expected in a bubble_mailer: recount the items');
    expect(packReportProblem(300, { box: 'BOX-MAILER', weightGrams: 287 })).toMatch(/recount/);
    expect(packReportProblem(300, { box: 'BOX-MAILER', weightGrams: 0 })).toMatch(/positive number/);
    expect(packReportProblem(300, { box: 'BOX-X', weightGrams: 320 })).toMatch(/not a box we pack in/);
  });
});

describe('warehouse mode', () => {
  it('is auto unless BOXFLOW_WAREHOUSE says stations, and nothing else is accepted', () => {
    expect(loadSettings({}).warehouse).toBe('auto');
    expect(loadSettings({ BOXFLOW_WAREHOUSE: 'stations' }).warehouse).toBe('stations');
    expect(() => loadSettings({ BOXFLOW_WAREHOUSE: 'robots' })).toThrow(/BOXFLOW_WAREHOUSE must be auto or stations/);
  });
  it('an auto policy is the policy as before (no station fields); a stations policy scales its deadlines', () => {
    const auto = buildPolicy({ timeScale: 1 });
    expect(auto).not.toHaveProperty('warehouse');
    expect(auto).not.toHaveProperty('stationDeadlineMs');
    const stations = buildPolicy({ timeScale: 0.5, warehouse: 'stations' });
    expect(stations.warehouse).toBe('stations');
    expect(stations.stationDeadlineMs).toEqual({ pick: 3_600_000, pack: 3_600_000, handover: 10_800_000 });
    // An accelerated clock has no real cut-offs: only the fixed, scaled deadlines.
    expect(stations).not.toHaveProperty('stationCutoffs');
    expect(auto).not.toHaveProperty('stationCutoffs');
  });

  it('at time scale 1 a stations policy carries the cut-off rules: not picked 4 h, not packed 2 h before the cut-off', () => {
    const p = buildPolicy({ timeScale: 1, warehouse: 'stations' });
    expect(p.stationCutoffs).toEqual({
      leadMs: { pick: 4 * 3_600_000, pack: 2 * 3_600_000, handover: -3_600_000 },
      minWindowMs: 30 * 60_000,
      cutoffs: { SF: { hour: 18, minute: 0 }, YTO: { hour: 17, minute: 0 }, DHL: { hour: 16, minute: 0 }, FEDEX: { hour: 15, minute: 30 } },
      utcOffsetMinutes: 480,
    });
    // A copy (a policy travels in workflow input as JSON): changing it leaves the defaults alone.
    p.stationCutoffs!.leadMs.pick = 1;
    expect(buildPolicy({ timeScale: 1, warehouse: 'stations' }).stationCutoffs!.leadMs.pick).toBe(4 * 3_600_000);
  });
});

describe('a whole case (端盒) at the pick station', () => {
  const codes = new Map<string, string | ScanCode>([
    ['6901234567892', 'A'],
    ['16901234567899', { sku: 'A', units: 12, sealed: true }],
    ['6905555555555', { sku: 'K', units: 1, sealed: true }],
  ]);
  it('counts all its units at once, only after the seal is confirmed intact', () => {
    const list = [{ sku: 'A', quantity: 13 }];
    const asked = applyScan(list, {}, '16901234567899', codes);
    expect(asked).toEqual({ result: { ok: false, reason: 'seal_check', sku: 'A', scanned: 0, of: 13, units: 12 }, scanned: {} });
    const counted = applyScan(list, {}, '16901234567899', codes, { seal: 'intact' });
    expect(counted.result).toEqual({ ok: true, sku: 'A', scanned: 12, of: 13, complete: false, case: { units: 12, sealed: true } });
    const last = applyScan(list, counted.scanned, '6901234567892', codes);
    expect(last.result).toEqual({ ok: true, sku: 'A', scanned: 13, of: 13, complete: true });
  });
  it('is refused when it holds more than is still to pick (pick single units), before any seal check', () => {
    expect(applyScan([{ sku: 'A', quantity: 12 }], { A: 1 }, '16901234567899', codes, { seal: 'intact' })).toEqual({ result: { ok: false, reason: 'case_too_many', sku: 'A', scanned: 1, of: 12, units: 12 }, scanned: { A: 1 } });
    expect(applyScan([{ sku: 'A', quantity: 3 }], {}, '16901234567899', codes).result).toMatchObject({ ok: false, reason: 'case_too_many' });
    expect(applyScan([{ sku: 'B', quantity: 12 }], {}, '16901234567899', codes).result).toEqual({ ok: false, reason: 'not_on_list', sku: 'A' });
  });
  it('an item sold as a sealed case asks for the seal check on its own code', () => {
    expect(applyScan([{ sku: 'K', quantity: 1 }], {}, '6905555555555', codes).result).toMatchObject({ ok: false, reason: 'seal_check', units: 1 });
    expect(applyScan([{ sku: 'K', quantity: 1 }], {}, '6905555555555', codes, { seal: 'intact' }).result).toEqual({ ok: true, sku: 'K', scanned: 1, of: 1, complete: true, case: { units: 1, sealed: true } });
  });
});
