/** Which failures of an activity are permanent (never retried) and which are worth another attempt. */
import { ApplicationFailure } from '@temporalio/common';
import { classify, heartbeating, invalidInput, notFound, withClassifiedErrors } from '../../activities/errors';
import { PERMANENT } from '../../workflows/order/activities';

test('a missing row and invalid input are non-retryable, with types the workflow stubs list as permanent', () => {
  for (const f of [notFound('order X'), invalidInput('bad amount')]) {
    expect(f.nonRetryable).toBe(true);
    expect(PERMANENT).toContain(f.type);
  }
});

test('a broken CHECK or foreign key constraint is permanent; a busy database or a unique race is not', () => {
  const check = classify(new Error('SQLITE_CONSTRAINT: CHECK constraint failed: reserved <= on_hand')) as ApplicationFailure;
  expect(check).toBeInstanceOf(ApplicationFailure);
  expect(check.nonRetryable).toBe(true);
  expect(check.type).toBe('ConstraintViolation');
  const pgFk = classify(new Error('insert or update on table "x" violates foreign key constraint "y"')) as ApplicationFailure;
  expect(pgFk.nonRetryable).toBe(true);
  const busy = new Error('SQLITE_BUSY: database is locked');
  expect(classify(busy)).toBe(busy);
  const unique = new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed: payments.idempotency_key');
  expect(classify(unique)).toBe(unique);
});

test('every activity of a group leaves permanent errors as non-retryable failures, and keeps its name', async () => {
  const group = withClassifiedErrors({
    async reserve() {
      throw new Error('CHECK constraint failed: inventory');
    },
    async fine() {
      return 42;
    },
  });
  await expect(group.reserve()).rejects.toMatchObject({ nonRetryable: true, type: 'ConstraintViolation' });
  expect(await group.fine()).toBe(42);
  expect(group.reserve.name).toBe('reserve');
});

test('outside an activity, heartbeating just runs the call', async () => {
  expect(await heartbeating(async () => 'booked')).toBe('booked');
});
