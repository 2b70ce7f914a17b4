import { buildPolicy } from '../../../domain/policy';
import { applyScan, boxFromCode, damageReportProblem, expectedParcelWeight, packReportProblem, pickReportProblem } from '../../../domain/stations';
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
  });
});
