import Ajv, { type ValidateFunction } from 'ajv';
import type { Person } from '../../domain/roster/roster-service';
import { toShanghaiDate } from '../../shared/shanghai-time';
import { maskPhone } from '../input/parse-phone';
import { formatOptions } from '../input/match-choice';
import type { Parsed } from '../input/parsed';
import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import { directMessage } from '../reply-address';
import { normalizeText } from '../text-normalize';
import { answerTypes, type AnswerTypeContext } from './answer-types';
import type { Condition, FlowOption, LoadedFlow, StepDefinition } from './flow-definition';
import type { FlowRuntimeContext, FlowServices } from './flow-services';
import {
  createSession,
  deleteSession,
  loadSession,
  saveSession,
  type FlowSession,
  type SessionContext,
  type StoredAnswer,
} from './session-store';

export interface FlowEngineOptions {
  flows: Map<string, LoadedFlow>;
  services: FlowServices;
  /** Minutes of silence after which a half-finished flow ends. */
  idleMinutes: number;
  /** Whom to contact, shown when a flow ends without success. */
  officeContact: string;
  /** Command words (我的账号, 通过 …): typed during a flow they are not taken as an answer. */
  commandWords?: string[];
}

/** One message being processed by the engine. */
export interface FlowTurn {
  message: InboundMessage;
  person: Person;
  /** The normalised text (full-width folded), for commands and structured answers. */
  text: string;
  /** What the person typed, trimmed: free-text answers keep their Chinese punctuation. Default: text. */
  raw?: string;
  context: HandlerContext;
}

const SUMMARY = 'summary';
const CONTROL_HELP = '随时可回复“取消”结束、“上一步”返回修改、“帮助”查看说明。';
const DEFAULT_MAX_ATTEMPTS = 3;

const CANCEL_WORDS = new Set(['取消', '退出', '不办了', '结束']);
const BACK_WORDS = new Set(['上一步', '返回', '返回上一步']);
const HELP_WORDS = new Set(['帮助', '?', '？', '说明']);
const RESTART_WORDS = new Set(['重新开始', '重来', '重新填写']);
const SKIP_WORDS = new Set(['跳过', '略过', '无', '没有']);
const SUBMIT_WORDS = new Set(['确认', '提交', '确认提交', '确定', '是', '对', '好', '好的', '没问题', '无误', '确认无误']);

/**
 * Interprets bot-flows/*.json (DESIGN §3): asks step by step, validates every answer, handles 取消 / 上一步 / 帮助 /
 * 重新开始 / 跳过, shows a summary to confirm or correct, survives restarts (the session is a database row written with
 * compare-and-swap) and flow files that changed while someone was half-way.
 */
