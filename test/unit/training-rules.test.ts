import {
  canSubmit,
  certificateState,
  changesSince,
  dueState,
  earliestDue,
  expiryFor,
  holdsValidCertificate,
  isCertifiedStatus,
  itemDone,
  missingEvidence,
  moduleStatus,
  progressOf,
  RunFacts,
  scoreQuiz,
} from '../../domain/training';
import type { ChecklistItem, Quiz } from '../../training/content';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (days: number) => new Date(T0 + days * DAY);
const iso = (days: number) => at(days).toISOString();

const text = (s: string) => ({ zh: s, en: s });
const items: ChecklistItem[] = [
  { id: 'a', step: 'P1.1', text: text('a'), requires: 'none' },
  { id: 'b', step: 'P1.1', text: text('b'), requires: 'note' },
  { id: 'c', step: 'P1.1', text: text('c'), requires: 'photo' },
];

function cert(over: Partial<RunFacts> = {}): RunFacts {
  return { id: 1, moduleVersion: 1, status: 'certified', startedAt: iso(0), submittedAt: iso(0), signedOffAt: iso(1), expiresAt: iso(366), ...over };
}

describe('moduleStatus (P4.3)', () => {
  it('is not_started with no runs', () => {
    expect(moduleStatus([], 1, at(0))).toBe('not_started');
  });
  it('is in_progress while a run is open, also after being sent back', () => {
    expect(moduleStatus([{ id: 1, moduleVersion: 1, status: 'in_progress', startedAt: iso(0) }], 1, at(1))).toBe('in_progress');
    expect(moduleStatus([{ id: 1, moduleVersion: 1, status: 'sent_back', startedAt: iso(0) }], 1, at(1))).toBe('in_progress');
  });
  it('is awaiting_sign_off when submitted, even while an older certificate is valid', () => {
    const submitted: RunFacts = { id: 2, moduleVersion: 1, status: 'submitted', startedAt: iso(300), submittedAt: iso(300) };
    expect(moduleStatus([submitted], 1, at(300))).toBe('awaiting_sign_off');
    expect(moduleStatus([cert(), submitted], 1, at(300))).toBe('awaiting_sign_off');
  });
  it('is certified, then expiring within 30 days of expiry, then expired at the expiry instant', () => {
    expect(moduleStatus([cert()], 1, at(2))).toBe('certified');
    expect(moduleStatus([cert()], 1, at(335))).toBe('certified');
    expect(moduleStatus([cert()], 1, at(336))).toBe('expiring');
    expect(moduleStatus([cert()], 1, new Date(T0 + 366 * DAY - 1))).toBe('expiring');
    expect(moduleStatus([cert()], 1, at(366))).toBe('expired');
  });
  it('flags needs_reacknowledge when the module has a newer version, until acknowledged', () => {
    expect(moduleStatus([cert()], 2, at(10))).toBe('needs_reacknowledge');
    expect(moduleStatus([cert({ acknowledgedVersion: 2 })], 2, at(10))).toBe('certified');
    // expiry wins over re-acknowledging: an expired certificate needs a new run, not a click
    expect(moduleStatus([cert()], 2, at(400))).toBe('expired');
  });
  it('shows a recertification run in progress rather than the expired certificate', () => {
    const recert: RunFacts = { id: 3, moduleVersion: 1, status: 'in_progress', startedAt: iso(370) };
    expect(moduleStatus([cert(), recert], 1, at(371))).toBe('in_progress');
  });
  it('uses the newest certificate', () => {
    const newer = cert({ id: 2, signedOffAt: iso(380), expiresAt: iso(745) });
    expect(moduleStatus([cert(), newer], 1, at(400))).toBe('certified');
  });
  it('only certified and expiring permit the work', () => {
    expect(isCertifiedStatus('certified')).toBe(true);
    expect(isCertifiedStatus('expiring')).toBe(true);
    for (const s of ['not_started', 'in_progress', 'awaiting_sign_off', 'expired', 'needs_reacknowledge'] as const) expect(isCertifiedStatus(s)).toBe(false);
  });
  it('a valid certificate keeps permitting the work while a recertification waits for sign-off', () => {
    const submitted: RunFacts = { id: 2, moduleVersion: 1, status: 'submitted', startedAt: iso(300), submittedAt: iso(300) };
    expect(moduleStatus([cert(), submitted], 1, at(340))).toBe('awaiting_sign_off');
    expect(holdsValidCertificate([cert(), submitted], 1, at(340))).toBe(true);
    expect(holdsValidCertificate([cert(), submitted], 1, at(366))).toBe(false);
    expect(holdsValidCertificate([cert()], 2, at(10))).toBe(false);
    expect(holdsValidCertificate([submitted], 1, at(300))).toBe(false);
  });
  it('certificateState is none without a certificate', () => {
    expect(certificateState(undefined, 1, at(0))).toBe('none');
  });
  it('expiryFor adds the validity days', () => {
    expect(expiryFor(at(1), 365).toISOString()).toBe(iso(366));
  });
});

