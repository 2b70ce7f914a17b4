/**
 * The merged-steps decision (workflow patch `merged-steps`) travels with the order's carried context,
 * so a run continued as new stays on the path its order started on; a context carried by an older
 * run (no flag) stays on the old path.
 */
import { DEFAULT_POLICY } from '../../domain/policy';
import type { OrderInput } from '../../domain/types';
import { OrderContext } from '../../workflows/order/context';

const order = { orderNo: 'T1', type: 'retail', lines: [] } as unknown as OrderInput;

test('a merged order carries its path across continue-as-new, with its step keys', () => {
  const ctx = new OrderContext(order, DEFAULT_POLICY);
  ctx.merged = true;
  const first = ctx.statusWrite('validated', 'P1.1');
  expect(first).toEqual({ status: 'validated', detail: 'P1.1', dedupeKey: 'T1:1:validated' });
  const next = new OrderContext(order, DEFAULT_POLICY, ctx.state());
  expect(next.merged).toBe(true);
  expect(next.nextKey('paid')).toBe('T1:2:paid');
});

test('a context carried by a run from before the patch has no flag and stays on the old path', () => {
  const old = new OrderContext(order, DEFAULT_POLICY);
  const carried = old.state();
  expect(carried).not.toHaveProperty('merged');
  expect(new OrderContext(order, DEFAULT_POLICY, carried).merged).toBe(false);
});
