import type { EntityManager } from 'typeorm';
import type { Person } from '../../domain/roster/roster-service';
import type { OutboxItem } from '../../outbox/outbox-writer';
import type { InboundMessage } from '../inbound-message';
import type { FlowOption } from './flow-definition';
import type { StoredAnswer } from './session-store';

/** What facts, option sources and actions may look at. */
export interface FlowRuntimeContext {
  manager: EntityManager;
  person: Person;
  now: Date;
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  today: string;
  answers: Record<string, StoredAnswer>;
  /** Values the flow was started with (e.g. { filingId }). */
  params: Record<string, string | number>;
}

/** A named lookup a flow can test (`{"fact": "…", "present": true}`) or show (`{{fact:…}}`); null = absent. */
export type FlowFact = (context: FlowRuntimeContext) => Promise<string | null>;

/** A named list of options for choice steps (`"optionsFrom": "platform-types"`). */
export type OptionSource = (context: FlowRuntimeContext) => Promise<FlowOption[]> | FlowOption[];

export interface ActionInput extends FlowRuntimeContext {
  message: InboundMessage;
  /** Answer values by step id, only of steps on the answered path; skipped steps are null. */
  values: Record<string, unknown>;
  /** Any other message the action causes (cards to admins …), in the same transaction. */
  send(item: OutboxItem): void;
}

/** A flow to start when an action succeeded (a 整改 report that closes the account goes on to its 关停 filing). */
export interface FollowUpFlow {
  flowId: string;
  params?: Record<string, string | number>;
  /** answers already known: their steps are not asked */
  prefill?: Record<string, StoredAnswer>;
}

export type ActionResult =
  | { ok: true; reply: string; then?: FollowUpFlow }
  /** Refused: say why; with `askAgain`, that step's answer is dropped and it is asked again instead of ending. */
  | { ok: false; reply: string; askAgain?: string; forget?: string[] };

export type FlowAction = (input: ActionInput) => Promise<ActionResult>;

/** The chat layer's table of names a flow file may use (DESIGN §2: a flow's submit names an action). */
export interface FlowServices {
  facts: Record<string, FlowFact>;
  optionSources: Record<string, OptionSource>;
  actions: Record<string, FlowAction>;
  /** Accounts of the person's units for account-of-mine steps. */
  myAccounts(context: FlowRuntimeContext, statuses: string[] | undefined): Promise<FlowOption[]>;
  /** Units the person files for, for unit-of-mine steps. */
  myUnits(context: FlowRuntimeContext): Promise<FlowOption[]>;
}

/** The part of FlowServices a feature adds (bulletins, deadlines …): its own facts, option sources and actions. */
export type FlowServicesPart = Pick<FlowServices, 'facts' | 'optionSources' | 'actions'>;

/** One table of names from the registry's services and the features' parts; a name defined twice is a bug. */
export function mergeFlowServices(base: FlowServices, ...parts: FlowServicesPart[]): FlowServices {
  const merged: FlowServices = {
    ...base,
    facts: { ...base.facts },
    optionSources: { ...base.optionSources },
    actions: { ...base.actions },
  };
  for (const part of parts) {
    for (const table of ['facts', 'optionSources', 'actions'] as const) {
      for (const [name, value] of Object.entries(part[table])) {
        if (name in merged[table]) throw new Error(`flow ${table} name "${name}" is defined twice`);
        (merged[table] as Record<string, unknown>)[name] = value;
      }
    }
  }
  return merged;
}
