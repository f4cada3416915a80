import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { ConfigError, type ConfigProblem } from '../../shared/errors';
import type { ProblemSeverity } from './finding-entity';

/**
 * The controlled problem list of DOMAIN §4, read from config/problem-codes.json (the office may change severities
 * and add spellings there). `codeProblems` turns a 主要问题 cell into codes: split on 、，,；, each piece coded by the
 * longest label or synonym it contains, unknown pieces kept as OTHER with their words.
 */

export interface ProblemDefinition {
  code: string;
  label: string;
  synonyms: string[];
  severity: ProblemSeverity;
  /** what the unit must do (整改要求), sent with the finding */
  expectation: string;
}

export interface CodedProblem {
  code: string;
  /** the piece of the cell as written */
  text: string;
  severity: ProblemSeverity;
}

export interface CodedProblems {
  problems: CodedProblem[];
  /** distinct codes in order of appearance */
  codes: string[];
  /** the highest severity; null when the cell is empty */
  severity: ProblemSeverity | null;
}

export const SEVERITY_RANK: Record<ProblemSeverity, number> = { advisory: 1, deduction: 2, veto: 3 };
export const SEVERITY_LABEL: Record<ProblemSeverity, string> = { veto: '单项否决', deduction: '扣分项', advisory: '提示项' };

const FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['problems'],
  properties: {
    _comment: { type: 'string' },
    problems: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'label', 'synonyms', 'severity', 'expectation'],
        properties: {
          code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{1,39}$' },
          label: { type: 'string', minLength: 1, maxLength: 64 },
          synonyms: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 } },
          severity: { type: 'string', enum: ['veto', 'deduction', 'advisory'] },
          expectation: { type: 'string', minLength: 1, maxLength: 200 },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateFile = ajv.compile(FILE_SCHEMA);
const RIGHT_ENTRY =
  '{ "code": "UPDATE_LATE", "label": "更新不及时", "synonyms": ["更新频率较低"], "severity": "deduction", "expectation": "保持稳定的更新频率" }';

/** Folds what differs between spellings of one problem: full-width forms, spaces, case. */
export function foldProblemText(text: string): string {
  return text.normalize('NFKC').replace(/[\s\u3000]+/g, '').toUpperCase();
}

export class ProblemVocabulary {
  private readonly byCode: Map<string, ProblemDefinition>;
  /** every label and synonym, folded, longest first */
  private readonly spellings: { folded: string; definition: ProblemDefinition }[];

  constructor(readonly definitions: ProblemDefinition[]) {
    this.byCode = new Map(definitions.map((d) => [d.code, d]));
    this.spellings = definitions
      .filter((d) => d.code !== 'OTHER')
      .flatMap((d) => [d.label, ...d.synonyms].map((s) => ({ folded: foldProblemText(s), definition: d })))
      .filter((s) => s.folded.length > 0)
      .sort((a, b) => b.folded.length - a.folded.length);
  }

  get(code: string): ProblemDefinition | undefined {
    return this.byCode.get(code);
  }

  label(code: string): string {
    return this.byCode.get(code)?.label ?? code;
  }

  /** Code one piece: the longest label or synonym it contains; OTHER when none. */
  codePiece(piece: string): CodedProblem {
    const folded = foldProblemText(piece);
    const hit = this.spellings.find((s) => folded.includes(s.folded));
    const definition = hit?.definition ?? this.byCode.get('OTHER');
    return { code: definition?.code ?? 'OTHER', text: piece, severity: definition?.severity ?? 'advisory' };
  }

  /** Code a whole 主要问题 / 存在问题 cell. */
  codeProblems(raw: string | null | undefined): CodedProblems {
    const problems = splitProblems(raw).map((piece) => this.codePiece(piece));
    const codes = [...new Set(problems.map((p) => p.code))];
    let severity: ProblemSeverity | null = null;
    for (const p of problems) if (!severity || SEVERITY_RANK[p.severity] > SEVERITY_RANK[severity]) severity = p.severity;
    return { problems, codes, severity };
  }
}

/** Split a problems cell on 、，,；; (and line breaks); pieces trimmed, empty ones dropped. */
export function splitProblems(raw: string | null | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(/[、，,；;\r\n]+/)
    .map((piece) => piece.replace(/^[\s\u3000]+|[\s\u3000。.]+$/g, ''))
    .filter((piece) => piece.length > 0);
}

/**
 * Read the vocabulary file. A missing or bad file is a ConfigError naming the file, the place
 * (`problems[3].severity`), what is wrong and a right entry.
 */
export function loadProblemVocabulary(path: string): ProblemVocabulary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        variable: 'PROBLEM_CODES_FILE',
        problem: `cannot read the problem vocabulary ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        example: 'config/problem-codes.json',
      },
    ]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ variable: 'PROBLEM_CODES_FILE', problem: `${path} is not valid JSON: ${(err as Error).message}`, example: RIGHT_ENTRY }]);
  }
  const problems: ConfigProblem[] = [];
  if (!validateFile(data)) {
    for (const error of validateFile.errors ?? []) problems.push(schemaProblem(path, error));
    throw new ConfigError(problems);
  }
  const definitions = (data as { problems: ProblemDefinition[] }).problems;
  const seenCodes = new Set<string>();
  const seenSpellings = new Map<string, string>();
  definitions.forEach((d, index) => {
    if (seenCodes.has(d.code)) problems.push({ variable: 'PROBLEM_CODES_FILE', problem: `${path}: problems[${index}].code ${d.code} appears twice`, example: RIGHT_ENTRY });
    seenCodes.add(d.code);
    for (const spelling of [d.label, ...d.synonyms]) {
      const folded = foldProblemText(spelling);
      const owner = seenSpellings.get(folded);
      if (owner && owner !== d.code) {
        problems.push({
          variable: 'PROBLEM_CODES_FILE',
          problem: `${path}: "${spelling}" is a spelling of both ${owner} and ${d.code}; keep it under one code`,
          example: RIGHT_ENTRY,
        });
      }
      seenSpellings.set(folded, d.code);
    }
  });
  if (!seenCodes.has('OTHER')) {
    problems.push({ variable: 'PROBLEM_CODES_FILE', problem: `${path}: the list must keep the OTHER code (unknown problems)`, example: RIGHT_ENTRY.replace('UPDATE_LATE', 'OTHER') });
  }
  if (problems.length) throw new ConfigError(problems);
  return new ProblemVocabulary(definitions);
}

function schemaProblem(path: string, error: ErrorObject): ConfigProblem {
  const place = error.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') || '(top level)';
  const detail =
    error.keyword === 'additionalProperties'
      ? `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`
      : error.keyword === 'enum'
        ? `must be one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}`
        : (error.message ?? 'is not valid');
  return { variable: 'PROBLEM_CODES_FILE', problem: `${path}: ${place} ${detail}`, example: RIGHT_ENTRY };
}
