import type { EntityManager } from 'typeorm';
import { planBulletin, publish, type BulletinChannels } from '../../domain/bulletins/bulletin-service';
import { matchUnitNames, splitUnitNames, unitMatchProblems, type Audience } from '../../domain/roster/audience';
import type { ActionInput, ActionResult, FlowRuntimeContext, FlowServicesPart } from '../flow/flow-services';
import type { StoredAnswer } from '../flow/session-store';
import { previewText, publishedText, refusalText } from './bulletin-wording';

/**
 * What bot-flows/publish-bulletin.json may name: the facts `bulletin-audience-problem` (why the chosen audience
 * cannot be used, or absent) and `bulletin-preview` (whom the draft reaches and with how many messages), and the
 * action `bulletin.publish`.
 */
export function bulletinFlowServices(channels: BulletinChannels): FlowServicesPart {
  return {
    optionSources: {},
    facts: {
      'bulletin-audience-problem': async (context) => {
        const checked = await checkDraft(context, channels);
        return checked && !checked.ok ? checked.problem : null;
      },
      'bulletin-preview': async (context) => {
        const checked = await checkDraft(context, channels);
        return checked?.ok ? checked.preview : null;
      },
    },
    actions: {
      'bulletin.publish': (input) => publishAction(input, channels),
    },
  };
}

/** The answers of the flow by step id. */
const STEP = { title: 'title', body: 'body', audience: 'audience', unitNames: 'unit-names', preview: 'preview' } as const;

type AudienceAnswer = { ok: true; audience: Audience } | { ok: false; problem: string; askAgain: string };

/** The audience the admin chose; unit names are matched against the roster (full name, short name, or a unique part). */
export async function audienceFromAnswers(manager: EntityManager, choice: unknown, unitNames: unknown): Promise<AudienceAnswer | null> {
  switch (choice) {
    case 'all':
      return { ok: true, audience: { kind: 'all' } };
    case 'open-findings':
      return { ok: true, audience: { kind: 'openFindings' } };
    case 'units': {
      if (typeof unitNames !== 'string') return null;
      const written = splitUnitNames(unitNames);
      if (written.length === 0) return { ok: false, problem: '请写出至少一个单位的名称。', askAgain: STEP.unitNames };
      const match = await matchUnitNames(manager, written);
      const problems = unitMatchProblems(match);
      if (problems.length) return { ok: false, problem: `${problems.join('；')}。`, askAgain: STEP.unitNames };
      return { ok: true, audience: { kind: 'units', unitIds: match.found.map((u) => u.id) } };
    }
    default:
      return null;
  }
}

type DraftCheck = { ok: true; preview: string } | { ok: false; problem: string; askAgain: string };

/** Null until the audience is complete; then what the preview shows, or why the audience cannot be used. */
async function checkDraft(context: FlowRuntimeContext, channels: BulletinChannels): Promise<DraftCheck | null> {
  const { answers, manager } = context;
  const audience = await audienceFromAnswers(manager, value(answers[STEP.audience]), value(answers[STEP.unitNames]));
  if (!audience) return null;
  if (!audience.ok) return audience;
  const planned = await planBulletin(
    manager,
    { title: String(value(answers[STEP.title]) ?? ''), body: String(value(answers[STEP.body]) ?? ''), audience: audience.audience },
    channels,
  );
  if (planned.ok) return { ok: true, preview: previewText(planned.plan) };
  return { ok: false, problem: refusalText(planned.code, planned.plan), askAgain: askAgainFor(planned.code) };
}

async function publishAction(input: ActionInput, channels: BulletinChannels): Promise<ActionResult> {
  const { values } = input;
  if (values[STEP.preview] === false) return { ok: false, reply: '好的，通报未发布，本次填写的内容未保存。' };
  const audience = await audienceFromAnswers(input.manager, values[STEP.audience], values[STEP.unitNames]);
  if (!audience) return { ok: false, reply: '请选择发送范围。', askAgain: STEP.audience };
  // a wrong unit name comes here before the preview (the preview step waits for a usable audience): ask it again
  if (!audience.ok) return { ok: false, reply: audience.problem, askAgain: audience.askAgain };
  const result = await publish(
    input.manager,
    {
      title: String(values[STEP.title] ?? ''),
      body: String(values[STEP.body] ?? ''),
      audience: audience.audience,
      createdBy: { userId: input.person.userId, name: input.person.name },
      now: input.now,
    },
    channels,
  );
  if (!result.ok) {
    const askAgain = askAgainFor(result.code);
    // a new choice of audience needs new unit names too
    return { ok: false, reply: refusalText(result.code, result.plan), askAgain, forget: askAgain === STEP.audience ? [STEP.unitNames] : [] };
  }
  return { ok: true, reply: publishedText(result.bulletin, result.plan) };
}

function askAgainFor(code: string): string {
  if (code.startsWith('title')) return STEP.title;
  if (code.startsWith('body')) return STEP.body;
  return STEP.audience;
}

function value(answer: StoredAnswer | undefined): unknown {
  return answer && !answer.skipped ? answer.value : undefined;
}
