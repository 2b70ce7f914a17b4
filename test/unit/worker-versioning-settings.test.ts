import { loadSettings } from '../../config/settings';

describe('Worker Versioning settings (BOXFLOW_DEPLOYMENT_NAME, BOXFLOW_BUILD_ID)', () => {
  it('is off when neither is set (the dev server path)', () => {
    expect(loadSettings({}).workerVersion).toBeUndefined();
  });

  it('names the deployment and the build when both are set', () => {
    expect(loadSettings({ BOXFLOW_DEPLOYMENT_NAME: 'boxflow', BOXFLOW_BUILD_ID: '2026-12-03-abc123' }).workerVersion).toEqual({ deploymentName: 'boxflow', buildId: '2026-12-03-abc123' });
  });

  it('refuses one without the other', () => {
    expect(() => loadSettings({ BOXFLOW_DEPLOYMENT_NAME: 'boxflow' })).toThrow(/go together/);
    expect(() => loadSettings({ BOXFLOW_BUILD_ID: 'abc' })).toThrow(/go together/);
  });

  it('refuses a "." in the deployment name (the server joins name and build with one)', () => {
    expect(() => loadSettings({ BOXFLOW_DEPLOYMENT_NAME: 'box.flow', BOXFLOW_BUILD_ID: 'abc' })).toThrow(/must not contain/);
  });
});