describe('checklist progress', () => {
  it('needs the required evidence for an item to count', () => {
    expect(missingEvidence(items[1], { note: '  ' })).toBe('note');
    expect(missingEvidence(items[2], {})).toBe('photo');
    expect(missingEvidence(items[2], { evidencePath: 'x.png' })).toBeNull();
    expect(itemDone(items[1], { itemId: 'b', done: true, note: '' })).toBe(false);
    expect(itemDone(items[1], { itemId: 'b', done: true, note: 'checked' })).toBe(true);
    expect(itemDone(items[0], { itemId: 'a', done: false })).toBe(false);
  });
  it('counts "n of total done" and a percent', () => {
    expect(progressOf(items, [])).toEqual({ done: 0, total: 3, percent: 0 });
    expect(progressOf(items, [{ itemId: 'a', done: true }, { itemId: 'b', done: true, note: 'ok' }, { itemId: 'gone', done: true }])).toEqual({ done: 2, total: 3, percent: 66 });
  });
});

describe('quiz scoring', () => {
  const quiz: Quiz = {
    passMark: 0.8,
    questions: ['q1', 'q2', 'q3', 'q4', 'q5'].map((id, i) => ({ id, step: 'P1.1', question: text(id), options: [text('x'), text('y'), text('z')], answer: i % 3, explanation: text('') })),
  };
  it('passes at exactly the pass mark (4 of 5 at 0.8)', () => {
    const r = scoreQuiz(quiz, { q1: 0, q2: 1, q3: 2, q4: 0, q5: 0 });
    expect(r).toEqual({ correct: 4, total: 5, score: 0.8, passed: true, wrong: ['q5'] });
  });
  it('fails below it; unanswered counts as wrong', () => {
    const r = scoreQuiz(quiz, { q1: 0, q2: 1, q3: 2 });
    expect(r.passed).toBe(false);
    expect(r.wrong).toEqual(['q4', 'q5']);
  });
  it('a pass mark of 1 needs every answer', () => {
    expect(scoreQuiz({ ...quiz, passMark: 1 }, { q1: 0, q2: 1, q3: 2, q4: 0 }).passed).toBe(false);
  });
});

describe('submitting for sign-off is blocked until complete', () => {
  it('lists the missing items and the quiz', () => {
    expect(canSubmit({ items }, [{ itemId: 'a', done: true }], false)).toEqual({ ok: false, missingItems: ['b', 'c'], quizPassed: false });
    const all = [{ itemId: 'a', done: true }, { itemId: 'b', done: true, note: 'n' }, { itemId: 'c', done: true, evidencePath: 'p' }];
    expect(canSubmit({ items }, all, false).ok).toBe(false);
    expect(canSubmit({ items }, all, true)).toEqual({ ok: true, missingItems: [], quizPassed: true });
  });
});

describe('versions and due dates', () => {
  it('changesSince lists the newer versions oldest first', () => {
    const changes = [3, 1, 2].map((version) => ({ version, summary: text(`v${version}`) }));
    expect(changesSince(changes, 1).map((c) => c.version)).toEqual([2, 3]);
    expect(changesSince(changes, 3)).toEqual([]);
  });
  it('dueState: none, due, due soon, overdue, done when certified', () => {
    expect(dueState(null, 'not_started', at(0))).toBe('none');
    expect(dueState(iso(30), 'not_started', at(0))).toBe('due');
    expect(dueState(iso(30), 'in_progress', at(25))).toBe('due_soon');
    expect(dueState(iso(30), 'in_progress', at(31))).toBe('overdue');
    expect(dueState(iso(30), 'certified', at(31))).toBe('done');
    expect(dueState(iso(30), 'expired', at(400))).toBe('overdue');
  });
  it('earliestDue picks the soonest date', () => {
    expect(earliestDue([null, iso(9), iso(3)])).toBe(iso(3));
    expect(earliestDue([null, undefined])).toBeNull();
  });
});
