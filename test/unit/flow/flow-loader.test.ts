import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FlowLoadError, loadFlows, parseFlowFile } from '../../../src/chat/flow/flow-loader';
import type { FlowCapabilities } from '../../../src/chat/flow/flow-checks';

const caps: FlowCapabilities = {
  validators: new Set(['person-name', 'url']),
  optionSources: new Set(['platform-types']),
  facts: new Set(['duplicate-platform']),
  actions: new Set(['filing.open', 'filing.suspend']),
  reservedWords: new Set(['帮助', '我的账号']),
};

const base = {
  id: 'demo',
  title: '演示',
  summary: '演示流程',
  triggers: ['演示'],
  roles: ['liaison'],
  steps: [
    { id: 'name', label: '名称', type: 'text', question: '名称？' },
    { id: 'kind', label: '类别', type: 'choice', optionsFrom: 'platform-types', question: '{{name}}的类别？' },
    { id: 'day', label: '日期', type: 'date', question: '日期？' },
  ],
  submit: { action: 'filing.open' },
};

function problemsOf(flow: unknown, file = 'demo.json'): string[] {
  const result = parseFlowFile(`/flows/${file}`, JSON.stringify(flow), caps);
  return 'problems' in result ? result.problems : [];
}

describe('flow files', () => {
  it('accepts a correct flow and hashes its steps', () => {
    const result = parseFlowFile('/flows/demo.json', JSON.stringify(base), caps);
    expect('flow' in result).toBe(true);
    if (!('flow' in result)) return;
    expect(result.flow.stepHashes.size).toBe(3);
    const changed = parseFlowFile('/flows/demo.json', JSON.stringify({ ...base, steps: [base.steps[0], { ...base.steps[1], question: '类别？' }, base.steps[2]] }), caps);
    if (!('flow' in changed)) throw new Error('expected a flow');
    expect(changed.flow.hash).not.toBe(result.flow.hash);
    expect(changed.flow.stepHashes.get('name')).toBe(result.flow.stepHashes.get('name'));
    expect(changed.flow.stepHashes.get('kind')).not.toBe(result.flow.stepHashes.get('kind'));
  });

  it.each([
    ['an unknown property', { ...base, colour: 'red' }, 'unknown property “colour”'],
    ['a missing title', { ...base, title: undefined }, '“title” is required'],
    ['a bad answer type', { ...base, steps: [{ ...base.steps[0], type: 'photo' }] }, 'steps[0].type (name): must be one of'],
    ['a choice without options', { ...base, steps: [{ id: 'k', label: '类', type: 'choice', question: '?' }] }, 'steps[0] (k): “options” is required'],
    ['a next that does not exist', { ...base, steps: [{ ...base.steps[0], next: 'nowhere' }, ...base.steps.slice(1)] }, '“nowhere” is not a step of this flow'],
    ['an unreachable step', { ...base, steps: [{ ...base.steps[0], next: 'day' }, ...base.steps.slice(1)] }, 'steps (kind): unreachable'],
    ['a loop', { ...base, steps: [base.steps[0], { ...base.steps[1], next: 'name' }, base.steps[2]] }, 'the steps loop (name → kind → name)'],
    ['a template naming an unknown answer', { ...base, steps: [base.steps[0], { ...base.steps[1], question: '{{nmae}}？' }, base.steps[2]] }, 'template names “nmae”'],
    ['an unknown fact in a template', { ...base, steps: [{ ...base.steps[0], question: '{{fact:nope}}' }, ...base.steps.slice(1)] }, 'unknown fact “nope”'],
    ['a condition on an unknown answer', { ...base, steps: [base.steps[0], { ...base.steps[1], when: { answer: 'ghost', equals: 'x' } }, base.steps[2]] }, 'condition names the answer “ghost”'],
    ['an unknown validator', { ...base, steps: [{ ...base.steps[0], validator: 'email' }, ...base.steps.slice(1)] }, 'unknown validator “email”'],
    ['an unknown option source', { ...base, steps: [base.steps[0], { ...base.steps[1], optionsFrom: 'colours' }, base.steps[2]] }, 'unknown option source “colours”'],
    ['an unknown action', { ...base, submit: { action: 'filing.delete' } }, 'unknown action “filing.delete”'],
    ['a trigger that is a command', { ...base, triggers: ['我的账号'] }, '“我的账号” is already a chat command'],
    ['a trigger that is a control word', { ...base, triggers: ['取消'] }, 'control word'],
    ['a property of another answer type', { ...base, steps: [{ ...base.steps[0], phoneKind: 'mobile' }, ...base.steps.slice(1)] }, 'only allowed for a phone step'],
    ['a step id used twice', { ...base, steps: [base.steps[0], { ...base.steps[1], id: 'name' }, base.steps[2]] }, 'is used twice'],
  ])('reports %s', (_what, flow, expected) => {
    const problems = problemsOf(flow);
    expect(problems.join('\n')).toContain(expected);
  });

  it('requires the id to match the file name', () => {
    expect(problemsOf(base, 'other.json').join('\n')).toContain('must equal the file name (other.json)');
  });

  it('lists every problem of every file of a directory at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    writeFileSync(join(dir, 'demo.json'), JSON.stringify({ ...base, submit: { action: 'nope' } }));
    writeFileSync(join(dir, 'second.json'), '{ not json');
    writeFileSync(join(dir, 'third.json'), JSON.stringify({ ...base, id: 'third', steps: [{ ...base.steps[0], next: 'x' }] }));
    let error: unknown;
    try {
      loadFlows(dir, caps);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowLoadError);
    const message = (error as FlowLoadError).message;
    expect(message).toContain('demo.json: submit.action: unknown action “nope”');
    expect(message).toContain('second.json: not valid JSON');
    expect(message).toContain('third.json: steps[0] (name).next: “x” is not a step');
    expect((error as FlowLoadError).problems).toHaveLength(3);
  });

  it('refuses two flows sharing a trigger', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    writeFileSync(join(dir, 'demo.json'), JSON.stringify(base));
    writeFileSync(join(dir, 'twin.json'), JSON.stringify({ ...base, id: 'twin' }));
    expect(() => loadFlows(dir, caps)).toThrow('twin.json: trigger “演示” is also a trigger of demo.json');
  });

  it('refuses a missing directory with the setting to check', () => {
    expect(() => loadFlows('/nonexistent/flows', caps)).toThrow('set FLOWS_DIR');
  });
});

describe('the shipped flows', () => {
  it('pass every check with the real capabilities', () => {
    // the same components the bot builds at start-up
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createChatComponents } = require('../../../src/chat/chat-setup') as typeof import('../../../src/chat/chat-setup');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('../../../src/config/load-config') as typeof import('../../../src/config/load-config');
    const root = resolve(__dirname, '../../..');
    const { flows } = createChatComponents(loadConfig({}, join(root, 'config')), root);
    expect([...flows.keys()].sort()).toEqual([
      'cancel-filing',
      'change-filing',
      'dispatch-rectification',
      'import-inspection',
      'open-filing',
      'publish-bulletin',
      'rectify',
      'reject-filing',
      'return-rectification',
      'set-deadline',
      'suspend-filing',
    ]);
    for (const fixture of ['v1', 'v2']) {
      const { flows: fixtureFlows } = createChatComponents(loadConfig({ FLOWS_DIR: `test/fixtures/flows/${fixture}` }, join(root, 'config')), root);
      expect(fixtureFlows.size).toBeGreaterThan(0);
    }
  });
});