export class FlowEngine {
  private readonly triggers = new Map<string, LoadedFlow>();
  private readonly commandWords: Set<string>;
  private readonly schemaValidators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: false, strict: false });

  constructor(private readonly options: FlowEngineOptions) {
    for (const flow of options.flows.values()) {
      for (const trigger of flow.definition.triggers) this.triggers.set(triggerKey(trigger), flow);
    }
    this.commandWords = new Set((options.commandWords ?? []).map(triggerKey));
  }

  get flows(): LoadedFlow[] {
    return [...this.options.flows.values()];
  }

  /**
   * Handle the message if it belongs to a flow: the person is in one, or the text starts one. False when the
   * engine has nothing to do with it (the router then tries the commands).
   */
  async handle(turn: FlowTurn): Promise<boolean> {
    const { context } = turn;
    let session = await loadSession(context.manager, turn.person.userId);
    if (session && session.expiresAt.getTime() <= context.now.getTime()) {
      const flow = this.options.flows.get(session.flowId);
      if (await deleteSession(context.manager, session)) {
        this.say(turn, `您之前办理的「${flow?.definition.title ?? session.flowId}」超过${this.options.idleMinutes}分钟未回复，已自动结束，未保存任何内容。`);
      }
      session = null;
    }
    if (!session) {
      const flow = this.triggers.get(triggerKey(turn.text));
      if (!flow) {
        const word = turn.text.replace(/[。.!！]+$/, '');
        if (CANCEL_WORDS.has(word) || BACK_WORDS.has(word) || RESTART_WORDS.has(word) || word === '跳过') {
          this.say(turn, '您当前没有正在办理的事项。发送“帮助”查看可以办理的事项。');
          return true;
        }
        return false;
      }
      if (!mayStart(flow, turn.person)) {
        this.say(turn, `「${flow.definition.title}」仅限${rolesLabel(flow)}办理。发送“帮助”查看您可以办理的事项。`);
        return true;
      }
      await this.start(flow.definition.id, turn, {}, null);
      return true;
    }
    const flow = this.options.flows.get(session.flowId);
    if (!flow) {
      await deleteSession(context.manager, session);
      this.say(turn, `您之前办理的事项已停用，已结束。发送“帮助”查看可以办理的事项。`);
      return true;
    }
    await this.continueSession(flow, session, turn);
    return true;
  }

  /** Start a flow for the person (a trigger word, or a card button), replacing any flow they were in. */
  async start(
    flowId: string,
    turn: FlowTurn,
    params: Record<string, string | number>,
    previous: FlowSession | null | undefined,
    /** answers already known (a one-line command): their steps are not asked; the summary still shows them */
    prefill: Record<string, StoredAnswer> = {},
  ): Promise<void> {
    const flow = this.options.flows.get(flowId);
    if (!flow) throw new Error(`unknown flow ${flowId}`);
    const { context, message } = turn;
    const before = previous === undefined ? await loadSession(context.manager, turn.person.userId) : previous;
    const sessionContext: SessionContext = {
      channel: message.channel,
      chatType: message.chatType,
      ...(message.chatId ? { chatId: message.chatId } : {}),
      params,
    };
    const session = await createSession(
      context.manager,
      {
        userId: turn.person.userId,
        flowId: flow.definition.id,
        flowHash: flow.hash,
        stepId: flow.definition.steps[0].id,
        stepHash: flow.stepHashes.get(flow.definition.steps[0].id) as string,
        answers: { ...prefill },
        attempts: 0,
        history: [],
        context: sessionContext,
        correcting: null,
        startedAt: context.now,
        updatedAt: context.now,
        expiresAt: this.expiry(context.now),
      },
      before,
    );
    const intro = [
      flow.definition.intro ? this.render(flow.definition.intro, flow, session, turn.person, {}) : `开始办理「${flow.definition.title}」。`,
      flow.definition.steps.length === 1 ? '回复“取消”结束本次办理。' : CONTROL_HELP,
    ];
    await this.advance(flow, session, turn, intro.join(''));
  }

  private async continueSession(flow: LoadedFlow, loaded: FlowSession, turn: FlowTurn): Promise<void> {
    let session = this.rememberConversation(loaded, turn.message);
    const word = turn.text.replace(/[。.!！]+$/, '');
    if (session.flowHash !== flow.hash) {
      const outcome = await this.reconcile(flow, session, turn);
      session = outcome.session;
      // 取消 and 重新开始 still mean what they say; any other message is not an answer to a question that changed
      if (outcome.ask && !CANCEL_WORDS.has(word) && !RESTART_WORDS.has(word)) {
        await this.advance(flow, session, turn, outcome.notice);
        return;
      }
    }

    if (CANCEL_WORDS.has(word)) {
      await deleteSession(turn.context.manager, session);
      this.say(turn, `已取消「${flow.definition.title}」，本次填写的内容未保存。`);
      return;
    }
    if (RESTART_WORDS.has(word)) {
      const restarted = { ...session, answers: {}, history: [], attempts: 0, correcting: null };
      await this.advance(flow, restarted, turn, `好的，重新开始办理「${flow.definition.title}」。`);
      return;
    }
    if (session.stepId === SUMMARY) {
      await this.onSummaryAnswer(flow, session, turn, word);
      return;
    }
    const step = this.step(flow, session.stepId);
    if (!step) {
      await this.advance(flow, session, turn, '');
      return;
    }
    if (BACK_WORDS.has(word)) {
      await this.goBack(flow, session, turn);
      return;
    }
    if (HELP_WORDS.has(word)) {
      const help = step.help ? this.render(step.help, flow, session, turn.person, {}) : '';
      const question = await this.question(flow, session, step, turn);
      await saveSession(turn.context.manager, { ...session, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
      this.say(turn, [help, question, flow.definition.steps.length === 1 ? '回复“取消”结束本次办理。' : CONTROL_HELP].filter(Boolean).join('\n'));
      return;
    }
    if (step.personal && turn.message.chatType === 'group') {
      await saveSession(turn.context.manager, { ...session, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
      this.say(turn, `为保护个人信息，「${step.label}」请在与我的单聊中回答，不要发在群里。`);
      return;
    }
    const head = triggerKey(word.split(' ')[0] ?? '');
    const other = this.triggers.get(triggerKey(word));
    if ((other || this.commandWords.has(triggerKey(word)) || this.commandWords.has(head)) && !(await this.namesAnOption(session, step, turn, word))) {
      const saved = await saveSession(turn.context.manager, { ...session, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
      const what = other ? `「${other.definition.title}」` : `“${word}”`;
      this.say(
        turn,
        `您正在办理「${flow.definition.title}」，“${word}”不作为本项的回答。如需办理${what}，请先回复“取消”结束当前的「${flow.definition.title}」。\n${await this.question(flow, saved, step, turn)}`,
      );
      return;
    }
    if (SKIP_WORDS.has(word) && (step.optional || word === '跳过')) {
      if (!step.optional) {
        await this.retry(flow, session, step, turn, { problem: `「${step.label}」为必填项，不能跳过`, example: '' }, false);
        return;
      }
      const answers = { ...session.answers, [step.id]: { value: null, display: '（未填写）', raw: turn.text, skipped: true } };
      await this.advance(flow, { ...session, answers, attempts: 0, correcting: null }, turn, '');
      return;
    }
    const input = step.type === 'text' ? (turn.raw ?? turn.text) : turn.text;
    const parsed = await this.parse(flow, session, step, input, turn);
    if (!parsed.ok) {
      await this.retry(flow, session, step, turn, parsed, true);
      return;
    }
    const answers = { ...session.answers, [step.id]: { value: parsed.value, display: parsed.display, raw: input } };
    await this.advance(flow, { ...session, answers, attempts: 0, correcting: null }, turn, '');
  }

  /** Ask the first step on the path that has no answer; at the end, show the summary (or submit). */
  private async advance(flow: LoadedFlow, start: FlowSession, turn: FlowTurn, notice: string): Promise<void> {
    let session = start;
    const runtime = this.runtimeContext(turn, session);
    for (;;) {
      runtime.answers = session.answers;
      const { next } = await this.walk(flow, session, runtime);
      if (!next) break;
      if (next.type === 'unit-of-mine' || next.type === 'account-of-mine') {
        const options = (await this.optionsOf(next, runtime)).filter((o) => !o.unavailable);
        if (options.length === 0) {
          await deleteSession(turn.context.manager, session);
          const why =
            next.type === 'unit-of-mine'
              ? `您目前不是任何单位的联络员，无法办理「${flow.definition.title}」。`
              : `您所在单位目前没有可以办理「${flow.definition.title}」的账号${accountsHint(next)}。发送“我的账号”查看本单位账号。`;
          // a flow that ends before its first question needs no introduction
          const lead = Object.keys(session.answers).length > 0 && notice ? `${notice}\n` : '';
          this.say(turn, `${lead}${why}如有疑问请联系${this.options.officeContact}。`);
          return;
        }
        if (next.type === 'unit-of-mine' && options.length === 1) {
          session = { ...session, answers: { ...session.answers, [next.id]: { value: options[0].value, display: options[0].label, raw: '', auto: true } } };
          continue;
        }
      }
      session = {
        ...session,
        stepId: next.id,
        stepHash: flow.stepHashes.get(next.id) as string,
        history: session.history[session.history.length - 1] === next.id ? session.history : [...session.history, next.id],
        updatedAt: turn.context.now,
        expiresAt: this.expiry(turn.context.now),
      };
      session = await saveSession(turn.context.manager, session);
      await this.ask(flow, session, next, turn, notice);
      return;
    }
    if (flow.definition.submit.confirm === false) {
      await this.submit(flow, session, turn, notice);
      return;
    }
    session = await saveSession(turn.context.manager, {
      ...session,
      stepId: SUMMARY,
      stepHash: SUMMARY,
      correcting: null,
      attempts: session.stepId === SUMMARY ? session.attempts : 0,
      updatedAt: turn.context.now,
      expiresAt: this.expiry(turn.context.now),
    });
    this.say(turn, [notice, await this.summary(flow, session, turn)].filter(Boolean).join('\n'));
  }

  private async ask(flow: LoadedFlow, session: FlowSession, step: StepDefinition, turn: FlowTurn, notice: string): Promise<void> {
    if (step.personal && turn.message.chatType === 'group') {
      // the question goes to the single chat, where the current value may be shown in full
      const question = await this.question(flow, session, step, { ...turn, message: { ...turn.message, chatType: 'single' } });
      const which = session.correcting === step.id ? '这一项' : '下一项';
      this.say(turn, `${notice ? `${notice}\n` : ''}${which}「${step.label}」涉及个人信息，我已通过单聊发给您，请在与我的单聊中回答。`);
      turn.context.send({
        dedupeKey: `flow-personal:${session.id}:${session.rev}`,
        origin: 'flow',
        message: directMessage([turn.person.userId], `「${flow.definition.title}」：${question}`),
      });
      return;
    }
    const question = await this.question(flow, session, step, turn);
    this.say(turn, [notice, question].filter(Boolean).join('\n'));
  }

  /** The question of a step with its options and how to answer. */
  private async question(flow: LoadedFlow, session: FlowSession, step: StepDefinition, turn: FlowTurn): Promise<string> {
    const runtime = this.runtimeContext(turn, session);
    const facts = await this.factValues(step, runtime);
    const lines = [this.render(step.question, flow, session, turn.person, facts)];
    const type = answerTypes[step.type];
    const typeContext = await this.answerTypeContext(session, step, turn);
    if (type.listsOptions) lines.push(formatOptions(typeContext.options));
    const previous = session.correcting === step.id ? session.answers[step.id] : undefined;
    if (previous) lines.push(`（当前：${this.displayFor(step, previous, turn.message)}）`);
    const hint = type.hint(typeContext);
    const extras = [hint, step.optional ? '此项可回复“跳过”。' : ''].filter(Boolean).join('');
    if (extras) lines.push(extras);
    return lines.join('\n');
  }

  /** The word is the name of an option of the current choice step (关停 as a choice is an answer, not the 关停备案 trigger). */
  private async namesAnOption(session: FlowSession, step: StepDefinition, turn: FlowTurn, word: string): Promise<boolean> {
    if (step.type !== 'choice') return false;
    const wanted = triggerKey(word);
    const { options } = await this.answerTypeContext(session, step, turn);
    return options.some((o) => [o.label, o.value, ...(o.synonyms ?? [])].some((name) => triggerKey(name) === wanted));
  }

  private async parse(flow: LoadedFlow, session: FlowSession, step: StepDefinition, text: string, turn: FlowTurn): Promise<Parsed<unknown>> {
    const typeContext = await this.answerTypeContext(session, step, turn);
    const parsed = answerTypes[step.type].parse(text, typeContext);
    if (!parsed.ok || !step.schema) return parsed;
    const validate = this.schemaFor(flow, step);
    if (!validate(parsed.value)) return { ok: false, problem: step.schemaMessage ?? `「${step.label}」不符合要求`, example: '' };
    return parsed;
  }

  private async retry(
    flow: LoadedFlow,
    session: FlowSession,
    step: StepDefinition,
    turn: FlowTurn,
    problem: { problem: string; example: string },
    counts: boolean,
  ): Promise<void> {
    const attempts = counts ? session.attempts + 1 : session.attempts;
    const limit = step.maxAttempts ?? flow.definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (attempts >= limit) {
      await deleteSession(turn.context.manager, session);
      this.say(
        turn,
        `${problem.problem}。\n多次未能识别您对「${step.label}」的回答，本次「${flow.definition.title}」已结束，未保存任何内容。` +
          `需要时请重新发送“${flow.definition.triggers[0] ?? flow.definition.title}”，也可以联系${this.options.officeContact}。`,
      );
      return;
    }
    const saved = await saveSession(turn.context.manager, { ...session, attempts, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
    const question = await this.question(flow, saved, step, turn);
    const other = this.triggers.get(triggerKey(turn.text));
    const lines = [
      `${problem.problem}。`,
      other && other !== flow ? `（如需办理「${other.definition.title}」，请先回复“取消”结束当前的「${flow.definition.title}」。）` : '',
      `请重新回答：${question}`,
      problem.example ? `例如：${problem.example}` : '',
    ];
    this.say(turn, lines.filter(Boolean).join('\n'));
  }

  private async goBack(flow: LoadedFlow, session: FlowSession, turn: FlowTurn): Promise<void> {
    if (session.correcting) {
      await this.advance(flow, { ...session, correcting: null }, turn, '已放弃修改。');
      return;
    }
    const asked = session.history.filter((id) => id !== session.stepId && !session.answers[id]?.auto && this.step(flow, id));
    const previous = asked[asked.length - 1];
    if (!previous) {
      const step = this.step(flow, session.stepId) as StepDefinition;
      const saved = await saveSession(turn.context.manager, { ...session, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
      this.say(turn, `已经是第一项了。\n${await this.question(flow, saved, step, turn)}`);
      return;
    }
    const answers = { ...session.answers };
    delete answers[previous];
    delete answers[session.stepId];
    const history = session.history.slice(0, session.history.lastIndexOf(previous));
    await this.advance(flow, { ...session, answers, history, attempts: 0 }, turn, '好的，返回上一步。');
  }

  private async onSummaryAnswer(flow: LoadedFlow, session: FlowSession, turn: FlowTurn, word: string): Promise<void> {
    const { items } = await this.summaryParts(flow, session, turn);
    if (SUBMIT_WORDS.has(word)) {
      await this.submit(flow, session, turn, '');
      return;
    }
    if (BACK_WORDS.has(word)) {
      const last = items[items.length - 1];
      if (last) {
        const answers = { ...session.answers };
        delete answers[last.step.id];
        await this.advance(flow, { ...session, answers, attempts: 0 }, turn, '好的，返回上一步。');
        return;
      }
    }
    const number = /^(?:改|修改|第)?\s*(\d{1,2})\s*(?:项|条)?$/.exec(word);
    if (number) {
      const item = items[Number(number[1]) - 1];
      if (item) {
        const corrected = await saveSession(turn.context.manager, {
          ...session,
          stepId: item.step.id,
          stepHash: flow.stepHashes.get(item.step.id) as string,
          correcting: item.step.id,
          attempts: 0,
          updatedAt: turn.context.now,
          expiresAt: this.expiry(turn.context.now),
        });
        await this.ask(flow, corrected, item.step, turn, `修改第${number[1]}项「${item.step.label}」：`);
        return;
      }
    }
    const attempts = session.attempts + 1;
    const limit = flow.definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (attempts >= limit + 2) {
      await deleteSession(turn.context.manager, session);
      this.say(turn, `未能确认提交，本次「${flow.definition.title}」已结束，未保存任何内容。`);
      return;
    }
    const saved = await saveSession(turn.context.manager, { ...session, attempts, updatedAt: turn.context.now, expiresAt: this.expiry(turn.context.now) });
    const range = items.length ? `1–${items.length}` : '';
    this.say(turn, `请回复“确认”提交，或回复序号（${range}）修改对应的一项，或回复“取消”放弃。\n${await this.summary(flow, saved, turn)}`);
  }

  private async submit(flow: LoadedFlow, session: FlowSession, turn: FlowTurn, notice: string): Promise<void> {
    const action = this.options.services.actions[flow.definition.submit.action];
    const runtime = this.runtimeContext(turn, session);
    const { path } = await this.walk(flow, session, runtime);
    const values: Record<string, unknown> = {};
    for (const step of path) values[step.id] = session.answers[step.id]?.skipped ? null : (session.answers[step.id]?.value ?? null);
    const result = await action({ ...runtime, message: turn.message, values, send: (item) => turn.context.send(item) });
    if (result.ok) {
      await deleteSession(turn.context.manager, session);
      this.say(turn, [notice, result.reply].filter(Boolean).join('\n'));
      if (result.then) await this.start(result.then.flowId, turn, result.then.params ?? {}, null, result.then.prefill);
      return;
    }
    if (result.askAgain && this.step(flow, result.askAgain)) {
      const answers = { ...session.answers };
      delete answers[result.askAgain];
      for (const id of result.forget ?? []) delete answers[id];
      const retried = { ...session, answers, correcting: null, attempts: 0 };
      const { next } = await this.walk(flow, retried, { ...runtime, answers });
      // only when that step is on the path again; otherwise asking would loop back to the same refusal
      if (next?.id === result.askAgain) {
        await this.advance(flow, retried, turn, result.reply);
        return;
      }
    }
    await deleteSession(turn.context.manager, session);
    this.say(turn, [notice, result.reply].filter(Boolean).join('\n'));
  }

  private async summary(flow: LoadedFlow, session: FlowSession, turn: FlowTurn): Promise<string> {
    const { items, fixed } = await this.summaryParts(flow, session, turn);
    const lines = [`请核对「${flow.definition.title}」的内容：`];
    for (const { step, answer } of fixed) lines.push(`· ${step.label}：${this.displayFor(step, answer, turn.message)}`);
    items.forEach(({ step, answer }, i) => lines.push(`${i + 1}. ${step.label}：${this.displayFor(step, answer, turn.message)}`));
    lines.push('无误请回复“确认”提交；需要修改请回复对应序号（如“2”）；回复“取消”放弃。');
    return lines.join('\n');
  }

  /** The answered steps on the path: numbered ones the person may correct, and those the bot filled in. */
  private async summaryParts(flow: LoadedFlow, session: FlowSession, turn: FlowTurn) {
    const { path } = await this.walk(flow, session, this.runtimeContext(turn, session));
    const answered = path.filter((step) => session.answers[step.id]).map((step) => ({ step, answer: session.answers[step.id] }));
    return { items: answered.filter((a) => !a.answer.auto), fixed: answered.filter((a) => a.answer.auto) };
  }

  /** How an answer is shown back: personal data is masked in a group chat. */
  private displayFor(step: StepDefinition, answer: StoredAnswer, message: InboundMessage): string {
    if (!step.personal || message.chatType !== 'group' || answer.skipped) return answer.display;
    return step.type === 'phone' && typeof answer.value === 'string' ? maskPhone(answer.value) : '（已填写，群聊中不显示）';
  }

  /**
   * The steps on the path through the flow given the answers so far, and the first one without an answer.
   * A step whose `when` does not hold is skipped; conditions on answers not given yet count as false.
   */
  private async walk(flow: LoadedFlow, session: FlowSession, runtime: FlowRuntimeContext): Promise<{ path: StepDefinition[]; next?: StepDefinition }> {
    const steps = flow.definition.steps;
    const path: StepDefinition[] = [];
    const facts = new Map<string, string | null>();
    let index = 0;
    for (let guard = 0; guard <= steps.length && index < steps.length; guard++) {
      const step = steps[index];
      const active = !step.when || (await this.holds(step.when, session.answers, runtime, facts));
      if (active) {
        if (!session.answers[step.id] || session.correcting === step.id) return { path, next: step };
        path.push(step);
      }
      const target = await this.nextOf(flow, step, index, session.answers, runtime, facts);
      if (target === 'submit') break;
      index = flow.stepIndex.get(target) as number;
    }
    return { path };
  }

  private async nextOf(
    flow: LoadedFlow,
    step: StepDefinition,
    index: number,
    answers: Record<string, StoredAnswer>,
    runtime: FlowRuntimeContext,
    facts: Map<string, string | null>,
  ): Promise<string> {
    const following = flow.definition.steps[index + 1]?.id ?? 'submit';
    if (step.next === undefined) return following;
    if (typeof step.next === 'string') return step.next;
    for (const rule of step.next) {
      if (!rule.when || (await this.holds(rule.when, answers, runtime, facts))) return rule.goto;
    }
    return following;
  }

  private async holds(
    condition: Condition,
    answers: Record<string, StoredAnswer>,
    runtime: FlowRuntimeContext,
    facts: Map<string, string | null>,
  ): Promise<boolean> {
    if ('answer' in condition) {
      const answer = answers[condition.answer];
      const present = Boolean(answer) && !answer.skipped;
      if (condition.answered !== undefined && condition.answered !== present) return false;
      if (!present) return condition.answered === false;
      const value = answer.value;
      const text = Array.isArray(value) ? '' : String(value);
      if (condition.equals !== undefined && text !== condition.equals) return false;
      if (condition.in && !condition.in.includes(text)) return false;
      if (condition.notIn && condition.notIn.includes(text)) return false;
      if (condition.includes !== undefined && !(Array.isArray(value) && value.map(String).includes(condition.includes))) return false;
      return true;
    }
    if ('fact' in condition) {
      if (!facts.has(condition.fact)) facts.set(condition.fact, await this.options.services.facts[condition.fact]({ ...runtime, answers }));
      return (facts.get(condition.fact) !== null) === condition.present;
    }
    if ('all' in condition) {
      for (const c of condition.all) if (!(await this.holds(c, answers, runtime, facts))) return false;
      return true;
    }
    if ('any' in condition) {
      for (const c of condition.any) if (await this.holds(c, answers, runtime, facts)) return true;
      return false;
    }
    return !(await this.holds(condition.not, answers, runtime, facts));
  }

  /**
   * The flow file changed since this session started (DESIGN §3): keep the answers that still validate; if the
   * current step is unchanged, go on; if it changed, ask it again; if it is gone, continue from where answers are missing.
   */
  private async reconcile(flow: LoadedFlow, session: FlowSession, turn: FlowTurn): Promise<{ session: FlowSession; ask: boolean; notice: string }> {
    const answers: Record<string, StoredAnswer> = {};
    for (const [stepId, answer] of Object.entries(session.answers)) {
      const step = this.step(flow, stepId);
      if (!step) continue;
      if (answer.skipped) {
        if (step.optional) answers[stepId] = answer;
        continue;
      }
      if (answer.auto) {
        answers[stepId] = answer;
        continue;
      }
      if (step.type === 'account-of-mine' || step.type === 'unit-of-mine' || step.type === 'choice') {
        // re-checked by what was chosen, not by the number typed: a list may have changed meanwhile
        const options = await this.optionsOf(step, this.runtimeContext(turn, { ...session, answers }));
        const still = options.find((o) => o.value === String(answer.value));
        if (still) answers[stepId] = { ...answer, display: still.label };
        continue;
      }
      const parsed = await this.parse(flow, { ...session, answers }, step, answer.raw, turn);
      if (parsed.ok) answers[stepId] = { value: parsed.value, display: parsed.display, raw: answer.raw };
    }
    const base: FlowSession = { ...session, answers, flowHash: flow.hash, correcting: null };
    const current = session.stepId === SUMMARY ? undefined : this.step(flow, session.stepId);
    if (session.stepId !== SUMMARY && current && flow.stepHashes.get(current.id) === session.stepHash) {
      return { session: base, ask: false, notice: '' };
    }
    if (session.stepId !== SUMMARY && current) {
      const withoutCurrent = { ...answers };
      delete withoutCurrent[current.id];
      return {
        session: { ...base, answers: withoutCurrent, attempts: 0 },
        ask: true,
        notice: `「${flow.definition.title}」的填报内容已更新，这一项的问法有变化，请重新回答。`,
      };
    }
    return {
      session: { ...base, attempts: 0, history: session.history.filter((id) => this.step(flow, id)) },
      ask: true,
      notice: `「${flow.definition.title}」的填报内容已更新，您此前填写的有效内容已保留，请接着补充。`,
    };
  }

  private rememberConversation(session: FlowSession, message: InboundMessage): FlowSession {
    const context: SessionContext = {
      ...session.context,
      channel: message.channel,
      chatType: message.chatType,
      ...(message.chatId ? { chatId: message.chatId } : {}),
    };
    if (!message.chatId) delete context.chatId;
    return { ...session, context };
  }

  private async answerTypeContext(session: FlowSession, step: StepDefinition, turn: FlowTurn): Promise<AnswerTypeContext> {
    const runtime = this.runtimeContext(turn, session);
    return {
      manager: turn.context.manager,
      person: turn.person,
      today: runtime.today,
      step,
      answers: session.answers,
      options: await this.optionsOf(step, runtime),
    };
  }

  private async optionsOf(step: StepDefinition, runtime: FlowRuntimeContext): Promise<FlowOption[]> {
    switch (step.type) {
      case 'choice':
      case 'multi-choice':
        return step.options ?? (await this.options.services.optionSources[step.optionsFrom as string](runtime));
      case 'account-of-mine':
        return this.options.services.myAccounts(runtime, step.accountStatus);
      case 'unit-of-mine':
        return this.options.services.myUnits(runtime);
      default:
        return [];
    }
  }

  private async factValues(step: StepDefinition, runtime: FlowRuntimeContext): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const match of step.question.matchAll(/\{\{\s*fact:([^}\s]+)\s*\}\}/g)) {
      const fact = this.options.services.facts[match[1]];
      values[match[1]] = (await fact(runtime)) ?? '';
    }
    return values;
  }

  private render(template: string, flow: LoadedFlow, session: FlowSession, person: Person, facts: Record<string, string>): string {
    return template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => {
      if (name === 'user') return person.name;
      if (name === 'flow') return flow.definition.title;
      if (name.startsWith('fact:')) return facts[name.slice(5)] ?? '';
      const answer = session.answers[name];
      return answer && !answer.skipped ? answer.display : '';
    });
  }

  private runtimeContext(turn: FlowTurn, session: FlowSession): FlowRuntimeContext {
    return {
      manager: turn.context.manager,
      person: turn.person,
      now: turn.context.now,
      today: toShanghaiDate(turn.context.now),
      answers: session.answers,
      params: session.context.params ?? {},
    };
  }

  private schemaFor(flow: LoadedFlow, step: StepDefinition): ValidateFunction {
    const key = `${flow.hash}:${step.id}`;
    let validate = this.schemaValidators.get(key);
    if (!validate) {
      validate = this.ajv.compile(step.schema as object);
      this.schemaValidators.set(key, validate);
    }
    return validate;
  }

  private step(flow: LoadedFlow, id: string): StepDefinition | undefined {
    const index = flow.stepIndex.get(id);
    return index === undefined ? undefined : flow.definition.steps[index];
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.options.idleMinutes * 60_000);
  }

  /** Answer in the conversation; in a group, @-mention the person being asked. */
  private say(turn: FlowTurn, text: string): void {
    turn.context.reply(turn.message.chatType === 'group' ? `<@${turn.person.userId}> ${text}` : text);
  }
}

function accountsHint(step: StepDefinition): string {
  const allowed = step.accountStatus ?? ['active', 'suspended', 'cancelled'];
  if (allowed.length === 1 && allowed[0] === 'active') return '（已关停或注销的账号只能查看，正在审核中的账号需等审核结束）';
  if (!allowed.includes('cancelled')) return '（已注销的账号无需再办理，正在审核中的账号需等审核结束）';
  return '';
}

function triggerKey(text: string): string {
  return normalizeText(text).replace(/\s+/g, '').replace(/[。.!！]+$/, '').toLowerCase();
}

function mayStart(flow: LoadedFlow, person: Person): boolean {
  return flow.definition.roles.some(
    (role) => role === 'everyone' || (role === 'admin' && person.isAdmin) || (role === 'liaison' && person.isLiaison),
  );
}

function rolesLabel(flow: LoadedFlow): string {
  return flow.definition.roles.map((r) => (r === 'admin' ? '政务公开办管理员' : r === 'liaison' ? '单位联络员' : '所有人')).join('或');
}
