import type { Condition, FlowDefinition, StepDefinition } from './flow-definition';

/** The names a flow file may use, supplied by the code that implements them. */
export interface FlowCapabilities {
  validators: ReadonlySet<string>;
  optionSources: ReadonlySet<string>;
  facts: ReadonlySet<string>;
  actions: ReadonlySet<string>;
  /** Words already taken by chat commands (a trigger must not shadow them). */
  reservedWords: ReadonlySet<string>;
}

/** Words the engine handles at every step; no trigger or option may be one of them. */
export const CONTROL_WORDS = ['取消', '上一步', '帮助', '重新开始', '跳过'] as const;

const TEMPLATE = /\{\{\s*([^}]+?)\s*\}\}/g;
const BUILTIN_TEMPLATE_NAMES = new Set(['user', 'flow']);

/** Every problem of one flow that a JSON Schema cannot see, as "where: what" lines. */
export function checkFlow(flow: FlowDefinition, fileBaseName: string, caps: FlowCapabilities): string[] {
  const problems: string[] = [];
  if (flow.id !== fileBaseName) {
    problems.push(`id: “${flow.id}” must equal the file name (${fileBaseName}.json)`);
  }
  const ids = new Map<string, number>();
  flow.steps.forEach((step, index) => {
    if (ids.has(step.id)) problems.push(`steps[${index}].id: “${step.id}” is used twice (also steps[${ids.get(step.id)}])`);
    else ids.set(step.id, index);
  });
  if (ids.has('submit')) problems.push('steps: no step may be called “submit” (it names the end of the flow)');
  const stepList = [...ids.keys()].join(', ');

  const checkCondition = (where: string, condition: Condition | undefined): void => {
    if (!condition) return;
    if ('answer' in condition) {
      if (!ids.has(condition.answer)) problems.push(`${where}: condition names the answer “${condition.answer}”, which is not a step (steps: ${stepList})`);
    } else if ('fact' in condition) {
      if (!caps.facts.has(condition.fact)) problems.push(`${where}: unknown fact “${condition.fact}” (known: ${[...caps.facts].join(', ') || 'none'})`);
    } else if ('all' in condition) {
      condition.all.forEach((c, i) => checkCondition(`${where}.all[${i}]`, c));
    } else if ('any' in condition) {
      condition.any.forEach((c, i) => checkCondition(`${where}.any[${i}]`, c));
    } else {
      checkCondition(`${where}.not`, condition.not);
    }
  };

  const checkTemplate = (where: string, template: string | undefined): void => {
    if (!template) return;
    for (const match of template.matchAll(TEMPLATE)) {
      const name = match[1];
      if (name.startsWith('fact:')) {
        const fact = name.slice(5);
        if (!caps.facts.has(fact)) problems.push(`${where}: template names the unknown fact “${fact}”`);
      } else if (!BUILTIN_TEMPLATE_NAMES.has(name) && !ids.has(name)) {
        problems.push(`${where}: template names “${name}”, which is not an answer of this flow (steps: ${stepList}; also user, flow, fact:<name>)`);
      }
    }
  };

  flow.steps.forEach((step, index) => {
    const where = `steps[${index}] (${step.id})`;
    checkTemplate(`${where}.question`, step.question);
    checkTemplate(`${where}.help`, step.help);
    checkCondition(`${where}.when`, step.when);
    for (const target of nextTargets(step)) {
      if (target !== 'submit' && !ids.has(target)) {
        problems.push(`${where}.next: “${target}” is not a step of this flow (steps: ${stepList}, or “submit”)`);
      }
    }
    if (Array.isArray(step.next)) step.next.forEach((rule, i) => checkCondition(`${where}.next[${i}].when`, rule.when));
    problems.push(...checkStepType(where, step, caps));
  });
  checkTemplate('intro', flow.intro);

  if (!caps.actions.has(flow.submit.action)) {
    problems.push(`submit.action: unknown action “${flow.submit.action}” (known: ${[...caps.actions].join(', ')})`);
  }
  for (const trigger of flow.triggers) {
    if ((CONTROL_WORDS as readonly string[]).includes(trigger)) problems.push(`triggers: “${trigger}” is a control word of every step`);
    if (caps.reservedWords.has(trigger)) problems.push(`triggers: “${trigger}” is already a chat command`);
  }

  if (problems.length === 0) problems.push(...checkGraph(flow));
  return problems;
}

/** Trigger words claimed by two flows. */
export function checkTriggerClashes(flows: Array<{ file: string; definition: FlowDefinition }>): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const { file, definition } of flows) {
    for (const trigger of definition.triggers) {
      const previous = owner.get(trigger);
      if (previous && previous !== file) problems.push(`${file}: trigger “${trigger}” is also a trigger of ${previous}`);
      else owner.set(trigger, file);
    }
  }
  return problems;
}

