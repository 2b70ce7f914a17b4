#!/usr/bin/env node
/*
 * Bundles the compiled workflow code (dist/workflows) once at image build time, so every worker
 * replica runs the very same bundle and starts without webpack (worker/main.ts reads
 * BOXFLOW_WORKFLOW_BUNDLE). Usage: node deploy/bundle-workflows.cjs <out.js>
 * The OpenTelemetry workflow interceptor is bundled in: with OTEL_EXPORTER_OTLP_ENDPOINT set the
 * worker exports workflow spans through it; without, the worker gives it a sink that drops them.
 */
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const out = path.resolve(process.argv[2] || 'dist/workflow-bundle.js');
bundleWorkflowCode({
  workflowsPath: require.resolve(path.resolve(__dirname, '..', 'dist', 'workflows')),
  workflowInterceptorModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
})
  .then(({ code }) => {
    fs.writeFileSync(out, code);
    console.log(`[bundle] workflow bundle written to ${out} (${code.length} bytes)`);
  })
  .catch((err) => {
    console.error('[bundle] failed:', err);
    process.exit(1);
  });
