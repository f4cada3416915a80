/**
 * The shape of a flow file, bot-flows/<flow-id>.json (DESIGN §3). Validated by flow-schema.ts (ajv) and by the
 * checks a schema cannot make (flow-checks.ts) before anyone can talk to it.
 */

export type AnswerTypeName =
  | 'text'
  | 'choice'
  | 'multi-choice'
  | 'date'
  | 'phone'
  | 'number'
  | 'account-of-mine'
  | 'unit-of-mine'
  | 'confirm';

export type FlowRole = 'liaison' | 'admin' | 'everyone';

export interface FlowOption {
  value: string;
  label: string;
  synonyms?: string[];
  /** Listed but not choosable now, and why (e.g. an account whose filing is under review). */
  unavailable?: string;
}

/** When a step is asked, or where `next` goes. Conditions read answers (by step id) and facts (named lookups). */
export type Condition =
  | { answer: string; equals?: string; in?: string[]; notIn?: string[]; includes?: string; answered?: boolean }
  | { fact: string; present: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export interface NextRule {
  when?: Condition;
  goto: string;
}

export interface StepDefinition {
  /** Stable id; answers are stored under it and templates name it as {{id}}. */
  id: string;
  /** Short name shown in the summary before submitting ("平台", "账号名称"). */
  label: string;
  /** The question; may use {{answerId}}, {{fact:name}}, {{user}}, {{flow}}. */
  question: string;
  /** Shown on 帮助 at this step, and after a wrong answer. */
  help?: string;
  type: AnswerTypeName;
  /** Optional steps may be answered with 跳过. */
  optional?: boolean;
  /** Personal data (phone numbers): asked and answered only in a single chat, never echoed into a group. */
  personal?: boolean;
  /** Wrong answers allowed before the flow ends politely (default: the flow's, else 3). */
  maxAttempts?: number;
  /** Asked only when this holds; otherwise skipped and any earlier answer dropped. */
  when?: Condition;
  /** Where to go after this step: a step id, "submit", or rules tried in order; default the next step in the file. */
  next?: string | NextRule[];

  // --- per answer type ---
  /** text: length limits in characters (default 1..200). */
  minLength?: number;
  maxLength?: number;
  /** text: a named validator (url, account-id-or-url, wechat-id, person-name …). */
  validator?: string;
  /** A JSON Schema fragment the parsed value must satisfy, with the message to show when it does not. */
  schema?: Record<string, unknown>;
  schemaMessage?: string;
  /** choice / multi-choice: the options, or a named source (platform-types, changeable-fields …). */
  options?: FlowOption[];
  optionsFrom?: string;
  minChoices?: number;
  maxChoices?: number;
  /** date: bounds; "today" or YYYY-MM-DD. */
  notAfter?: string;
  notBefore?: string;
  /** phone: which numbers are accepted (default any). */
  phoneKind?: 'mobile' | 'landline' | 'any';
  /** number: bounds. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** account-of-mine: which of my units' accounts may be chosen (by run status; default all). */
  accountStatus?: Array<'active' | 'suspended' | 'cancelled'>;
}

export interface FlowDefinition {
  /** Stable id, the file name without .json. */
  id: string;
  title: string;
  /** One line for 帮助. */
  summary: string;
  /** Words that start the flow (matched after normalisation). A flow without triggers is started by the bot only. */
  triggers: string[];
  /** Who may start it. */
  roles: FlowRole[];
  /** Default attempt limit of its steps. */
  maxAttempts?: number;
  /** Position in 帮助 (lower first; default 100, then by title). */
  order?: number;
  /** Said once when the flow starts, before the first question. */
  intro?: string;
  steps: StepDefinition[];
  submit: {
    /** Names an entry of the action table (chat/flow/flow-actions.ts), e.g. filing.open. */
    action: string;
    /** Show the summary and ask for confirmation first (default true). */
    confirm?: boolean;
  };
}

/** A flow as loaded: the definition plus the hashes that tell a changed file or step from an unchanged one. */
export interface LoadedFlow {
  definition: FlowDefinition;
  file: string;
  hash: string;
  stepHashes: Map<string, string>;
  stepIndex: Map<string, number>;
}
