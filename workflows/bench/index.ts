// A bundle entry of its own for `npm run bench` (scripts/bench.ts): never part of the worker's
// workflows/index.ts, so production workers do not register the benchmark's workflow.
export { benchBaseline } from './baseline.workflow';