export function nextTargets(step: StepDefinition): string[] {
  if (step.next === undefined) return [];
  if (typeof step.next === 'string') return [step.next];
  return step.next.map((rule) => rule.goto);
}

/** Successors of each step: its explicit next targets, or the following step; a last rule with a condition also falls through. */
export function successors(flow: FlowDefinition, index: number): string[] {
  const step = flow.steps[index];
  const following = flow.steps[index + 1]?.id ?? 'submit';
  if (step.next === undefined) return [following];
  if (typeof step.next === 'string') return [step.next];
  const targets = step.next.map((rule) => rule.goto);
  if (step.next.every((rule) => rule.when)) targets.push(following);
  // a step skipped by its own `when` also continues with its next, covered by the same targets
  return targets;
}

function checkGraph(flow: FlowDefinition): string[] {
  const problems: string[] = [];
  const index = new Map(flow.steps.map((s, i) => [s.id, i]));
  const reachable = new Set<string>();
  const queue = [flow.steps[0].id];
  while (queue.length) {
    const id = queue.shift() as string;
    if (id === 'submit' || reachable.has(id)) continue;
    reachable.add(id);
    queue.push(...successors(flow, index.get(id) as number));
  }
  for (const step of flow.steps) {
    if (!reachable.has(step.id)) problems.push(`steps (${step.id}): unreachable — no step leads to it`);
  }
  // the steps must form no loop: a conversation has to end
  const state = new Map<string, 'active' | 'done'>();
  const visit = (id: string, trail: string[]): boolean => {
    if (id === 'submit') return false;
    const s = state.get(id);
    if (s === 'done') return false;
    if (s === 'active') {
      problems.push(`steps: the steps loop (${[...trail.slice(trail.indexOf(id)), id].join(' → ')}); a flow must always reach submit`);
      return true;
    }
    state.set(id, 'active');
    for (const next of successors(flow, index.get(id) as number)) if (visit(next, [...trail, id])) return true;
    state.set(id, 'done');
    return false;
  };
  visit(flow.steps[0].id, []);
  return problems;
}

function checkStepType(where: string, step: StepDefinition, caps: FlowCapabilities): string[] {
  const problems: string[] = [];
  const has = (key: keyof StepDefinition) => step[key] !== undefined;
  const onlyFor = (keys: Array<keyof StepDefinition>, types: string[]) => {
    for (const key of keys) {
      if (has(key) && !types.includes(step.type)) problems.push(`${where}.${key}: only allowed for a ${types.join(' / ')} step, this one is ${step.type}`);
    }
  };
  onlyFor(['minLength', 'maxLength', 'validator'], ['text']);
  onlyFor(['options', 'optionsFrom'], ['choice', 'multi-choice']);
  onlyFor(['minChoices', 'maxChoices'], ['multi-choice']);
  onlyFor(['notAfter', 'notBefore'], ['date']);
  onlyFor(['phoneKind'], ['phone']);
  onlyFor(['min', 'max', 'integer'], ['number']);
  onlyFor(['accountStatus'], ['account-of-mine']);
  if (step.validator && !caps.validators.has(step.validator)) {
    problems.push(`${where}.validator: unknown validator “${step.validator}” (known: ${[...caps.validators].join(', ')})`);
  }
  if (step.optionsFrom && !caps.optionSources.has(step.optionsFrom)) {
    problems.push(`${where}.optionsFrom: unknown option source “${step.optionsFrom}” (known: ${[...caps.optionSources].join(', ')})`);
  }
  if (step.options && step.optionsFrom) problems.push(`${where}: give options or optionsFrom, not both`);
  if (step.options) {
    const seen = new Set<string>();
    for (const o of step.options) {
      if (seen.has(o.value)) problems.push(`${where}.options: value “${o.value}” is used twice`);
      seen.add(o.value);
      if ((CONTROL_WORDS as readonly string[]).includes(o.label)) problems.push(`${where}.options: “${o.label}” is a control word`);
    }
  }
  if (step.minLength !== undefined && step.maxLength !== undefined && step.minLength > step.maxLength) {
    problems.push(`${where}: minLength ${step.minLength} is greater than maxLength ${step.maxLength}`);
  }
  if (step.min !== undefined && step.max !== undefined && step.min > step.max) problems.push(`${where}: min is greater than max`);
  if (step.minChoices !== undefined && step.maxChoices !== undefined && step.minChoices > step.maxChoices) {
    problems.push(`${where}: minChoices is greater than maxChoices`);
  }
  if (step.schema && !step.schemaMessage) problems.push(`${where}.schemaMessage: required with schema (what to tell the user when the answer does not fit)`);
  if (step.optional && step.type === 'confirm') problems.push(`${where}: a confirm step cannot be optional`);
  return problems;
}
