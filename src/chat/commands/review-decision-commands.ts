import { findFilingByNo } from '../../domain/registry/registry-service';
import type { FlowEngine } from '../flow/flow-engine';
import { approveByChat, rejectByChat, reviewClosedText, reviewInput } from '../registry/registry-flow-services';
import type { Command, CommandInput } from './command';

/** A filing number as typed: BA2026-000012, ba2026-12, full-width … → the stored form. */
export function normalizeFilingNo(text: string): string | null {
  const match = /^([A-Za-z]{2})\s*(\d{4})\s*[-－—_]?\s*(\d{1,6})$/.exec(text.normalize('NFKC').trim());
  if (!match) return null;
  return `${match[1].toUpperCase()}${match[2]}-${match[3].padStart(6, '0')}`;
}

async function filingFromArgs(input: CommandInput, verb: string): Promise<{ id: number; rest: string } | null> {
  const [first = '', ...rest] = input.args.split(/\s+/);
  const filingNo = normalizeFilingNo(first);
  if (!filingNo) {
    input.context.reply(`请在“${verb}”后写上备案编号，例如“${verb} BA2026-000012”。发送“审核”查看待审核的备案及编号。`);
    return null;
  }
  const filing = await findFilingByNo(input.context.manager, filingNo);
  if (!filing) {
    input.context.reply(`没有找到备案编号为 ${filingNo} 的备案，请核对后重试。发送“审核”查看待审核的备案。`);
    return null;
  }
  return { id: filing.id, rest: rest.join(' ').trim() };
}

/** 通过 <备案编号>: approve by chat, the same as the card's button. */
export const approveCommand: Command = {
  names: ['通过', '审核通过'],
  summary: '审核通过一项备案（通过 备案编号）',
  audience: 'admin',
  async run(input) {
    const target = await filingFromArgs(input, '通过');
    if (!target) return;
    const { context } = input;
    const result = await approveByChat(reviewInput(input), target.id);
    context.reply(result.reply);
  },
};

/** 驳回 <备案编号> [理由]: reject by chat; without a reason, the bot asks for it. */
export function rejectCommand(engine: () => FlowEngine): Command {
  return {
    names: ['驳回'],
    summary: '驳回一项备案（驳回 备案编号 理由）',
    audience: 'admin',
    async run(input) {
      const target = await filingFromArgs(input, '驳回');
      if (!target) return;
      const { context } = input;
      if (target.rest.length >= 2) {
        const result = await rejectByChat(reviewInput(input), target.id, target.rest);
        context.reply(result.reply);
        return;
      }
      const closed = await reviewClosedText(context.manager, target.id);
      if (closed) {
        context.reply(closed);
        return;
      }
      await engine().start('reject-filing', { message: input.message, person: input.person, text: '', context }, { filingId: target.id }, undefined);
    },
  };
}
