import type { EntityManager } from 'typeorm';
import type { Person } from '../../../domain/roster/roster-service';
import type { Parsed } from '../../input/parsed';
import type { FlowOption, StepDefinition } from '../flow-definition';
import type { StoredAnswer } from '../session-store';

/** What an answer type may look at while it parses one answer or renders one question. */
export interface AnswerTypeContext {
  manager: EntityManager;
  person: Person;
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  today: string;
  step: StepDefinition;
  answers: Record<string, StoredAnswer>;
  /** The options of the step, resolved (choice, multi-choice, account-of-mine, unit-of-mine); else empty. */
  options: FlowOption[];
}

/** One kind of answer (DESIGN §5: one step type per file). A wrong answer is a result, never an exception. */
export interface AnswerType {
  parse(text: string, context: AnswerTypeContext): Parsed<unknown>;
  /** A line under the question telling how to answer, or "". */
  hint(context: AnswerTypeContext): string;
  /** Whether the question lists numbered options. */
  listsOptions: boolean;
}
