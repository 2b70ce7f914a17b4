/**
 * The 1.24 SDK breaks history replay ("type must be a Type") when its packages load different
 * protobufjs copies. package.json pins protobufjs at the top level so that npm hoists one copy;
 * this fails if a future install nests another.
 */
import path from 'node:path';

test('every Temporal package resolves the same protobufjs', () => {
  const fromPackage = (pkg: string) => require.resolve('protobufjs', { paths: [path.dirname(require.resolve(`${pkg}/package.json`))] });
  const copies = new Set(['@temporalio/common', '@temporalio/proto', '@temporalio/worker', '@temporalio/client', '@temporalio/testing'].map(fromPackage));
  expect([...copies]).toHaveLength(1);
});
