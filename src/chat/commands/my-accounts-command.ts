import { listFilings, listUnitAccounts } from '../../domain/registry/registry-service';
import { filingProposal } from '../../domain/registry/filing-service';
import { accountLabel, reviewStatusLabel, runStatusLabel } from '../registry/registry-wording';
import type { Command } from './command';

/** 我的账号: the accounts of the units I am the liaison of, with their run and filing status. */
export const myAccountsCommand: Command = {
  names: ['我的账号', '本单位账号', '账号列表'],
  summary: '查看本单位登记的政务新媒体账号',
  audience: 'liaison',
  async run({ person, context }) {
    const units = person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit);
    if (units.length === 0) {
      context.reply('您目前不是任何单位的联络员，没有可查看的账号。');
      return;
    }
    const accounts = await listUnitAccounts(context.manager, units.map((u) => u.id));
    const pendingOpenings = (await listFilings(context.manager, { unitIds: units.map((u) => u.id), reviewStatus: 'pending' })).filter(
      (f) => f.type === 'open',
    );
    const lines: string[] = [];
    for (const unit of units) {
      const mine = accounts.filter((a) => a.filerUnitId === unit.id);
      lines.push(`【${unit.name}】共${mine.length}个账号${mine.length ? '：' : '。'}`);
      mine.forEach((a, i) =>
        lines.push(`${i + 1}. ${accountLabel(a)} — ${runStatusLabel(a)}${a.filingStatus !== 'approved' ? `，备案${reviewStatusLabel({ reviewStatus: a.filingStatus })}` : ''}`),
      );
      for (const filing of pendingOpenings.filter((f) => f.filerUnitId === unit.id)) {
        const proposal = filingProposal(filing);
        if (proposal) lines.push(`· 待审核的开设：${accountLabel(proposal)}（${filing.filingNo}）`);
      }
    }
    lines.push('账号有变化请发送“变更备案”“关停备案”或“注销备案”；新开账号请发送“开设备案”。');
    context.reply(lines.join('\n'));
  },
};
