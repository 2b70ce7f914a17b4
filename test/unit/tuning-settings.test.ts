import { loadSettings } from '../../config/settings';
import { workerTuningOptions } from '../../worker/create-worker';
import { devServerPragmas } from '../../scripts/dev-server';

describe('worker tuning settings (BOXFLOW_WORKER_*)', () => {
  it('passes each setting to the SDK option it names', () => {
    const t = loadSettings({
      BOXFLOW_WORKER_WORKFLOW_SLOTS: '20',
      BOXFLOW_WORKER_ACTIVITY_SLOTS: '30',
      BOXFLOW_WORKER_STICKY_CACHE: '500',
      BOXFLOW_WORKER_WORKFLOW_POLLERS: '4',
      BOXFLOW_WORKER_ACTIVITY_POLLERS: '3',
    }).workerTuning;
    expect(workerTuningOptions(t)).toEqual({
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 30,
      maxCachedWorkflows: 500,
      maxConcurrentWorkflowTaskPolls: 4,
      maxConcurrentActivityTaskPolls: 3,
    });
  });

  it('an unset variable does not override (empty counts as unset)', () => {
    const t = loadSettings({ BOXFLOW_WORKER_STICKY_CACHE: '', BOXFLOW_WORKER_ACTIVITY_SLOTS: '7' }).workerTuning;
    expect(t).toEqual({ activitySlots: 7 });
    expect(workerTuningOptions(t).maxConcurrentActivityTaskExecutions).toBe(7);
    expect(Object.keys(workerTuningOptions(t))).not.toContain('maxCachedWorkflows');
  });

  it('refuses what the SDK would refuse or what is not a whole number', () => {
    expect(() => loadSettings({ BOXFLOW_WORKER_WORKFLOW_SLOTS: '1' })).toThrow(/BOXFLOW_WORKER_WORKFLOW_SLOTS must be a whole number from 2/);
    expect(() => loadSettings({ BOXFLOW_WORKER_WORKFLOW_POLLERS: '1' })).toThrow(/from 2/);
    expect(() => loadSettings({ BOXFLOW_WORKER_ACTIVITY_SLOTS: '2.5' })).toThrow(/whole number/);
    expect(() => loadSettings({ BOXFLOW_WORKER_STICKY_CACHE: 'lots' })).toThrow(/whole number/);
  });
});

describe('SQLite read pool setting (BOXFLOW_SQLITE_READERS)', () => {
  it('defaults to none (0), takes a number of readers, refuses other values', () => {
    expect(loadSettings({}).sqliteReaders).toBe(0);
    expect(loadSettings({ BOXFLOW_SQLITE_READERS: '0' }).sqliteReaders).toBe(0);
    expect(loadSettings({ BOXFLOW_SQLITE_READERS: '8' }).sqliteReaders).toBe(8);
    expect(() => loadSettings({ BOXFLOW_SQLITE_READERS: '-1' })).toThrow(/BOXFLOW_SQLITE_READERS/);
    expect(() => loadSettings({ BOXFLOW_SQLITE_READERS: '65' })).toThrow(/BOXFLOW_SQLITE_READERS/);
  });
});

describe('dev server SQLite pragmas', () => {
  it('WAL with synchronous=NORMAL by default; a pragma given replaces the default of its name', () => {
    expect(devServerPragmas()).toEqual(['journal_mode=WAL', 'synchronous=NORMAL']);
    expect(devServerPragmas(['synchronous=OFF'])).toEqual(['journal_mode=WAL', 'synchronous=OFF']);
    expect(devServerPragmas(['SYNCHRONOUS=FULL', 'cache_size=-20000'])).toEqual(['journal_mode=WAL', 'SYNCHRONOUS=FULL', 'cache_size=-20000']);
  });
});
