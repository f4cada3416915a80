import { listFilings } from '../../domain/registry/registry-service';
import { formatInstantCn } from '../../shared/shanghai-time';
import { filingHeadline } from '../registry/review-notices';
import { reviewStatusLabel } from '../registry/registry-wording';
import type { Command } from './command';

const SHOWN = 10;

/** 我的备案: the latest filings of my units and where their review stands. */
export const myFilingsCommand: Command = {
  names: ['我的备案', '备案进度', '备案记录'],
  summary: '查看本单位备案及审核进度',
  audience: 'liaison',
  async run({ person, context }) {
    const unitIds = person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit.id);
    if (unitIds.length === 0) {
      context.reply('您目前不是任何单位的联络员，没有备案记录。');
      return;
    }
    const filings = await listFilings(context.manager, { unitIds, limit: SHOWN });
    if (filings.length === 0) {
      context.reply('本单位还没有通过本助手提交的备案。新开账号请发送“开设备案”。');
      return;
    }
    const lines = [`本单位最近${filings.length}项备案：`];
    for (const filing of filings) {
      let line = `· ${await filingHeadline(context.manager, filing)} — ${reviewStatusLabel(filing)}，${formatInstantCn(filing.submittedAt)}提交`;
      if (filing.isLate) line += '（逾期报备）';
      if (filing.reviewStatus === 'rejected' && filing.rejectionReason) line += `\n  驳回理由：${filing.rejectionReason}`;
      lines.push(line);
    }
    context.reply(lines.join('\n'));
  },
};
