/**
 * Build B of the rolling-upgrade test (test/cluster/cluster.test.ts): the same workflows with one
 * change, bundled in as a workflow interceptor: every workflow records memo `boxflowBuild: "B"`
 * before it starts. That is a new command at the start of the history, so a build-A order replayed
 * on build B would fail with a nondeterminism error; Worker Versioning (PINNED) must keep build-A
 * orders on build-A workers. Test-only: production workflows never import it.
 */
import { upsertMemo, WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        upsertMemo({ boxflowBuild: 'B' });
        return next(input);
      },
    },
  ],
});
