import {
  DEFAULT_AT_RISK_FRACTION,
  DEFAULT_RETAIL_SLA_MS,
  describeSla,
  HOUR_MS,
  retailSla,
  slaAppliesTo,
  slaState,
} from '../../../domain/sla';

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0); // fixed instant: tests never read the clock

describe('defaults (P2.8)', () => {
  it('24 h SLA, warning at 75 %', () => {
    expect(DEFAULT_RETAIL_SLA_MS).toBe(86_400_000);
    expect(DEFAULT_AT_RISK_FRACTION).toBe(0.75);
  });
});

describe('retailSla', () => {
  it('24 h deadline and an 18 h warning by default', () => {
    expect(retailSla(T0)).toEqual({ shipByMs: T0 + 24 * HOUR_MS, atRiskAtMs: T0 + 18 * HOUR_MS });
    expect(retailSla(T0, DEFAULT_RETAIL_SLA_MS)).toEqual({ shipByMs: T0 + 24 * HOUR_MS, atRiskAtMs: T0 + 18 * HOUR_MS });
  });
  it('custom SLA and fraction', () => {
    expect(retailSla(T0, 10 * HOUR_MS, 0.5)).toEqual({ shipByMs: T0 + 10 * HOUR_MS, atRiskAtMs: T0 + 5 * HOUR_MS });
  });
  it('clamps the fraction and rounds to whole ms', () => {
    expect(retailSla(0, 1000, 1.5).atRiskAtMs).toBe(1000);
    expect(retailSla(0, 1000, -1).atRiskAtMs).toBe(0);
    expect(retailSla(0, 1001, 0.5).atRiskAtMs).toBe(501);
  });
  it('rejects non-finite input', () => {
    expect(() => retailSla(Number.NaN)).toThrow(RangeError);
    expect(() => retailSla(0, -1)).toThrow(RangeError);
  });
});

describe('slaState', () => {
  const sla = retailSla(T0);
  it.each([
    [T0, 'on_track'],
    [T0 + 18 * HOUR_MS - 1, 'on_track'],
    [T0 + 18 * HOUR_MS, 'at_risk'],
    [T0 + 24 * HOUR_MS - 1, 'at_risk'],
    [T0 + 24 * HOUR_MS, 'breached'],
    [T0 + 48 * HOUR_MS, 'breached'],
  ])('at %p → %p', (now, want) => {
    expect(slaState(now, sla)).toBe(want);
  });
});

describe('describeSla', () => {
  const sla = retailSla(T0);
  it('explains each state with the time left', () => {
    expect(describeSla(T0 + HOUR_MS, sla)).toEqual({
      state: 'on_track',
      remainingMs: 23 * HOUR_MS,
      reason: 'P2.8: 23 h 0 min left before the ship-by deadline → on track',
    });
    expect(describeSla(T0 + 23.5 * HOUR_MS, sla).reason).toBe('P2.8: 30 min left before the ship-by deadline → at risk');
    expect(describeSla(T0 + 25.25 * HOUR_MS, sla)).toEqual({
      state: 'breached',
      remainingMs: -1.25 * HOUR_MS,
      reason: 'P2.8: ship-by deadline passed 1 h 15 min ago → breached, escalate to a supervisor',
    });
  });
});

describe('slaAppliesTo', () => {
  it('retail always, group-buy only when configured', () => {
    expect(slaAppliesTo('retail')).toBe(true);
    expect(slaAppliesTo('group_buy')).toBe(false);
    expect(slaAppliesTo('group_buy', { groupBuySla: true })).toBe(true);
    expect(slaAppliesTo('retail', { groupBuySla: false })).toBe(true);
  });
});
