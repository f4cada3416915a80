import { In } from 'typeorm';
import { listPendingFilings } from '../../domain/registry/registry-service';
import { UnitEntity } from '../../domain/roster/roster-entities';
import { formatInstantCn } from '../../shared/shanghai-time';
import { filingHeadline } from '../registry/review-notices';
import type { Command } from './command';

const SHOWN = 20;

/** 审核: the filings waiting for review, oldest first, and how to decide them by chat. */
export const reviewListCommand: Command = {
  names: ['审核', '待审核', '审核列表'],
  summary: '查看待审核的备案并审核',
  audience: 'admin',
  async run({ context }) {
    const pending = await listPendingFilings(context.manager);
    if (pending.length === 0) {
      context.reply('目前没有待审核的备案。');
      return;
    }
    const units = await context.manager.getRepository(UnitEntity).find({ where: { id: In([...new Set(pending.map((f) => f.filerUnitId))]) } });
    const unitName = new Map(units.map((u) => [u.id, u.shortName ?? u.name]));
    const lines = [`待审核备案共${pending.length}项${pending.length > SHOWN ? `，先列出最早的${SHOWN}项` : ''}：`];
    for (const [i, filing] of pending.slice(0, SHOWN).entries()) {
      lines.push(
        `${i + 1}. ${await filingHeadline(context.manager, filing)} — ${unitName.get(filing.filerUnitId) ?? ''} ${filing.filerName}，${formatInstantCn(filing.submittedAt)}提交${filing.isLate ? '（逾期报备）' : ''}`,
      );
    }
    lines.push(`回复“通过 备案编号”审核通过，回复“驳回 备案编号 理由”驳回，例如“通过 ${pending[0].filingNo}”。也可以直接点审核卡片上的按钮。`);
    context.reply(lines.join('\n'));
  },
};
