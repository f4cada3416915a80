import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { checkFlow, checkTriggerClashes, type FlowCapabilities } from './flow-checks';
import type { FlowDefinition, LoadedFlow } from './flow-definition';
import { conditionSchema, flowSchema } from './flow-schema';

/** A flow directory that cannot be used: every problem of every file, so they can all be fixed at once. */
export class FlowLoadError extends Error {
  constructor(
    readonly directory: string,
    readonly problems: string[],
  ) {
    super(
      `The flow files in ${directory} have ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nFix them (see bot-flows/README.md for the format), then run `npm run flows:check`.',
    );
    this.name = 'FlowLoadError';
  }
}

let validateFlowSchema: ReturnType<Ajv['compile']> | undefined;
function schemaValidator() {
  if (!validateFlowSchema) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajv.addSchema(conditionSchema);
    validateFlowSchema = ajv.compile(flowSchema);
  }
  return validateFlowSchema;
}

/** Every flow of a directory, checked. Throws FlowLoadError listing all problems. */
export function loadFlows(directory: string, caps: FlowCapabilities): Map<string, LoadedFlow> {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new FlowLoadError(directory, [`the directory does not exist (set FLOWS_DIR to the directory holding the flow files)`]);
  }
  const files = readdirSync(directory)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .sort();
  const problems: string[] = [];
  const loaded: LoadedFlow[] = [];
  for (const file of files) {
    const path = join(directory, file);
    const result = parseFlowFile(path, readFileSync(path, 'utf8'), caps);
    if ('problems' in result) problems.push(...result.problems.map((p) => `${file}: ${p}`));
    else loaded.push(result.flow);
  }
  if (files.length === 0) problems.push('no flow files (*.json) found');
  problems.push(...checkTriggerClashes(loaded.map((f) => ({ file: basename(f.file), definition: f.definition }))));
  if (problems.length) throw new FlowLoadError(directory, problems);
  return new Map(loaded.map((f) => [f.definition.id, f]));
}

/** One flow file's text → a loaded flow, or its problems. */
export function parseFlowFile(path: string, content: string, caps: FlowCapabilities): { flow: LoadedFlow } | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { problems: [`not valid JSON: ${(error as Error).message}`] };
  }
  const validate = schemaValidator();
  if (!validate(json)) return { problems: describeSchemaErrors(validate.errors ?? [], json) };
  const definition = json as FlowDefinition;
  const problems = checkFlow(definition, basename(path, '.json'), caps);
  if (problems.length) return { problems };
  return {
    flow: {
      definition,
      file: path,
      hash: hashOf(definition),
      stepHashes: new Map(definition.steps.map((s) => [s.id, hashOf(s)])),
      stepIndex: new Map(definition.steps.map((s, i) => [s.id, i])),
    },
  };
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** ajv errors as "where: what" lines a flow author understands; oneOf noise reduced to its most useful branch. */
function describeSchemaErrors(errors: ErrorObject[], json: unknown): string[] {
  const lines = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const where = pointerToPath(e.instancePath) || '(top level)';
    const stepId = stepIdAt(json, e.instancePath);
    const label = stepId ? `${where} (${stepId})` : where;
    switch (e.keyword) {
      case 'additionalProperties':
        lines.add(`${label}: unknown property “${(e.params as { additionalProperty: string }).additionalProperty}”`);
        break;
      case 'required':
        lines.add(`${label}: “${(e.params as { missingProperty: string }).missingProperty}” is required`);
        break;
      case 'enum':
        lines.add(`${label}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`);
        break;
      default:
        lines.add(`${label}: ${e.message ?? e.keyword}`);
    }
  }
  return [...lines];
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function stepIdAt(json: unknown, pointer: string): string | undefined {
  const match = /^\/steps\/(\d+)/.exec(pointer);
  if (!match || !json || typeof json !== 'object') return undefined;
  const steps = (json as { steps?: Array<{ id?: unknown }> }).steps;
  const id = steps?.[Number(match[1])]?.id;
  return typeof id === 'string' ? id : undefined;
}
