import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FlowLoadError } from '../../../src/chat/flow/flow-loader';
import { loadConfig } from '../../../src/config/load-config';
import { createRuntime } from '../../../src/main';
import { ConfigError } from '../../../src/shared/errors';
import { testLogger } from '../../helpers/silent-logger';

const root = resolve(__dirname, '../../..');

describe('start-up with broken files', () => {
  it('refuses to build the bot when a flow file is broken, listing every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    const flow = JSON.parse(readFileSync(join(root, 'bot-flows/cancel-filing.json'), 'utf8'));
    flow.steps[1].next = 'gone';
    flow.steps[2].type = 'essay';
    writeFileSync(join(dir, 'cancel-filing.json'), JSON.stringify(flow));
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', FLOWS_DIR: dir, LOG_LEVEL: 'silent' }, join(root, 'config'));
    let error: unknown;
    try {
      createRuntime(config, { logger: testLogger(), baseDir: root });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowLoadError);
    expect((error as FlowLoadError).problems).toEqual([
      'cancel-filing.json: steps[2].type (reason): must be one of text, choice, multi-choice, date, phone, number, account-of-mine, unit-of-mine, confirm',
    ]);
    expect((error as Error).message).toContain('npm run flows:check');
  });

  it('refuses a broken holiday override file with the file and entry named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holidays-'));
    const file = join(dir, 'holidays.json');
    writeFileSync(file, JSON.stringify({ coveredYears: [2027], days: [{ date: '2027-01-01', kind: 'holiday' }, { date: '2027-02-30', kind: 'rest' }] }));
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', HOLIDAY_OVERRIDES_FILE: file, LOG_LEVEL: 'silent' }, join(root, 'config'));
    let error: unknown;
    try {
      createRuntime(config, { logger: testLogger(), baseDir: root });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('days[1]');
    expect((error as Error).message).toContain(file);
  });
});
